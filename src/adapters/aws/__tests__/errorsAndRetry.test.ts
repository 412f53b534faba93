import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  AwsServiceException,
  deserializeError,
  parseRetryAfter,
  sanitizeErrorCode,
  ThrottlingException,
  ValidationException,
} from '../errors.ts';
import { deadlineExceeded } from '../../../deadlines.ts';
import { TransportError, toTransportError } from '../../http/transport.ts';
import { backoffDelay, classify, createRetryStrategy, withRetryAfter } from '../retry.ts';
import { toSubgraphError } from '../translate.ts';
import { failedCall } from '../../callLog.ts';

describe('restJson1 error deserialization', () => {
  it.each([
    ['ValidationException:http://internal.amazon.com/coral/com.amazonaws.appfabric/', 'ValidationException'],
    ['com.amazonaws.appfabric#ValidationException', 'ValidationException'],
    ['aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/', 'FooError'],
    ['FooError,BarError', 'FooError'],
    ['  ThrottlingException ', 'ThrottlingException'],
  ])('cleans %j to %j', (raw, clean) => {
    expect(sanitizeErrorCode(raw)).toBe(clean);
  });

  it('takes the type from the header first, then `code` (any case), then `__type`', () => {
    expect(
      deserializeError(400, { 'x-amzn-errortype': 'ValidationException' }, '{"code":"Other","__type":"x#Third"}').name,
    ).toBe('ValidationException');
    expect(deserializeError(400, {}, '{"Code":"ConflictException","__type":"x#Third"}').name).toBe('ConflictException');
    expect(
      deserializeError(400, {}, '{"__type":"com.amazonaws.iotmanagedintegrations#ValidationException"}').name,
    ).toBe('ValidationException');
  });

  it('reads message or Message, request id, Retry-After, reason and fieldList', () => {
    const e = deserializeError(
      400,
      { 'x-amzn-errortype': 'ValidationException', 'x-amzn-requestid': 'req-1' },
      JSON.stringify({
        message: 'bad',
        reason: 'fieldValidationFailed',
        fieldList: [{ name: 'authRequest.code', message: 'm' }, { bogus: 1 }],
      }),
    );
    expect(e).toBeInstanceOf(ValidationException);
    expect(e).toBeInstanceOf(AwsServiceException);
    expect(deserializeError(429, { 'x-amzn-errortype': 'ThrottlingException' }, '{}')).toBeInstanceOf(
      ThrottlingException,
    );
    expect(deserializeError(418, { 'x-amzn-errortype': 'TeapotException' }, '{}').constructor).toBe(
      AwsServiceException,
    );
    expect(e).toMatchObject({
      name: 'ValidationException',
      message: 'bad',
      $fault: 'client',
      reason: 'fieldValidationFailed',
    });
    expect(e.$metadata).toEqual({ httpStatusCode: 400, requestId: 'req-1' });
    expect(e.fieldList).toEqual([{ name: 'authRequest.code', message: 'm' }]);
    const imi = deserializeError(
      404,
      { 'x-amz-request-id': 'r2' },
      '{"__type":"ResourceNotFoundException","Message":"nope","ResourceId":"d","ResourceType":"x"}',
    );
    expect(imi).toMatchObject({ message: 'nope', resourceId: 'd', resourceType: 'x', $metadata: { requestId: 'r2' } });
    expect(
      deserializeError(429, { 'x-amzn-errortype': 'ThrottlingException', 'retry-after': '7' }, '{}').retryAfterSeconds,
    ).toBe(7);
  });

  it('keeps the status for an unknown or non-JSON error', () => {
    const e = deserializeError(502, {}, '<html>Bad gateway</html>');
    expect(e.name).toBe('UnknownError(502)');
    expect(e.$fault).toBe('server');
  });

  it('parses Retry-After strictly', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter('3.5')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
    expect(parseRetryAfter(new Date(Date.now() + 4000).toUTCString())).toBeGreaterThanOrEqual(3);
  });
});

