/** Counts the requests a sandbox simulator received, by operation name. */
export class CallCounter {
  readonly #counts = new Map<string, number>();

  /** Records one request. */
  record(operation: string): void {
    this.#counts.set(operation, (this.#counts.get(operation) ?? 0) + 1);
  }

  get(operation: string): number {
    return this.#counts.get(operation) ?? 0;
  }

  total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  reset(): void {
    this.#counts.clear();
  }
}
