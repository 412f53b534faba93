import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { deadlineExceeded } from '../../../deadlines.ts';
import { ERRORS } from '../../../errors.ts';
import { guardPort, Limiter } from '../../guard.ts';
import { CODE_MEMORY_MS, connectOnce } from '../connectOnce.ts';
import {
  APPFABRIC_OPERATIONS,
  type AppAuthorizationModel,
  type AppFabricPort,
  type ConnectAppAuthorizationInput,
} from '../port.ts';

const AUTHORIZATION: AppAuthorizationModel = {
  arn: 'arn:aws:appfabric:us-east-1:111122223333:appbundle/b/appauthorization/a',
  appBundleArn: 'arn:aws:appfabric:us-east-1:111122223333:appbundle/b',
  app: 'SLACK',
  tenant: { tenantIdentifier: 't', tenantDisplayName: 'T' },
  status: 'CONNECTED',
  updatedAt: '2026-12-06T00:00:00.000Z',
  detail: null,
};

/** An in-process port that connects every code it is sent, counting sends and status reads. */
function countingPort() {
  const counts = { sends: 0, gets: 0 };
  const port: AppFabricPort = {
    getAppAuthorization: async () => {
      counts.gets += 1;
      return AUTHORIZATION;
    },
    listAppAuthorizations: async () => ({ items: [], nextToken: null }),
    connectAppAuthorization: async () => {
      counts.sends += 1;
      return { ok: true, appAuthorization: AUTHORIZATION };
    },
  };
  return { port, counts };
}

const input = (code: string): ConnectAppAuthorizationInput => ({
  appBundleIdentifier: 'b',
  appAuthorizationIdentifier: 'a',
  authRequest: { redirectUri: 'https://app.example.com/cb', code },
});

describe('connectOnce: the memory of codes sent', () => {
  it('warns, at most once a minute, when codes are forgotten before their time', async () => {
    let now = 1_000_000;
    const warnings: unknown[] = [];
    const { port } = countingPort();
    const once = connectOnce(port, {
      now: () => now,
      attemptsPerMinute: 0,
      log: { warn: (fields: unknown) => warnings.push(fields) } as never,
    });
    for (let i = 0; i < 10_000; i += 1) await once.connectAppAuthorization(input(`c${i}`));
    expect(warnings).toEqual([]);
    for (let i = 10_000; i < 10_005; i += 1) await once.connectAppAuthorization(input(`c${i}`));
    expect(warnings).toEqual([{ forgotten: 1, remembered: 10_000 }]);
    now += 60_000;
    await once.connectAppAuthorization(input('c10005'));
    // Those forgotten since are counted in the next line, a minute on.
    expect(warnings).toEqual([
      { forgotten: 1, remembered: 10_000 },
      { forgotten: 5, remembered: 10_000 },
    ]);
  });

  it('forgets a code after CODE_MEMORY_MS', async () => {
    let now = 1_000_000;
    const { port, counts } = countingPort();
    const once = connectOnce(port, { now: () => now, attemptsPerMinute: 0 });
    await once.connectAppAuthorization(input('c1'));
    now += CODE_MEMORY_MS - 1_000;
    await once.connectAppAuthorization(input('c1'));
    expect(counts).toEqual({ sends: 1, gets: 1 });
    now += 1_000;
    await once.connectAppAuthorization(input('c1'));
    expect(counts).toEqual({ sends: 2, gets: 1 });
  });

  it('remembers at most 10,000 codes, forgetting the oldest first', async () => {
    const { port, counts } = countingPort();
    const once = connectOnce(port, { now: () => 1_000_000, attemptsPerMinute: 0 });
    for (let i = 0; i <= 10_000; i += 1) await once.connectAppAuthorization(input(`c${i}`));
    expect(counts.sends).toBe(10_001);
    await once.connectAppAuthorization(input('c10000'));
    await once.connectAppAuthorization(input('c1'));
    expect(counts).toEqual({ sends: 10_001, gets: 2 });
    await once.connectAppAuthorization(input('c0'));
    expect(counts).toEqual({ sends: 10_002, gets: 2 });
  });

  it('does not remember a connect without a code (nothing single-use was sent)', async () => {
    const { port, counts } = countingPort();
    const once = connectOnce(port, { attemptsPerMinute: 0 });
    const withoutCode = { appBundleIdentifier: 'b', appAuthorizationIdentifier: 'a' };
    await once.connectAppAuthorization(withoutCode);
    await once.connectAppAuthorization(withoutCode);
    expect(counts).toEqual({ sends: 2, gets: 0 });
  });
});

