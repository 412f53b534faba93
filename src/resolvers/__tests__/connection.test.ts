import { describe, expect, it } from 'vitest';
import type { Page } from '../../adapters/types.ts';
import { randomBytes } from 'node:crypto';
import { createCursorCodec, cursorScope } from '../../cursor.ts';
import { loadConnection, type ConnectionModel, type LoadConnectionOptions } from '../connection.ts';

/** An upstream list of `total` items whose tokens are offsets, recording each page request. */
function upstream(total: number) {
  const items = Array.from({ length: total }, (_, i) => `item-${i}`);
  const requests: Array<[number, string | undefined]> = [];
  return {
    requests,
    async fetchPage(maxResults: number, nextToken: string | undefined): Promise<Page<string>> {
      requests.push([maxResults, nextToken]);
      const offset = nextToken === undefined ? 0 : Number(nextToken.slice(4));
      const next = offset + maxResults;
      return { items: items.slice(offset, next), nextToken: next < total ? `tok-${next}` : null };
    },
  };
}

const scope = cursorScope('test');
const cursors = createCursorCodec(randomBytes(32));

/**
 * loadConnection from the start of the list, with this file's scope and codec and an upstream page
 * limit of 100, unless overridden.
 */
function load(
  fetchPage: LoadConnectionOptions<string>['fetchPage'],
  first: number,
  overrides: Partial<LoadConnectionOptions<string>> = {},
): Promise<ConnectionModel<string>> {
  return loadConnection({ first, after: null, scope, cursors, upstreamMaxResults: 100, fetchPage, ...overrides });
}

