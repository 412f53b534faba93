/**
 * Items that list reads of this request returned (summaries), including lists still in flight:
 * a summary loader waits for those before asking the upstream, so a reference to a listed item
 * costs nothing, whichever of the two the query resolves first.
 */
import { toError } from '../errors.ts';

export class ListedItems<V> {
  readonly #pending = new Set<Promise<unknown>>();
  readonly #items = new Map<string, V>();

  /** Records what `read` returns, once it has returned; gives back `read` itself. */
  track<T>(read: Promise<T>, items: (result: T) => Iterable<readonly [string, V]>): Promise<T> {
    const recorded = read.then((result) => {
      for (const [key, value] of items(result)) this.#items.set(key, value);
    });
    this.#pending.add(recorded);
    recorded.then(
      () => this.#pending.delete(recorded),
      () => this.#pending.delete(recorded),
    );
    return read;
  }

  /** Waits for the list reads under way (their failures are their own callers' concern). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  get(key: string): V | undefined {
    return this.#items.get(key);
  }
}

/** Serves keys from `listed` where it can (after in-flight lists settle), and the rest with `load`. */
export async function fromListedFirst<V>(
  listed: ListedItems<V>,
  keys: readonly string[],
  load: (missing: string[]) => Promise<Array<V | null | Error>>,
): Promise<Array<V | null | Error>> {
  await listed.settled();
  const missing = keys.filter((key) => listed.get(key) === undefined);
  let loaded: Array<V | null | Error> = [];
  try {
    if (missing.length > 0) loaded = await load(missing);
  } catch (error) {
    // Only the keys the load was for fail: the listed ones are served all the same.
    const failure = toError(error);
    loaded = missing.map(() => failure);
  }
  const byKey = new Map(missing.map((key, i) => [key, loaded[i]!]));
  return keys.map((key) => listed.get(key) ?? byKey.get(key) ?? null);
}
