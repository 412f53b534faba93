/**
 * Limits around every upstream call, applied to whole ports in one place: the GraphQL
 * operation's budget of upstream calls, and a cap on in-flight calls per upstream shared by all
 * requests (with a bounded queue, beyond which calls fail fast instead of piling up).
 */
import { cancelledByCaller, whenAborted } from '../deadlines.ts';
import { ERRORS, type UpstreamName } from '../errors.ts';
import { tracingEnabled, withUpstreamSpan } from '../tracing.ts';
import { ANSWERED, CANCELLED, type CircuitBreaker } from './breaker.ts';
import { abortedBeforeSent } from './http/transport.ts';
import type { CallOptions, UpstreamCallBudget } from './types.ts';

/** Per GraphQL operation: at most `max` upstream calls (MAX_UPSTREAM_REQUESTS_PER_OPERATION). */
export class UpstreamBudget implements UpstreamCallBudget {
  readonly #max: number;
  #used = 0;
  /** By upstream, then operation; kept in the shape the request's log line writes. */
  readonly #calls: Record<string, Record<string, number>> = {};
  constructor(max: number) {
    this.#max = max;
  }
  get used(): number {
    return this.#used;
  }
  /** Upstream calls made so far, by upstream and operation (for the request's log line). */
  calls(): Readonly<Record<string, Readonly<Record<string, number>>>> {
    return this.#calls;
  }
  take(upstream: UpstreamName, operation: string): void {
    if (this.#used >= this.#max) {
      throw ERRORS.REQUEST_LIMIT_EXCEEDED.err(
        'This operation needs more upstream calls than the subgraph allows per operation; request fewer items.',
        { upstream: { name: upstream, operation } },
      );
    }
    this.#used += 1;
    const byOperation = (this.#calls[upstream] ??= {});
    byOperation[operation] = (byOperation[operation] ?? 0) + 1;
  }
}

/** A semaphore with a bounded wait queue. */
export class Limiter {
  readonly #concurrency: number;
  readonly #maxQueue: number;
  readonly #name: UpstreamName;
  #active = 0;
  readonly #queue: Array<() => void> = [];

  constructor(name: UpstreamName, options: { concurrency: number; maxQueue: number }) {
    this.#name = name;
    this.#concurrency = options.concurrency;
    this.#maxQueue = options.maxQueue;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Takes a slot: at once (returns undefined) or once one is free (returns a promise, which fails
   * when the queue is full or the signal aborts first). Each slot taken is given back with
   * {@link release}.
   */
  acquire(operation: string, signal: AbortSignal | undefined): Promise<void> | undefined {
    if (this.#active < this.#concurrency) {
      this.#active += 1;
      return undefined;
    }
    return this.#wait(operation, signal);
  }

  release(): void {
    const next = this.#queue.shift();
    if (next)
      next(); // the slot passes to the next waiter
    else this.#active -= 1;
  }

