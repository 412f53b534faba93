/** Upstream-style pagination for the in-process sandbox ports. */
import { setImmediate as tick } from 'node:timers/promises';
import { ERRORS, type UpstreamErrorExtension } from '../errors.ts';
import type { Page } from '../adapters/types.ts';

/** Counts sandbox "upstream calls" by operation name, as the real upstream would see them. */
export class CallCounter {
  readonly #counts = new Map<string, number>();

  /** Records one call and yields to the event loop, as a network call would. */
  async call(operation: string): Promise<void> {
    this.record(operation);
    await tick();
  }

  /** Records one call synchronously, for a server that counts requests as they arrive. */
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

/** Slices `items` as an upstream list would: `nextToken` is an opaque offset, scoped to `scope`. */
export function paginate<T>(
  items: readonly T[],
  maxResults: number,
  nextToken: string | undefined,
  scope: string,
  upstream: UpstreamErrorExtension,
): Page<T> {
  let offset = 0;
  if (nextToken !== undefined) {
    const decoded = Buffer.from(nextToken, 'base64url').toString('utf8');
    const match = /^(\d+)\|(.*)$/s.exec(decoded);
    if (!match || match[2] !== scope || Buffer.from(decoded).toString('base64url') !== nextToken) {
      throw ERRORS.BAD_USER_INPUT.err('The upstream rejected the pagination token; start again without `after`.', {
        upstream: { ...upstream, status: 400 },
      });
    }
    offset = Number(match[1]);
  }
  const slice = items.slice(offset, offset + maxResults);
  const next = offset + slice.length;
  return {
    items: [...slice],
    nextToken: next < items.length ? Buffer.from(`${next}|${scope}`).toString('base64url') : null,
  };
}
