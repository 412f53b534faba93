import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { deadlineExceeded } from '../../deadlines.ts';
import { ERRORS } from '../../errors.ts';
import { GraphQLError } from 'graphql';
import { failedCall, unusableMembers } from '../callLog.ts';
import { UpstreamDataError } from '../mappingHelpers.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, lines };
}

const aborted = (reason: unknown) => {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
};

describe('failedCall', () => {
  const fields = { upstream: 'conductorOne', operation: 'GetConnector', status: 503 };
  const translate = () =>
    ERRORS.UPSTREAM_UNAVAILABLE.err(undefined, { upstream: { name: 'conductorOne', operation: 'GetConnector' } });

  it('is REQUEST_CANCELLED at debug when the caller went away, whatever the call failed with', () => {
    const { log, lines } = capture();
    const error = failedCall(log, { signal: aborted(new Error('client closed the connection')) }, fields, translate);
    expect(error.extensions).toEqual({ code: 'REQUEST_CANCELLED' });
    expect(lines.map((l) => [l['level'], l['msg']])).toEqual([[20, 'upstream call cancelled']]);
  });

  it.each([
    ['no signal', undefined],
    ['a live signal', new AbortController().signal],
    ['a passed deadline', aborted(deadlineExceeded())],
  ])('is the translation at warn with %s', (_, signal) => {
    const { log, lines } = capture();
    const error = failedCall(log, signal ? { signal } : undefined, fields, translate);
    expect(error.extensions['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect(lines.map((l) => [l['level'], l['msg'], l['status']])).toEqual([[40, 'upstream call failed', 503]]);
  });

  it("carries the request's id, so the line can be found with the request's own", () => {
    const { log, lines } = capture();
    failedCall(log, { requestId: 'req-7' }, fields, translate);
    expect(lines[0]).toMatchObject({ requestId: 'req-7', upstream: 'conductorOne', status: 503 });
  });
});

describe('unusableMembers', () => {
  it('logs each kind of unusable member once a minute per operation, then with the count not logged', () => {
    const { log, lines } = capture();
    let now = 0;
    const unusable = unusableMembers(
      log,
      'conductorOne',
      (error) => new GraphQLError(error.message),
      () => now,
    );
    const createdAt = new UpstreamDataError('createdAt is not a timestamp');
    const failure = unusable('GetCredentials', { requestId: 'r1' })(createdAt);
    expect(failure).toBeInstanceOf(GraphQLError);
    for (let i = 0; i < 4; i++) unusable('GetCredentials', { requestId: 'r1' })(createdAt);
    unusable('GetConnector', undefined)(createdAt); // another operation: its own line
    unusable('GetCredentials', undefined)(new UpstreamDataError('lastUsedAt is not a timestamp')); // another member
    expect(lines).toHaveLength(3);
    now = 60_000;
    unusable('GetCredentials', { requestId: 'r2' })(createdAt);
    expect(lines.map((l) => [l['operation'], l['member'], l['unloggedSince']])).toEqual([
      ['GetCredentials', 'createdAt is not a timestamp', undefined],
      ['GetConnector', 'createdAt is not a timestamp', undefined],
      ['GetCredentials', 'lastUsedAt is not a timestamp', undefined],
      ['GetCredentials', 'createdAt is not a timestamp', 4],
    ]);
    expect(lines[3]).toMatchObject({ requestId: 'r2', upstream: 'conductorOne', level: 40 });
  });
});