describe('retry classification', () => {
  const service = (status: number, name: string, retryAfter?: number) =>
    new AwsServiceException({ name, message: '', status, retryAfterSeconds: retryAfter });

  it('retries throttling and transient failures of reads', () => {
    expect(classify(service(429, 'ThrottlingException', 2), 'standard', false)).toEqual({
      errorType: 'THROTTLING',
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(classify(service(500, 'InternalServerException'), 'standard', false)).toMatchObject({
      errorType: 'TRANSIENT',
      retryable: true,
    });
    expect(classify(service(503, 'ServiceUnavailableException'), 'standard', false)).toMatchObject({ retryable: true });
    expect(
      classify(new TransportError('x', { code: 'ECONNRESET', timeout: false, sent: true }), 'standard', false),
    ).toMatchObject({ retryable: true });
  });

  it('never retries client errors, nor 501', () => {
    for (const [status, name] of [
      [400, 'ValidationException'],
      [403, 'AccessDeniedException'],
      [404, 'ResourceNotFoundException'],
      [501, 'NotImplemented'],
    ] as const) {
      expect(classify(service(status, name), 'standard', false).retryable).toBe(false);
    }
  });

  it('resends a non-idempotent write only when provably unprocessed', () => {
    expect(classify(service(429, 'ThrottlingException'), 'unprocessed-only', false).retryable).toBe(true);
    expect(classify(service(500, 'InternalServerException'), 'unprocessed-only', false).retryable).toBe(false);
    expect(
      classify(new TransportError('x', { code: 'ECONNRESET', timeout: false, sent: true }), 'unprocessed-only', false)
        .retryable,
    ).toBe(false);
    expect(
      classify(
        new TransportError('x', { code: 'UND_ERR_HEADERS_TIMEOUT', timeout: true, sent: true }),
        'unprocessed-only',
        false,
      ).retryable,
    ).toBe(false);
    expect(
      classify(
        new TransportError('x', { code: 'ECONNREFUSED', timeout: false, sent: false }),
        'unprocessed-only',
        false,
      ).retryable,
    ).toBe(true);
  });

  it('resends a write only on an explicit throttle, not on the other names the SDK counts as throttling', () => {
    expect(classify(service(400, 'ThrottlingException'), 'unprocessed-only', false).retryable).toBe(true);
    for (const name of ['LimitExceededException', 'TransactionInProgressException', 'PriorRequestNotComplete']) {
      expect(classify(service(400, name), 'unprocessed-only', false).retryable).toBe(false);
      expect(classify(service(400, name), 'standard', false)).toMatchObject({
        errorType: 'THROTTLING',
        retryable: true,
      });
    }
  });

  it('retries a clock-skew rejection only once the offset was corrected', () => {
    expect(classify(service(403, 'InvalidSignatureException'), 'standard', false).retryable).toBe(false);
    expect(classify(service(403, 'InvalidSignatureException'), 'standard', true).retryable).toBe(true);
  });
});

describe('backoff', () => {
  it('is full jitter over 100 ms (transient) or 500 ms (throttling) doubling, capped at 20 s', () => {
    expect(backoffDelay('TRANSIENT', 0, () => 0.999)).toBe(99);
    expect(backoffDelay('TRANSIENT', 3, () => 0.5)).toBe(400);
    expect(backoffDelay('THROTTLING', 1, () => 0.5)).toBe(500);
    expect(backoffDelay('THROTTLING', 20, () => 0.999)).toBe(19_980);
    expect(backoffDelay('THROTTLING', 2, () => 0)).toBe(0);
  });

  it('lets Retry-After lengthen the wait by at most 5 s, never shorten it', () => {
    expect(withRetryAfter(300, undefined)).toBe(300);
    expect(withRetryAfter(300, 2000)).toBe(2000);
    expect(withRetryAfter(300, 60_000)).toBe(5300);
    expect(withRetryAfter(3000, 1000)).toBe(3000);
  });
});

describe('retry quota (StandardRetryStrategy)', () => {
  it('stops retrying when the shared bucket is empty, and refills on success', async () => {
    const strategy = createRetryStrategy(3);
    expect(strategy.getCapacity()).toBe(500);
    let refused = 0;
    for (let i = 0; i < 60; i++) {
      const token = await strategy.acquireInitialRetryToken('s');
      try {
        await strategy.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' });
      } catch {
        refused++;
      }
    }
    // each transient retry costs 10 (14 under the 2026 retry rules): the bucket runs dry
    expect(strategy.getCapacity()).toBeLessThan(15);
    expect(refused).toBeGreaterThan(0);
    const token = await strategy.acquireInitialRetryToken('s');
    strategy.recordSuccess(token);
    expect(strategy.getCapacity()).toBeGreaterThan(0);
  });
});

describe('translation of an aborted call (as the adapters settle a failed call)', () => {
  const aborted = (reason: unknown) => {
    const controller = new AbortController();
    controller.abort(reason);
    return controller.signal;
  };
  it.each([
    ['the deadline passed', aborted(deadlineExceeded()), 'UPSTREAM_TIMEOUT', true],
    ['the client went away', aborted(new Error('client closed the connection')), 'REQUEST_CANCELLED', false],
    ['the connection was reset', undefined, 'UPSTREAM_UNAVAILABLE', true],
  ])('when %s: %s', (_, signal, code, aboutTheUpstream) => {
    const cause = Object.assign(new Error('socket'), { code: 'ECONNRESET' });
    const failure = toTransportError(cause, signal);
    const error = failedCall(pino({ level: 'silent' }), signal ? { signal } : undefined, {}, () =>
      toSubgraphError(failure, 'appFabric', 'GetAppAuthorization'),
    );
    expect(error.extensions['code']).toBe(code);
    expect('upstream' in error.extensions).toBe(aboutTheUpstream);
  });
});