describe('loadConnection', () => {
  it('walks a list by endCursor with one upstream call per page', async () => {
    const u = upstream(7);
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const c: ConnectionModel<string> = await load(u.fetchPage, 3, { after });
      seen.push(...c.nodes);
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(seen).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4', 'item-5', 'item-6']);
    expect(u.requests).toEqual([
      [3, undefined],
      [3, 'tok-3'],
      [3, 'tok-6'],
    ]);
  });

  it('resumes from a middle edge by re-reading its page and skipping', async () => {
    const u = upstream(10);
    const c = await load(u.fetchPage, 4);
    const resumed = await load(u.fetchPage, 2, { after: c.edges[0]!.cursor });
    expect(resumed.nodes).toEqual(['item-1', 'item-2']);
    expect(u.requests.at(-1)).toEqual([4, undefined]); // the page as it was read
    expect(resumed.pageInfo.hasNextPage).toBe(true);
  });

  it('resumes inside a short page (fewer items than MaxResults before a NextToken) without repeating or skipping items', async () => {
    // A filtered scan, as an AWS list with a filter may be: a page holds the matches among the
    // next MaxResults records, so which item is the k-th after a token depends on MaxResults.
    const records = Array.from({ length: 40 }, (_, i) => (i % 3 === 1 || i % 7 === 0 ? `match-${i}` : `skip-${i}`));
    const matches = records.filter((r) => r.startsWith('match'));
    const fetchPage = async (maxResults: number, nextToken: string | undefined): Promise<Page<string>> => {
      const from = nextToken === undefined ? 0 : Number(nextToken);
      const to = from + maxResults;
      return {
        items: records.slice(from, to).filter((r) => r.startsWith('match')),
        nextToken: to < records.length ? String(to) : null,
      };
    };
    const walk = async (after: string | null, first: number) => {
      const seen: string[] = [];
      for (let cursor = after, i = 0; i < 100; i++) {
        const c: ConnectionModel<string> = await load(fetchPage, first, { after: cursor });
        seen.push(...c.nodes);
        if (!c.pageInfo.hasNextPage) return seen;
        cursor = c.pageInfo.endCursor;
      }
      throw new Error('the walk did not end');
    };
    for (const firstOfPage of [4, 10]) {
      const page = await load(fetchPage, firstOfPage);
      for (const [i, edge] of page.edges.entries()) {
        const at = matches.indexOf(page.nodes[i]!);
        for (const first of [1, 2, 3, 7, 25]) {
          expect(await walk(edge.cursor, first), `after ${page.nodes[i]}, first ${first}`).toEqual(
            matches.slice(at + 1),
          );
        }
      }
    }
  });

  it('caps the upstream page size and reports more when it truncated', async () => {
    const u = upstream(300);
    const c = await load(u.fetchPage, 100);
    const mid = await load(u.fetchPage, 100, { after: c.edges[49]!.cursor });
    expect(u.requests.at(-1)).toEqual([100, undefined]);
    expect(mid.nodes).toEqual(Array.from({ length: 50 }, (_, i) => `item-${50 + i}`));
    expect(mid.pageInfo.hasNextPage).toBe(true);
    const next = await load(u.fetchPage, 100, { after: mid.pageInfo.endCursor });
    expect(next.nodes[0]).toBe('item-100');
  });

  it('gives the last edge of an upstream page a cursor on the next token', async () => {
    const u = upstream(4);
    const c = await load(u.fetchPage, 2);
    expect(cursors.decode(c.edges[1]!.cursor, scope)).toEqual({ token: 'tok-2', skip: 0 });
    expect(cursors.decode(c.edges[0]!.cursor, scope)).toEqual({ token: null, skip: 1, pageSize: 2 });
  });

  it('keeps an end cursor when the upstream returns an empty page with a token', async () => {
    const c = await load(async () => ({ items: [], nextToken: 'tok-more' }), 5);
    expect(c.nodes).toEqual([]);
    expect(c.pageInfo.hasNextPage).toBe(true);
    expect(cursors.decode(c.pageInfo.endCursor!, scope)).toEqual({ token: 'tok-more', skip: 0 });
  });

  it('ends cleanly on the last page', async () => {
    const c = await load(upstream(3).fetchPage, 10);
    expect(c.pageInfo.hasNextPage).toBe(false);
    expect(c.pageInfo.endCursor).toBe(c.edges[2]!.cursor);
  });

  it("makes pageInfo's endCursor with a getter of its prototype, not one per page", async () => {
    // A getter in an object literal is made anew on every evaluation, and V8 keeps each one in
    // the old generation, where it held the whole page through every scavenge (connection.ts).
    const [a, b] = await Promise.all([load(upstream(3).fetchPage, 2), load(upstream(3).fetchPage, 2)]);
    expect(Object.getOwnPropertyDescriptor(a.pageInfo, 'endCursor')).toBeUndefined();
    expect(Object.getPrototypeOf(a.pageInfo)).toBe(Object.getPrototypeOf(b.pageInfo));
    expect(a.pageInfo.endCursor).toBe(a.edges[1]!.cursor);
    expect(a.pageInfo.endCursor).toBe(b.pageInfo.endCursor);
  });

  it('gives a null endCursor for an empty last page, and keeps it', async () => {
    const c = await load(upstream(0).fetchPage, 10);
    expect(c.pageInfo.hasNextPage).toBe(false);
    expect(c.pageInfo.endCursor).toBeNull();
    expect(c.pageInfo.endCursor).toBeNull();
  });

  it('signs cursors (endCursor too) only when one is read, a page at once, each the same as a single signing', async () => {
    const calls: string[] = [];
    const counting: typeof cursors = {
      encode: (...args) => {
        calls.push('encode');
        return cursors.encode(...args);
      },
      page: (...args) => {
        const cursorAt = cursors.page(...args);
        return (skip) => {
          calls.push(`page ${skip}`);
          return cursorAt(skip);
        };
      },
      decode: cursors.decode,
    };
    const c = await load(upstream(80).fetchPage, 50, { cursors: counting });
    expect(calls).toEqual([]);
    expect(c.nodes).toHaveLength(50);
    expect(c.pageInfo.hasNextPage).toBe(true);
    expect(calls).toEqual([]);
    const cursor = c.edges[10]!.cursor;
    expect(c.edges[10]!.cursor).toBe(cursor);
    expect(calls).toEqual(['page 11']);
    expect(c.pageInfo.endCursor).toBe(c.edges[49]!.cursor); // the last edge's, on the next page's token
    expect(calls).toEqual(['page 11', 'encode']);
    expect(cursor).toBe(cursors.encode(scope, { token: null, skip: 11, pageSize: 50 }));
    expect(cursors.decode(cursor, scope)).toEqual({ token: null, skip: 11, pageSize: 50 });
    expect(JSON.parse(JSON.stringify(c.edges[3]))).toEqual({ node: 'item-3' });
  });

  it('makes the cursor after the last item of a page once, on the next token, for its edge and endCursor', async () => {
    const calls: string[] = [];
    const counting: typeof cursors = {
      encode: (scope, position) => {
        calls.push(`encode ${position.token}`);
        return cursors.encode(scope, position);
      },
      page: cursors.page,
      decode: cursors.decode,
    };
    const c = await load(upstream(12).fetchPage, 5, { cursors: counting, upstreamMaxResults: 5 });
    expect(c.edges[4]!.cursor).toBe(c.pageInfo.endCursor);
    expect(calls).toEqual(['encode tok-5']);
    expect(cursors.decode(c.pageInfo.endCursor!, scope)).toEqual({ token: 'tok-5', skip: 0 });
    expect(c.edges.map((e) => cursors.decode(e.cursor, scope).skip)).toEqual([1, 2, 3, 4, 0]);
  });
});
