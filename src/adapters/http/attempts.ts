/**
 * How many attempts a failed upstream call made, and how long it waited between them: recorded by
 * the clients on the error they finally throw, read by the adapters' failure log lines.
 */

export interface Attempts {
  attempts: number;
  /** Milliseconds spent waiting before retries (backoff and Retry-After), in total. */
  retryDelayMs: number;
}

const recorded = new WeakMap<object, Attempts>();

/** Records the attempts behind `error` and returns it, for `throw recordAttempts(error, …)`. */
export function recordAttempts<E>(error: E, attempts: number, retryDelayMs: number): E {
  if (typeof error === 'object' && error !== null) recorded.set(error, { attempts, retryDelayMs });
  return error;
}

/** The attempts recorded for `error`, as log fields; none for an error no client threw. */
export function attemptsOf(error: unknown): Partial<Attempts> {
  return (typeof error === 'object' && error !== null && recorded.get(error)) || {};
}