describe('connectOnce: attempts per authorization', () => {
  it('answers a code already sent, or being sent, over the limit OUTCOME_UNKNOWN, never "nothing was sent"', async () => {
    const { port, counts } = countingPort();
    const release = Promise.withResolvers<void>();
    const once = connectOnce(
      {
        ...port,
        connectAppAuthorization: async (input, options) => {
          if (input.authRequest?.code === 'slow') await release.promise;
          return port.connectAppAuthorization(input, options);
        },
      },
      { attemptsPerMinute: 2 },
    );
    await once.connectAppAuthorization(input('sent'));
    const slow = once.connectAppAuthorization(input('slow'));
    const unknown = { ok: false, errors: [expect.objectContaining({ code: 'OUTCOME_UNKNOWN' })] };
    // The bucket is empty: the code sent, and the one being sent with another redirect URI.
    expect(await once.connectAppAuthorization(input('sent'))).toEqual(unknown);
    const otherRedirect = {
      ...input('slow'),
      authRequest: { redirectUri: 'https://app.example.com/other', code: 'slow' },
    };
    expect(await once.connectAppAuthorization(otherRedirect)).toEqual(unknown);
    // A code never sent is refused as not sent.
    await expect(once.connectAppAuthorization(input('fresh'))).rejects.toMatchObject({
      extensions: { code: 'REQUEST_LIMIT_EXCEEDED' },
    });
    release.resolve();
    await slow;
    expect(counts).toEqual({ sends: 2, gets: 0 });
  });

  it('refuses attempts over the limit before sending, and allows them again as the bucket refills', async () => {
    let now = 1_000_000;
    const { port, counts } = countingPort();
    const once = connectOnce(port, { now: () => now, attemptsPerMinute: 3 });
    for (const code of ['c1', 'c2', 'c3']) await once.connectAppAuthorization(input(code));
    const refused = once.connectAppAuthorization(input('c4'));
    await expect(refused).rejects.toBeInstanceOf(GraphQLError);
    await expect(refused).rejects.toMatchObject({ extensions: { code: 'REQUEST_LIMIT_EXCEEDED' } });
    expect(counts.sends).toBe(3);
    // Another authorization has its own bucket.
    await once.connectAppAuthorization({ ...input('c4'), appAuthorizationIdentifier: 'other' });
    expect(counts.sends).toBe(4);
    // One token comes back every 20 s.
    now += 20_000;
    await once.connectAppAuthorization(input('c4'));
    await expect(once.connectAppAuthorization(input('c5'))).rejects.toMatchObject({
      extensions: { code: 'REQUEST_LIMIT_EXCEEDED' },
    });
    expect(counts.sends).toBe(5);
  });

  it('does not count joining an identical submission in flight', async () => {
    const { port, counts } = countingPort();
    const once = connectOnce(port, { attemptsPerMinute: 1 });
    await Promise.all([once.connectAppAuthorization(input('c1')), once.connectAppAuthorization(input('c1'))]);
    expect(counts.sends).toBe(1);
  });
});

