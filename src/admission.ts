/**
 * A cap on the GraphQL operations that execute at once (`OPERATION_CONCURRENCY`; off by default).
 *
 * An operation in flight holds everything it has loaded (upstream records, DataLoader promises,
 * the response being built) until it answers. When the CPU is the bottleneck, one more operation
 * at once buys no throughput: the operations share the same CPU, so each takes longer, and what it
 * holds lives through more young-generation collections, is promoted, and has to be
 * mark-compacted in the old generation. A request that waits for its turn holds only its
 * body's text. With the cap, operations beyond it wait, first in, first out.
 *
 * The cap is fixed, not adaptive: a cap that pays where the CPU is the bottleneck limits
 * throughput to `cap / upstream latency` where upstreams are slow, and no signal available in the
 * process tells the two apart when the upstreams share its CPU (docs/performance.md, *Admission*).
 *
 * The waiting list is bounded twice: by requests (`OPERATION_MAX_QUEUE`) and by the size of the
 * bodies they hold (`OPERATION_MAX_QUEUE_BYTES`). A request that would pass either bound does not
 * wait: its caller answers it 503 at once. A waiting request holds its body's text, not yet parsed
 * (src/httpServer.ts): a parsed JSON body can take twenty times its text in V8's heap, the text at
 * most two bytes per character, so the byte bound is a bound on memory.
 */

/** The bounds of the waiting list. */
export interface QueueBounds {
  /** Requests that may wait at once (0: none waits; each is answered 503 when every turn is taken). */
  maxWaiting: number;
  /** The sum of the waiting requests' weights (their bodies' lengths) may not pass this. */
  maxWaitingBytes: number;
}

interface Waiter {
  readonly admit: () => void;
  readonly bytes: number;
}

export class Admission {
  readonly limit: number;
  readonly bounds: QueueBounds;
  #active = 0;
  #waitingBytes = 0;
  readonly #waiting: Waiter[] = [];

  constructor(limit: number, bounds: QueueBounds = { maxWaiting: Infinity, maxWaitingBytes: Infinity }) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    for (const bound of [bounds.maxWaiting, bounds.maxWaitingBytes]) {
      if (!(bound === Infinity || (Number.isInteger(bound) && bound >= 0))) {
        throw new RangeError('a bound of the waiting list must be a whole number, or Infinity');
      }
    }
    this.limit = limit;
    this.bounds = bounds;
  }

  /** Operations executing. */
  get active(): number {
    return this.#active;
  }

  /** Operations waiting for their turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** The sum of the waiting operations' weights ({@link wait}). */
  get waitingBytes(): number {
    return this.#waitingBytes;
  }

  /**
   * Takes a turn if one is free (true: call {@link leave} when the operation has answered).
   * Otherwise false, and the caller waits with {@link wait}.
   */
  tryEnter(): boolean {
    if (this.#active >= this.limit || this.#waiting.length > 0) return false;
    this.#active++;
    return true;
  }

  /**
   * Waits for a turn, first in, first out; resolves holding it (call {@link leave}). `bytes` is
   * what the request holds while it waits (its body's length). Null, without waiting, when the
   * request would pass a bound of the waiting list: the caller refuses it.
   *
   * A request whose deadline passes or whose client goes away while it waits keeps its place, and
   * is dropped by its caller when its turn comes, before it executes. That check costs nothing per
   * request; a subscription to each waiting request's signal would take it out sooner, for a
   * subscription per wait. (The first version had one, and through it found the cost described in
   * docs/performance.md, *Abort callbacks in a list*.) The bounds hold all the same: such a request
   * counts against them until its turn comes.
   */
  wait(bytes: number): Promise<void> | null {
    if (this.#waiting.length >= this.bounds.maxWaiting || this.#waitingBytes + bytes > this.bounds.maxWaitingBytes) {
      return null;
    }
    this.#waitingBytes += bytes;
    return new Promise<void>((admit) => {
      this.#waiting.push({ admit, bytes });
    });
  }

  /** Gives a turn back (the operation has answered, or failed), to the longest waiting, if any. */
  leave(): void {
    const next = this.#waiting.shift();
    if (next) {
      this.#waitingBytes -= next.bytes;
      next.admit();
    } else this.#active--;
  }
}