  #wait(operation: string, signal: AbortSignal | undefined): Promise<void> {
    if (this.#queue.length >= this.#maxQueue) {
      return Promise.reject(
        ERRORS.UPSTREAM_UNAVAILABLE.err('Too many calls to this upstream are waiting; try again shortly.', {
          upstream: { name: this.#name, operation },
        }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      // The deadline passed before the call got a slot, or the client went away (the same rule as
      // failedCall's and the metrics' below: cancelledByCaller).
      const fail = () =>
        reject(
          cancelledByCaller(signal)
            ? ERRORS.REQUEST_CANCELLED.err()
            : ERRORS.UPSTREAM_TIMEOUT.err(undefined, { upstream: { name: this.#name, operation } }),
        );
      if (signal?.aborted) return fail();
      const stop = signal
        ? whenAborted(signal, () => {
            const index = this.#queue.indexOf(grant);
            if (index >= 0) this.#queue.splice(index, 1);
            fail();
          })
        : undefined;
      const grant = () => {
        stop?.();
        resolve();
      };
      this.#queue.push(grant);
    });
  }
}

/**
 * Wraps every method of a port (each takes `(input, options?)`) so that it takes one unit of the
 * operation's budget and runs within the upstream's limiter.
 */
export interface UpstreamCallObserver {
  /** One finished port call: its outcome (`ok` or a registry code) and duration. */
  call(upstream: UpstreamName, operation: string, outcome: string, seconds: number): void;
}

/**
 * For a method that answers an upstream failure as a value (connectAppAuthorization's
 * OUTCOME_UNKNOWN, after a 5xx or a timeout), the registry code that failure counts as in metrics
 * and for the circuit breaker; undefined for a value that is a success.
 */
export type FailureInValue = (value: unknown) => string | undefined;

export function guardPort<P extends object>(
  port: P,
  name: UpstreamName,
  operations: { readonly [K in keyof P]: string },
  limiter: Limiter,
  observer?: UpstreamCallObserver,
  breaker?: CircuitBreaker,
  failuresInValues: { readonly [K in keyof P]?: FailureInValue } = {},
): P {
  const guarded: Record<string, unknown> = {};
  for (const [method, operation] of Object.entries<string>(operations)) {
    const call = (port as Record<string, (input: unknown, options?: CallOptions) => Promise<unknown>>)[method]!.bind(
      port,
    );
    const failureIn = (failuresInValues as Record<string, FailureInValue | undefined>)[method];
    // One async function per call and nothing else made for it while tracing is off: a batch of
    // single reads makes hundreds of these calls per GraphQL request.
    guarded[method] = async (input: unknown, options?: CallOptions) => {
      options?.budget?.take(name, operation);
      const report = breaker?.admit(operation);
      const started = performance.now();
      let outcome = 'OK';
      // Whether the limiter let the call go to the adapter: a call it refused (its queue full, or
      // the deadline passed in the queue) says nothing about the upstream.
      let admitted = false;
      try {
        let value: unknown;
        if (tracingEnabled()) {
          value = await withUpstreamSpan(
            `${name} ${operation}`,
            { 'upstream.name': name, 'upstream.operation': operation },
            async () => {
              const waiting = limiter.acquire(operation, options?.signal);
              if (waiting) await queuedFor(limiter, waiting, options);
              admitted = true;
              try {
                if (waiting) options?.queued?.(false);
                return await call(input, options);
              } finally {
                limiter.release();
              }
            },
            errorCode,
          );
        } else {
          const waiting = limiter.acquire(operation, options?.signal);
          if (waiting) await queuedFor(limiter, waiting, options);
          admitted = true;
          try {
            if (waiting) options?.queued?.(false);
            value = await call(input, options);
          } finally {
            limiter.release();
          }
        }
        const failed = failureIn?.(value);
        if (failed !== undefined) {
          // As for a thrown failure: a caller that went away is no news of the upstream.
          outcome = cancelledByCaller(options?.signal) ? CANCELLED : failed;
          report?.(outcome);
        }
        return value;
      } catch (error) {
        // A caller that went away aborts its calls: whatever they failed with then, it is not the
        // upstream's failure. (A passed deadline aborts with a TimeoutError, and does count.)
        outcome = cancelledByCaller(options?.signal) ? CANCELLED : errorCode(error);
        report?.(admitted ? healthOutcome(outcome, error) : CANCELLED);
        throw error;
      } finally {
        if (outcome === 'OK') report?.(outcome);
        observer?.call(name, operation, outcome, (performance.now() - started) / 1000);
      }
    };
  }
  return guarded as P;
}

/**
 * Waits for a slot the limiter will grant, telling the caller it waits (`CallOptions.queued`). The
 * caller is told it has one inside the slot's try, so that a callback that throws gives it back;
 * one that throws here gives back the slot when it comes.
 */
async function queuedFor(limiter: Limiter, waiting: Promise<void>, options: CallOptions | undefined): Promise<void> {
  try {
    options?.queued?.(true);
  } catch (error) {
    waiting.then(
      () => limiter.release(),
      () => undefined,
    );
    throw error;
  }
  await waiting;
}

/**
 * What a failed call says about its upstream's health. An upstream that answered with a client
 * error (HTTP 4xx) is up, whatever the code the caller sees: a stale cursor or a request the
 * upstream refuses must not open the circuit for every caller.
 */
function healthOutcome(outcome: string, error: unknown): string {
  const status = (error as { extensions?: { upstream?: { status?: unknown } } })?.extensions?.upstream?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return ANSWERED;
  // Given up before it was sent (the deadline passed first): nothing reached the upstream.
  if (abortedBeforeSent((error as { originalError?: unknown })?.originalError)) return CANCELLED;
  return outcome;
}

function errorCode(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown } })?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}