describe('connectOnce: the edges of the memory and the limit', () => {
  it('does not send a code again when its retry came after every caller of the first had left', async () => {
    // The first send is under way when its only caller leaves; the retry, with the same code,
    // arrives before that send has settled, so it can neither share it nor find it remembered yet.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { port, counts } = countingPort();
    const slow: AppFabricPort = {
      ...port,
      connectAppAuthorization: async (input, options) => {
        const result = await port.connectAppAuthorization(input, options);
        if (counts.sends > 1) return result; // a second send: the failure this test looks for
        await gate;
        return options?.signal?.aborted
          ? { ok: false, errors: [{ code: 'OUTCOME_UNKNOWN', message: '', field: null }] }
          : result;
      },
    };
    // The authorization shows as connected when the code was sent (its updatedAt).
    const once = connectOnce(slow, { attemptsPerMinute: 0, wallClock: () => Date.parse(AUTHORIZATION.updatedAt) });
    const left = new AbortController();
    const first = once.connectAppAuthorization(input('c1'), { signal: left.signal });
    await Promise.resolve();
    left.abort(new Error('client closed the connection'));
    const retry = once.connectAppAuthorization(input('c1'), { signal: new AbortController().signal });
    release();
    // Its only caller left: no status check, and REQUEST_CANCELLED (the code is remembered).
    await expect(first).rejects.toMatchObject({ extensions: { code: 'REQUEST_CANCELLED' } });
    const answer = await retry;
    expect(answer).toMatchObject({ ok: true });
    expect(counts).toEqual({ sends: 1, gets: 1 });
  });

  it('does not send a code again with another redirect URI', async () => {
    const { port, counts } = countingPort();
    const once = connectOnce(port, { attemptsPerMinute: 0 });
    await once.connectAppAuthorization(input('c1'));
    await once.connectAppAuthorization({
      ...input('c1'),
      authRequest: { redirectUri: 'https://other.example/cb', code: 'c1' },
    });
    expect(counts).toEqual({ sends: 1, gets: 1 });
  });

  it('is not locked out by a clock that steps back', async () => {
    let now = 10_000_000;
    const { port, counts } = countingPort();
    const once = connectOnce(port, { now: () => now, attemptsPerMinute: 3 });
    await once.connectAppAuthorization(input('c1'));
    await once.connectAppAuthorization(input('c2'));
    now -= 3_600_000;
    await once.connectAppAuthorization(input('c3'));
    expect(counts.sends).toBe(3);
  });

  it('forgets the least recently tried authorizations first, not the one tried over and over', async () => {
    const { port } = countingPort();
    const once = connectOnce(port, { now: () => 1_000_000, attemptsPerMinute: 2 });
    const at = (authorization: string, code: string) =>
      once.connectAppAuthorization({ ...input(code), appAuthorizationIdentifier: authorization });
    await at('hammered', 'h1');
    await at('hammered', 'h2');
    for (let i = 0; i < 9_998; i += 1) await at(`other-${i}`, `o${i}`);
    await expect(at('hammered', 'h3')).rejects.toMatchObject({ extensions: { code: 'REQUEST_LIMIT_EXCEEDED' } });
    // Two new authorizations push the map past its 10,000 buckets.
    await at('new-1', 'n1');
    await at('new-2', 'n2');
    await expect(at('hammered', 'h4')).rejects.toMatchObject({ extensions: { code: 'REQUEST_LIMIT_EXCEEDED' } });
  });
});

describe('connectOnce: a repeat of a code already sent', () => {
  it('is answered as connected only by an authorization connected since the code was sent', async () => {
    const sentAt = Date.parse('2026-12-06T12:00:00.000Z');
    let updatedAt = '2026-12-06T11:00:00.000Z'; // connected an hour before, by another code
    let sends = 0;
    const port: AppFabricPort = {
      getAppAuthorization: async () => ({ ...AUTHORIZATION, updatedAt }),
      listAppAuthorizations: async () => ({ items: [], nextToken: null }),
      connectAppAuthorization: async () => {
        sends += 1;
        // The outcome is not known: AppFabric may have used the code.
        return { ok: false, errors: [{ code: 'OUTCOME_UNKNOWN', message: 'unknown', field: null }] };
      },
    };
    const once = connectOnce(port, { attemptsPerMinute: 0, wallClock: () => sentAt });
    expect((await once.connectAppAuthorization(input('c1'))).ok).toBe(false);
    const stale = await once.connectAppAuthorization(input('c1'));
    expect(stale).toEqual({
      ok: false,
      errors: [expect.objectContaining({ message: expect.stringContaining('already sent') })],
    });
    // Connected four minutes before the send, by another code (an administrator reconnecting, say):
    // no proof that this code worked.
    updatedAt = '2026-12-06T11:56:00.000Z';
    expect(await once.connectAppAuthorization(input('c1'))).toMatchObject({
      ok: false,
      errors: [expect.objectContaining({ message: expect.stringContaining('already sent') })],
    });
    // Connected since the send, within the 2 s that two synchronised clocks may differ by.
    updatedAt = '2026-12-06T11:59:58.500Z';
    expect(await once.connectAppAuthorization(input('c1'))).toMatchObject({ ok: true });
    updatedAt = '2026-12-06T12:00:04.000Z';
    expect(await once.connectAppAuthorization(input('c1'))).toMatchObject({ ok: true });
    expect(sends).toBe(1);
  });

  it('is OUTCOME_UNKNOWN when the status cannot be read, never an upstream error that reads as "not sent"', async () => {
    const { port, counts } = countingPort();
    let failure: Error | null = null;
    const reading: AppFabricPort = {
      ...port,
      getAppAuthorization: async (ref, options) => {
        if (failure) throw failure;
        return port.getAppAuthorization(ref, options);
      },
    };
    const once = connectOnce(reading, { attemptsPerMinute: 0 });
    expect(await once.connectAppAuthorization(input('c1'))).toMatchObject({ ok: true });
    for (const code of [
      'UPSTREAM_THROTTLED',
      'UPSTREAM_UNAVAILABLE',
      'UPSTREAM_TIMEOUT',
      'UPSTREAM_ACCESS_DENIED',
    ] as const) {
      failure = ERRORS[code].err();
      expect(await once.connectAppAuthorization(input('c1')), code).toEqual({
        ok: false,
        errors: [
          expect.objectContaining({
            code: 'OUTCOME_UNKNOWN',
            field: null,
            message: expect.stringContaining('Do not send it again'),
          }),
        ],
      });
    }
    // A caller that left gets the failure itself (no one reads the answer; it is logged as cancelled).
    failure = ERRORS.UPSTREAM_UNAVAILABLE.err();
    const left = new AbortController();
    left.abort(new Error('client closed the connection'));
    await expect(once.connectAppAuthorization(input('c1'), { signal: left.signal })).rejects.toBe(failure);
    expect(counts.sends).toBe(1);
  });
});

