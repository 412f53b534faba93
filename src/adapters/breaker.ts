/**
 * A circuit breaker per upstream. After `failureThreshold` failures in a row (the upstream being
 * unavailable or timing out: not client errors, not throttling, not "not found", and not calls
 * this process refused before sending them) the circuit
 * opens and calls fail fast with UPSTREAM_UNAVAILABLE, so a failing upstream is not stormed and
 * callers are not kept waiting. After `openMs` one call is let through as a probe (half-open): its
 * success closes the circuit, its failure opens it again for twice as long (up to 10 × openMs).
 */
import { ERRORS, type UpstreamName } from '../errors.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** Outcomes that count against an upstream's health. */
const FAILURES = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT']);

/**
 * A call that says nothing about the upstream either way: its caller gave up on it (it
 * disconnected), or it never left this process (the upstream's limiter refused it).
 */
export const CANCELLED = ERRORS.REQUEST_CANCELLED.code;

/** A call the upstream answered, with a client error (HTTP 4xx): the upstream is up. */
export const ANSWERED = 'ANSWERED';

export class CircuitBreaker {
  readonly #name: UpstreamName;
  readonly #threshold: number;
  readonly #openMs: number;
  readonly #now: () => number;
  readonly #onChange: (state: CircuitState) => void;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #currentOpenMs: number;
  #probing = false;

  constructor(
    name: UpstreamName,
    options: { failureThreshold: number; openMs: number; now?: () => number; onChange?: (state: CircuitState) => void },
  ) {
    this.#name = name;
    this.#threshold = options.failureThreshold;
    this.#openMs = options.openMs;
    this.#currentOpenMs = options.openMs;
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange ?? (() => undefined);
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#currentOpenMs) this.#set('half-open');
    return this.#state;
  }

  /** Throws UPSTREAM_UNAVAILABLE when the call may not go out; otherwise returns how to report its outcome. */
  admit(operation: string): (outcome: string) => void {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.#probing)) {
      throw ERRORS.UPSTREAM_UNAVAILABLE.err('The upstream is failing; calls are paused briefly (circuit open).', {
        upstream: { name: this.#name, operation },
      });
    }
    const probe = state === 'half-open';
    if (probe) this.#probing = true;
    return (outcome) => this.#record(outcome, probe);
  }

  #record(outcome: string, probe: boolean): void {
    if (probe) this.#probing = false;
    if (outcome === CANCELLED) return;
    if (!FAILURES.has(outcome)) {
      this.#failures = 0;
      if (this.#state !== 'closed') {
        this.#currentOpenMs = this.#openMs;
        this.#set('closed');
      }
      return;
    }
    this.#failures += 1;
    if (probe) {
      this.#currentOpenMs = Math.min(this.#currentOpenMs * 2, this.#openMs * 10);
      this.#open();
    } else if (this.#state === 'closed' && this.#failures >= this.#threshold) {
      this.#open();
    }
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#set('open');
  }

  #set(state: CircuitState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#onChange(state);
  }
}
