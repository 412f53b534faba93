import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, infoLineWriter, isoTimestamp } from '../logger.ts';

const LAST_FOUR_DIGIT_YEAR = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe('isoTimestamp', () => {
  it("writes what pino's isoTime writes, for any sequence of times (one instance, its per-second text reused)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: LAST_FOUR_DIGIT_YEAR }),
            fc.integer({ min: 1_780_000_000_000, max: 1_780_000_003_000 }),
          ),
          {
            minLength: 1,
            maxLength: 50,
          },
        ),
        (times) => {
          let current = 0;
          const timestamp = isoTimestamp(() => current);
          for (const time of times) {
            current = time;
            expect(timestamp()).toBe(`,"time":"${new Date(time).toISOString()}"`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pads the milliseconds', () => {
    const at = [
      Date.UTC(2026, 11, 4, 15, 3, 53, 0),
      Date.UTC(2026, 11, 4, 15, 3, 53, 7),
      Date.UTC(2026, 11, 4, 15, 3, 53, 42),
    ];
    let index = 0;
    const timestamp = isoTimestamp(() => at[index]!);
    const out = at.map((_, i) => ((index = i), timestamp()));
    expect(out).toEqual([
      ',"time":"2026-12-04T15:03:53.000Z"',
      ',"time":"2026-12-04T15:03:53.007Z"',
      ',"time":"2026-12-04T15:03:53.042Z"',
    ]);
  });
});

describe('infoLineWriter', () => {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) };
  beforeEach(() => {
    lines.length = 0;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 5, 1, 2, 3, 45) });
  });
  afterEach(() => vi.useRealTimers());

  /** The line pino writes for `info(fields, message)`, then the writer's. */
  const both = (logger: ReturnType<typeof createLogger>, fields: object, message = 'graphql request') => {
    logger.info(fields, message);
    infoLineWriter(logger, message)(fields);
    return lines.splice(0);
  };

  it("writes pino's line for the request line's fields, byte for byte", () => {
    const logger = createLogger({ logLevel: 'info' }, destination);
    fc.assert(
      fc.property(
        fc.record(
          {
            requestId: fc.option(fc.string(), { nil: undefined }),
            operationName: fc.option(fc.stringMatching(/^[_A-Za-z][_0-9A-Za-z]*$/), { nil: null }),
            operationType: fc.constantFrom('query', 'mutation', null),
            durationMs: fc.double({ min: 0, max: 1e6, noNaN: true }).map((ms) => Math.round(ms * 10) / 10),
            outcome: fc.constantFrom('success', 'partial', 'error', 'cancelled'),
            errorCodes: fc.option(fc.array(fc.stringMatching(/^[A-Z_]+$/), { minLength: 1 }), { nil: undefined }),
            // As the upstream budget counts them: by upstream, then by operation name.
            upstreamCalls: fc.dictionary(
              fc.constantFrom('iotManagedIntegrations', 'appFabric', 'conductorOne'),
              fc.dictionary(fc.stringMatching(/^[A-Z][A-Za-z]{0,30}$/), fc.nat()),
            ),
            hot: fc.constantFrom(true, undefined),
          },
          { requiredKeys: ['durationMs', 'outcome', 'upstreamCalls'] },
        ),
        (fields) => {
          const [pinoLine, line] = both(logger, fields);
          expect(line).toBe(pinoLine);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps a child logger's bindings and escapes the message", () => {
    const child = createLogger({ logLevel: 'info' }, destination).child({ contender: 'x"y' });
    const [pinoLine, line] = both(child, { a: 1, b: 'two' }, 'a "quoted" message\n');
    expect(line).toBe(pinoLine);
    expect(JSON.parse(line!)).toMatchObject({ contender: 'x"y', a: 1, b: 'two', msg: 'a "quoted" message\n' });
    expect(both(child, {})).toEqual([
      '{"level":30,"time":"2026-12-05T01:02:03.045Z","service":"connector-auth-subgraph","name":"connector-auth-subgraph","contender":"x\\"y","msg":"graphql request"}\n',
      '{"level":30,"time":"2026-12-05T01:02:03.045Z","service":"connector-auth-subgraph","name":"connector-auth-subgraph","contender":"x\\"y","msg":"graphql request"}\n',
    ]);
  });

  it('writes nothing when info is off, also after the level changes', () => {
    const logger = createLogger({ logLevel: 'warn' }, destination);
    const write = infoLineWriter(logger, 'graphql request');
    write({ a: 1 });
    expect(lines).toEqual([]);
    logger.level = 'info';
    write({ a: 1 });
    expect(lines).toHaveLength(1);
  });
});

describe('redaction', () => {
  it('censors every secret-bearing field, wherever the redaction paths say it may be', () => {
    const lines: string[] = [];
    const logger = createLogger({ logLevel: 'info' }, { write: (line: string) => lines.push(line) });
    const canary = (name: string) => `planted-${name}-9f1c`;
    logger.info(
      {
        req: { headers: { authorization: canary('a'), cookie: canary('b'), 'router-authorization': canary('c') } },
        headers: { authorization: canary('d'), cookie: canary('e') },
        upstream: {
          authorization: canary('f'),
          clientSecret: canary('g'),
          client_secret: canary('h'),
          accessToken: canary('i'),
          access_token: canary('j'),
          refreshToken: canary('k'),
          client_assertion: canary('l'),
          secretAccessKey: canary('m'),
          sessionToken: canary('n'),
        },
        authRequest: { code: canary('o'), redirectUri: 'https://app.example.com/cb' },
        input: { authRequest: { code: canary('p') } },
        variables: { input: canary('q') },
        request: { variables: { code: canary('r') } },
        requestId: 'kept-visible',
      },
      'a line with secrets',
    );
    const line = lines.join('');
    expect(line).not.toContain('planted-');
    expect(line.match(/\[Redacted\]/g)).toHaveLength(18);
    expect(line).toContain('kept-visible');
    expect(line).toContain('https://app.example.com/cb');
  });
});

describe('errors in log lines', () => {
  it('show type, code, a cleaned message, the frames and the cause, and no other property', () => {
    const lines: string[] = [];
    const logger = createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(line) });
    const cause = new Error('token endpoint said: Bearer PLANTEDCAUSETOKEN');
    const error = Object.assign(new Error('failed with secret-token:conductorone.com:v1:PLANTEDSECRET', { cause }), {
      code: 'E_PLANTED',
      request: { headers: { authorization: 'PLANTEDNESTED' } },
    });
    logger.error({ err: error }, 'unhandled promise rejection');
    logger.error({ err: 'a string with Bearer PLANTEDSTRINGTOKEN' }, 'a string rejection');
    logger.error({ err: 42 }, 'a number rejection');
    const [first, second, third] = lines.map((line) => JSON.parse(line));
    expect(first.err).toEqual({
      type: 'Error',
      message: 'failed with [Redacted secret]',
      code: 'E_PLANTED',
      stack: expect.stringMatching(/^Error: failed with \[Redacted secret\]\n\s+at /),
      cause: {
        type: 'Error',
        message: 'token endpoint said: Bearer [Redacted]',
        stack: expect.stringMatching(/^Error: token endpoint said: Bearer \[Redacted\]\n\s+at /),
      },
    });
    expect(second.err).toBe('a string with Bearer [Redacted]');
    expect(third.err).toEqual({ type: 'number' });
    expect(lines.join('')).not.toMatch(/PLANTED(SECRET|NESTED|CAUSETOKEN|STRINGTOKEN)/);
  });
});