describe('connectOnce: the send time a repeat is judged by', () => {
  it("stays the first send's when a queued repeat of the code is answered from the memory", async () => {
    // The first send is under way when its caller leaves; the retry queues behind it, and is
    // answered from the memory once the first has settled. A later repeat must still be judged
    // by the first send's time, not by when the retry arrived.
    const firstSend = Date.parse(AUTHORIZATION.updatedAt); // connected by this very send
    let wall = firstSend;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { port, counts } = countingPort();
    const slow: AppFabricPort = {
      ...port,
      connectAppAuthorization: async (input, options) => {
        const result = await port.connectAppAuthorization(input, options);
        await gate;
        return result;
      },
    };
    const once = connectOnce(slow, { attemptsPerMinute: 0, wallClock: () => wall });
    const left = new AbortController();
    const first = once.connectAppAuthorization(input('c1'), { signal: left.signal });
    await Promise.resolve();
    left.abort(new Error('client closed the connection'));
    wall = firstSend + 10 * 60_000; // the retry comes ten minutes later
    const retry = once.connectAppAuthorization(input('c1'), { signal: new AbortController().signal });
    release();
    await first;
    expect(await retry).toMatchObject({ ok: true });
    // A third submission of the code, answered from the memory: connected since the first send.
    expect(await once.connectAppAuthorization(input('c1'))).toMatchObject({ ok: true });
    expect(counts.sends).toBe(1);
  });
});

