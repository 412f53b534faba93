/**
 * Serving keys from list pages: how many pages a batch reads, and what a failing read fails.
 */
import { describe, expect, it } from 'vitest';
import { loadViaList } from '../listBacked.ts';
import { fromListedFirst, ListedItems } from '../listedItems.ts';

/** A list of `items` served `pageSize` at a time, with counters. */
function upstream(items: string[], pageSize: number, failOnPage?: number) {
  const calls = { pages: 0, gets: [] as string[] };
  return {
    calls,
    listPage: async (token: string | undefined) => {
      const page = calls.pages++;
      if (page === failOnPage) throw new Error('the list read failed');
      const start = token === undefined ? 0 : Number(token);
      const end = start + pageSize;
      return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : null };
    },
    get: async (key: string) => (calls.gets.push(key), items.includes(key) ? key : null),
  };
}

const ids = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('loadViaList', () => {
  it('stops reading pages once only one key is missing, and gets that one', async () => {
    const items = ids(9_000);
    const keys = [...ids(9), 'k8999']; // nine on the first page, one at the very end
    const u = upstream(items, 100);
    const values = await loadViaList({ keys, keyOf: (v) => v, listPage: u.listPage, get: u.get, concurrency: 8 });
    expect(values).toEqual(keys);
    expect(u.calls).toEqual({ pages: 1, gets: ['k8999'] });
  });

  it('reads no more pages than the missing keys could save, and answers null for keys an ended list lacks', async () => {
    const u = upstream(ids(150), 100);
    const keys = ['k0', 'k120', 'nope'];
    expect(await loadViaList({ keys, keyOf: (v) => v, listPage: u.listPage, get: u.get, concurrency: 8 })).toEqual([
      'k0',
      'k120',
      null,
    ]);
    expect(u.calls).toEqual({ pages: 2, gets: [] });
  });

  it('keeps the keys found before a failed page, and fails only the others, without Gets', async () => {
    const u = upstream(ids(300), 100, 1);
    const keys = ['k1', 'k2', 'k150', 'k250'];
    const values = await loadViaList({ keys, keyOf: (v) => v, listPage: u.listPage, get: u.get, concurrency: 8 });
    expect(values.slice(0, 2)).toEqual(['k1', 'k2']);
    expect(values[2]).toBeInstanceOf(Error);
    expect(values[3]).toBe(values[2]);
    expect(u.calls.gets).toEqual([]);
  });
});

describe('fromListedFirst', () => {
  it('serves listed keys even when loading the others fails', async () => {
    const listed = new ListedItems<string>();
    await listed.track(Promise.resolve(['a']), (items) => items.map((v) => [v, v] as const));
    const values = await fromListedFirst(listed, ['a', 'b'], async () => {
      throw new Error('the load failed');
    });
    expect(values[0]).toBe('a');
    expect(values[1]).toBeInstanceOf(Error);
  });
});
