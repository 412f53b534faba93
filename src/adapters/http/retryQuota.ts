/**
 * The AWS SDK's standard-mode retry quota, from `@smithy/util-retry`, shared by every request of
 * one upstream client: a token bucket (500 tokens; a retry costs 5 when throttled, 10 otherwise; a
 * success refunds) that stops retries when an upstream keeps failing, so a failure never becomes a
 * retry storm. It also caps attempts. The wait itself is the caller's (abortable, deadline-aware).
 */
import { StandardRetryStrategy } from '@smithy/util-retry';

/** One per upstream client. The backoff is zero here: the strategy only does its bookkeeping. */
export function createRetryStrategy(maxAttempts: number): StandardRetryStrategy {
  return new StandardRetryStrategy({
    maxAttempts,
    backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined },
  });
}
