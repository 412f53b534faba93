/** Pieces both wire-level simulators share: the per-operation fault queue and a closable pause. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Faults queue per operation name, each applying to the next `times` (default 1) requests, in order. */
export class FaultQueue<F extends { times?: number | undefined }> {
  readonly #queues = new Map<string, Array<{ fault: F; remaining: number }>>();
  readonly #validate: (fault: F) => void;

  /** `validate` throws (a RangeError) for a fault the simulator cannot play. */
  constructor(validate: (fault: F) => void = () => undefined) {
    this.#validate = validate;
  }

  add(operation: string, fault: F): void {
    const remaining = fault.times ?? 1;
    if (!Number.isInteger(remaining) || remaining < 1) throw new RangeError('A fault applies to at least one request.');
    this.#validate(fault);
    this.#queues.set(operation, [...(this.#queues.get(operation) ?? []), { fault, remaining }]);
  }

  /** The fault for the next request to `operation`, if one is queued. */
  take(operation: string): F | undefined {
    const queue = this.#queues.get(operation);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining === 0) queue.shift();
    return head.fault;
  }

  clear(): void {
    this.#queues.clear();
  }
}

/** A wait that ends early, returning false, when `closing` aborts (the simulator is closing). */
export function createPause(closing: AbortSignal): (ms: number) => Promise<boolean> {
  return async (ms) => {
    if (ms <= 0) return !closing.aborted;
    try {
      await sleep(ms, undefined, { signal: closing });
      return true;
    } catch {
      return false;
    }
  };
}
