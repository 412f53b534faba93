/**
 * Serving a batch of keys from an upstream list instead of one Get each, when the list is cheaper:
 * read pages until every key is found or the list ends, but only while a page could still replace
 * two Gets or more; keys still missing then are read with Gets. A key the whole list did not
 * contain does not exist (null). A list read that fails fails only the keys not found before it.
 */
import type { Page } from '../adapters/types.ts';
import { toError } from '../errors.ts';
import { fanOut } from './fanOut.ts';

export interface ListBackedOptions<K, V> {
  keys: readonly K[];
  keyOf: (value: V) => K;
  /** Reads one page of the list. */
  listPage: (nextToken: string | undefined) => Promise<Page<V>>;
  /** Reads one key. */
  get: (key: K) => Promise<V | null>;
  /** Gets run at most this many at a time. */
  concurrency: number;
}

export async function loadViaList<K, V>(options: ListBackedOptions<K, V>): Promise<Array<V | null | Error>> {
  const { keys } = options;
  if (keys.length < 2) return fanOut(keys, options.concurrency, options.get);
  const found = new Map<K, V>();
  const wanted = new Set(keys);
  let nextToken: string | undefined;
  let exhausted = false;
  // Another page is worth reading only while it could replace two Gets or more (two keys or more
  // still missing), and never more pages than keys are missing, nor than keys less one.
  const missing = () => wanted.size - found.size;
  for (let pages = 0; missing() >= 2 && pages < Math.min(missing(), keys.length - 1); pages++) {
    let page: Page<V>;
    try {
      page = await options.listPage(nextToken);
    } catch (error) {
      // The keys found so far stand; the others share the list's failure (no Gets against an
      // upstream that just failed a read).
      const failure = toError(error);
      return keys.map((key) => found.get(key) ?? failure);
    }
    for (const item of page.items) {
      const key = options.keyOf(item);
      if (wanted.has(key)) found.set(key, item);
    }
    if (page.nextToken === null) {
      exhausted = true;
      break;
    }
    nextToken = page.nextToken;
  }
  if (exhausted || found.size === wanted.size) return keys.map((key) => found.get(key) ?? null);
  const rest = keys.filter((key) => !found.has(key));
  const fetched = await fanOut(rest, options.concurrency, options.get);
  const byKey = new Map(rest.map((key, i) => [key, fetched[i]!]));
  return keys.map((key) => found.get(key) ?? byKey.get(key) ?? null);
}