describe('connectOnce: a caller leaving while the shared send waits for an upstream slot', () => {
  /** A port whose sends, once called, wait until `release()`. */
  function slowSends() {
    const { port, counts } = countingPort();
    const release = Promise.withResolvers<void>();
    const slow: AppFabricPort = {
      ...port,
      connectAppAuthorization: async (input, options) => {
        await release.promise;
        return port.connectAppAuthorization(input, options);
      },
    };
    return { port: slow, counts, release: () => release.resolve() };
  }

  /** A port whose send of each code waits until `open(code)`; `sent` lists the codes sent, in order. */
  function gatedSends() {
    const { port } = countingPort();
    const gates = new Map<string, PromiseWithResolvers<void>>();
    const gate = (code: string) => gates.get(code) ?? gates.set(code, Promise.withResolvers<void>()).get(code)!;
    const sent: string[] = [];
    const gated: AppFabricPort = {
      ...port,
      connectAppAuthorization: async (input, options) => {
        const code = input.authRequest!.code;
        sent.push(code);
        await gate(code).promise;
        return port.connectAppAuthorization(input, options);
      },
    };
    return { port: gated, sent, open: (code: string) => gate(code).resolve() };
  }

  /** How a promise settled, or `pending` if it has not within 200 ms (a hang fails at once, not at the test's timeout). */
  const within = (answer: Promise<unknown>) =>
    Promise.race([
      answer.then(
        (resolved) => ({ resolved }),
        (rejected: unknown) => ({ rejected }),
      ),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 200)),
    ]);

  /** Behind the real guard, with one upstream slot. */
  const oneSlot = (port: AppFabricPort) =>
    guardPort(port, 'appFabric', APPFABRIC_OPERATIONS, new Limiter('appFabric', { concurrency: 1, maxQueue: 10 }));

  /** Behind the real guard, with its one upstream slot held by a status read until `free()`. */
  function oneSlotHeld(port: AppFabricPort) {
    const read = Promise.withResolvers<void>();
    const guarded = oneSlot({
      ...port,
      getAppAuthorization: async (ref, options) => {
        await read.promise;
        return port.getAppAuthorization(ref, options);
      },
    });
    const holding = guarded.getAppAuthorization({ appBundleIdentifier: 'b', appAuthorizationIdentifier: 'a' });
    return { port: guarded, free: () => (read.resolve(), holding) };
  }

  /** Submissions of code c1 (to `redirects`, in order), each with its own signal; `leave(i)` passes i's deadline. */
  async function callers(once: AppFabricPort, redirects: string[]) {
    const signals = redirects.map(() => new AbortController());
    const answers = redirects.map((redirectUri, i) =>
      once.connectAppAuthorization(
        { ...input('c1'), authRequest: { redirectUri, code: 'c1' } },
        { signal: signals[i]!.signal },
      ),
    );
    await Promise.resolve();
    return { answers, leave: (i: number) => signals[i]!.abort(deadlineExceeded()) };
  }
  const SAME = ['https://app.example.com/cb', 'https://app.example.com/cb'];

  it('is told that nothing was sent when its deadline passes before the slot, and nothing is sent after', async () => {
    const { port, counts, release } = slowSends();
    const { port: guarded, free } = oneSlotHeld(port);
    const once = connectOnce(guarded, { attemptsPerMinute: 0 });
    const { answers, leave } = await callers(once, SAME);
    leave(0);
    // UPSTREAM_TIMEOUT, not sent: OUTCOME_UNKNOWN would tell the client its code was spent.
    await expect(answers[0]).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_TIMEOUT' } });
    // The shared send is given up, so that the answer stays true: the other caller is told the same.
    expect(await within(answers[1]!)).toMatchObject({ rejected: { extensions: { code: 'UPSTREAM_TIMEOUT' } } });
    // The client's retry is a new submission, sent once the slot is free.
    const retry = once.connectAppAuthorization(input('c1'), { signal: new AbortController().signal });
    release();
    await free();
    expect(await retry).toMatchObject({ ok: true });
    expect(counts.sends).toBe(1);
  });

  it('gives the same answer whichever caller leaves first, a later one too', async () => {
    const { port, counts, release } = slowSends();
    const { port: guarded, free } = oneSlotHeld(port);
    const { answers, leave } = await callers(connectOnce(guarded, { attemptsPerMinute: 0 }), SAME);
    leave(1);
    await expect(answers[1]).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_TIMEOUT' } });
    expect(await within(answers[0]!)).toMatchObject({ rejected: { extensions: { code: 'UPSTREAM_TIMEOUT' } } });
    release();
    await free();
    expect(counts.sends).toBe(0);
  });

  it('is told OUTCOME_UNKNOWN while another submission of its code, with another redirect URI, may still send it', async () => {
    const { port, counts, release } = slowSends();
    const { port: guarded, free } = oneSlotHeld(port);
    const once = connectOnce(guarded, { attemptsPerMinute: 0 });
    // The first waits for the slot; the second, another redirect URI, waits behind it.
    const { answers, leave } = await callers(once, ['https://app.example.com/cb', 'https://app.example.com/cb/']);
    leave(1);
    expect(await answers[1]).toEqual({
      ok: false,
      errors: [expect.objectContaining({ code: 'OUTCOME_UNKNOWN', message: expect.stringMatching(/may still send/) })],
    });
    release();
    await free();
    expect(await answers[0]).toMatchObject({ ok: true });
    expect(counts.sends).toBe(1);
  });

  it('gives the send up also when its first caller has no signal', async () => {
    const { port, counts, release } = slowSends();
    const { port: guarded, free } = oneSlotHeld(port);
    const once = connectOnce(guarded, { attemptsPerMinute: 0 });
    const unbounded = once.connectAppAuthorization(input('c1'));
    const { answers, leave } = await callers(once, [SAME[0]!]);
    leave(0);
    await expect(answers[0]).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_TIMEOUT' } });
    expect(await within(unbounded)).toMatchObject({ rejected: { extensions: { code: 'UPSTREAM_TIMEOUT' } } });
    release();
    await free();
    expect(counts.sends).toBe(0);
  });

  it('is given up while it waits behind another code, and its code is not sent after', async () => {
    const sends = gatedSends();
    const once = connectOnce(sends.port, { attemptsPerMinute: 0 });
    const ahead = once.connectAppAuthorization(input('c0'));
    const { answers, leave } = await callers(once, SAME);
    leave(0);
    expect(await within(answers[0]!)).toMatchObject({ rejected: { extensions: { code: 'UPSTREAM_TIMEOUT' } } });
    expect(await within(answers[1]!)).toMatchObject({ rejected: { extensions: { code: 'UPSTREAM_TIMEOUT' } } });
    sends.open('c0');
    await ahead;
    await Promise.resolve();
    expect(sends.sent).toEqual(['c0']);
  });

  it('is told OUTCOME_UNKNOWN when another submission of its code sent it while it waited behind another code', async () => {
    // c1 to /cb goes first and waits; c0 waits behind it; c1 to /cb/ (two callers) behind c0.
    const sends = gatedSends();
    const once = connectOnce(sends.port, { attemptsPerMinute: 0 });
    const first = once.connectAppAuthorization(input('c1'));
    const middle = once.connectAppAuthorization(input('c0'));
    const { answers, leave } = await callers(once, ['https://app.example.com/cb/', 'https://app.example.com/cb/']);
    sends.open('c1');
    expect(await first).toMatchObject({ ok: true });
    // c1 is remembered as sent, and gone from the submissions in flight, when a caller leaves.
    leave(0);
    const unknown = { ok: false, errors: [expect.objectContaining({ code: 'OUTCOME_UNKNOWN' })] };
    expect(await within(answers[0]!)).toEqual({ resolved: unknown });
    sends.open('c0');
    await middle;
    // Answered from the memory, not sent again (the fake's authorization was updated before the send).
    expect(await answers[1]).toMatchObject({ ok: false, errors: [{ code: 'INVALID_INPUT' }] });
    expect(sends.sent).toEqual(['c1', 'c0']);
  });

  it('answers a caller that joins with its deadline already passed at once', async () => {
    const { port, release } = slowSends();
    const { port: guarded, free } = oneSlotHeld(port);
    const once = connectOnce(guarded, { attemptsPerMinute: 0 });
    const waiting = once.connectAppAuthorization(input('c1'), { signal: new AbortController().signal });
    const late = once.connectAppAuthorization(input('c1'), { signal: AbortSignal.abort(deadlineExceeded()) });
    expect(await within(late)).toMatchObject({ rejected: { extensions: { code: 'UPSTREAM_TIMEOUT' } } });
    expect(await within(waiting)).toMatchObject({ rejected: { extensions: { code: 'UPSTREAM_TIMEOUT' } } });
    release();
    await free();
  });

  it('takes a port that throws at once as a failure, and sends the code when it is tried again', async () => {
    const { port, counts } = countingPort();
    let throws = true;
    const once = connectOnce(
      {
        ...port,
        connectAppAuthorization: (input, options) => {
          if (throws) throw ERRORS.UPSTREAM_UNAVAILABLE.err();
          return port.connectAppAuthorization(input, options);
        },
      },
      { attemptsPerMinute: 0 },
    );
    await expect(once.connectAppAuthorization(input('c1'))).rejects.toMatchObject({
      extensions: { code: 'UPSTREAM_UNAVAILABLE' },
    });
    throws = false;
    expect(await once.connectAppAuthorization(input('c1'))).toMatchObject({ ok: true });
    expect(counts.sends).toBe(1);
  });

  it('is told OUTCOME_UNKNOWN once the call has its slot', async () => {
    const { port, counts, release } = slowSends();
    const { answers, leave } = await callers(connectOnce(oneSlot(port), { attemptsPerMinute: 0 }), SAME);
    leave(0);
    expect(await answers[0]).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'OUTCOME_UNKNOWN' })] });
    release();
    expect(await answers[1]).toMatchObject({ ok: true });
    expect(counts.sends).toBe(1);
  });

  it('is told OUTCOME_UNKNOWN by a port that does not say when it waits (the safe side)', async () => {
    // Its sends wait, as for a slot, without telling `queued`.
    const { port, counts, release } = slowSends();
    const { answers, leave } = await callers(connectOnce(port, { attemptsPerMinute: 0 }), SAME);
    leave(0);
    expect(await answers[0]).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'OUTCOME_UNKNOWN' })] });
    release();
    expect(await answers[1]).toMatchObject({ ok: true });
    expect(counts.sends).toBe(1);
  });
});
