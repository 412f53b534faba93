/**
 * A cap on the GraphQL operations that execute at once (`OPERATION_CONCURRENCY`; off by default).
 *
 * An operation in flight holds everything it has loaded (upstream records, DataLoader promises,
 * the response being built) until it answers. When the CPU is the bottleneck, one more operation
 * at once buys no throughput: the operations share the same CPU, so each takes longer, and what it
 * holds lives through more young-generation collections, is promoted, and has to be
 * mark-compacted in the old generation. A request that waits for its turn holds only its parsed
 * body. With the cap, operations beyond it wait, first in, first out.
 *
 * The cap is fixed, not adaptive: a cap that pays where the CPU is the bottleneck limits
 * throughput to `cap / upstream latency` where upstreams are slow, and no signal available in the
 * process tells the two apart when the upstreams share its CPU (docs/performance.md, *Admission*).
 */

export class Admission {
  readonly limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    this.limit = limit;
  }

  /** Operations executing. */
  get active(): number {
    return this.#active;
  }

  /** Operations waiting for their turn. */
  get waiting(): number {
    return this.#waiting.length;
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
   * Waits for a turn, first in, first out; resolves holding it (call {@link leave}).
   *
   * A request whose deadline passes or whose client goes away while it waits keeps its place, and
   * is dropped by its caller when its turn comes, before it executes. That check costs nothing per
   * request; a subscription to each waiting request's signal would take it out sooner, for a
   * subscription per wait. (The first version had one, and through it found the cost described in
   * docs/performance.md, *Abort callbacks in a list*.)
   */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
    });
  }

  /** Gives a turn back (the operation has answered, or failed), to the longest waiting, if any. */
  leave(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }
}
