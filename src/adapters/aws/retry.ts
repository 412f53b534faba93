/**
 * The AWS SDK's standard retry mode, on `@smithy/util-retry`: the StandardRetryStrategy keeps the
 * attempt limit and the retry quota (a token bucket shared by every request of one client, so a
 * failing service cannot cause a retry storm). The wait itself happens here, so that it can be
 * aborted with the request and skipped when it cannot finish before the deadline.
 */
import { DEFAULT_RETRY_DELAY_BASE, MAXIMUM_RETRY_DELAY, THROTTLING_RETRY_DELAY_BASE } from '@smithy/util-retry';
import type { RetryErrorType, StandardRetryToken } from '@smithy/types';
import { fullJitter, TransportError, worthRetrying } from '../http/transport.ts';
import { AwsServiceException } from './errors.ts';

/** Error names the SDK treats as throttling (service-error-classification). */
const THROTTLING_NAMES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
/** Errors that a corrected clock can fix (retried once the offset moved). */
export const CLOCK_SKEW_NAMES = new Set([
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);

/** How an operation may be retried. */
export type RetryPolicy =
  /** Reads: throttling and transient failures. */
  | 'standard'
  /**
   * Non-idempotent writes: only when the service provably did not process the request (an
   * explicit throttle, or a connection that was never made).
   */
  | 'unprocessed-only';

export interface Classification {
  errorType: RetryErrorType;
  /** Whether the policy allows another attempt. */
  retryable: boolean;
  retryAfterMs?: number | undefined;
}

export function classify(error: unknown, policy: RetryPolicy, clockSkewCorrected: boolean): Classification {
  if (error instanceof AwsServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    const retryAfterMs = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined;
    if (policy === 'standard' ? status === 429 || THROTTLING_NAMES.has(error.name) : isExplicitThrottle(error)) {
      // A throttled request was not processed: safe to resend even for a non-idempotent write.
      return { errorType: 'THROTTLING', retryable: true, retryAfterMs };
    }
    if (
      policy === 'standard' &&
      (TRANSIENT_STATUS.has(status) || TRANSIENT_NAMES.has(error.name) || clockSkewCorrected)
    ) {
      return { errorType: 'TRANSIENT', retryable: true, retryAfterMs };
    }
    if (policy === 'unprocessed-only' && clockSkewCorrected) {
      // Rejected at authentication: the operation did not run.
      return { errorType: 'TRANSIENT', retryable: true };
    }
    return { errorType: status >= 500 ? 'SERVER_ERROR' : 'CLIENT_ERROR', retryable: false };
  }
  if (error instanceof TransportError) {
    return { errorType: 'TRANSIENT', retryable: worthRetrying(error) && (policy === 'standard' || !error.sent) };
  }
  return { errorType: 'CLIENT_ERROR', retryable: false };
}

/**
 * The throttle that proves a write was not processed: HTTP 429 or `ThrottlingException`. The SDK's
 * other throttling names (`LimitExceededException`, `TransactionInProgressException`, ...) can mean
 * a quota or a write still in progress elsewhere, so they never resend a write.
 */
function isExplicitThrottle(error: AwsServiceException): boolean {
  return error.$metadata.httpStatusCode === 429 || error.name === 'ThrottlingException';
}

/** Full-jitter exponential backoff, as the SDK's DefaultRetryBackoffStrategy. */
export function backoffDelay(
  errorType: RetryErrorType,
  retryCount: number,
  random: () => number = Math.random,
): number {
  const base = errorType === 'THROTTLING' ? THROTTLING_RETRY_DELAY_BASE : DEFAULT_RETRY_DELAY_BASE;
  return fullJitter(base, MAXIMUM_RETRY_DELAY, retryCount, random);
}

/** A server hint may lengthen the wait by at most 5 s and never shortens it (StandardRetryStrategy). */
export function withRetryAfter(computed: number, retryAfterMs: number | undefined): number {
  return retryAfterMs === undefined ? computed : Math.max(computed, Math.min(retryAfterMs, computed + 5_000));
}

export { createRetryStrategy } from '../http/retryQuota.ts';

export type { StandardRetryToken };
