/**
 * Relay connections over an upstream's token pagination. Each edge's cursor is a position that a
 * client can resume from; the page boundaries of the upstream stay hidden.
 */
import type { CursorCodec, CursorPosition } from '../cursor.ts';
import type { Page } from '../adapters/types.ts';

export interface ConnectionModel<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface LoadConnectionOptions<T> {
  first: number;
  after: string | null | undefined;
  /** From cursorScope(): binds cursors to the list and its arguments. */
  scope: string;
  cursors: CursorCodec;
  /** The upstream's page size limit. */
  upstreamMaxResults: number;
  fetchPage(maxResults: number, nextToken: string | undefined): Promise<Page<T>>;
}

/** Reads one upstream page and shapes it as a connection of at most `first` items. */
export async function loadConnection<T>(options: LoadConnectionOptions<T>): Promise<ConnectionModel<T>> {
  const { first, scope, cursors } = options;
  const start: CursorPosition = options.after != null ? cursors.decode(options.after, scope) : { token: null, skip: 0 };
  // Inside a page, the MaxResults it was read with: an upstream may return fewer items than
  // MaxResults before its NextToken (a filtered scan), so another size could give other items
  // (cursor.ts). So a resumed page may yield fewer than `first` edges, with hasNextPage.
  const maxResults = Math.min(start.pageSize ?? start.skip + first, options.upstreamMaxResults);
  const page = await options.fetchPage(maxResults, start.token ?? undefined);
  const taken = page.items.slice(start.skip, start.skip + first);

  // Cursors are signed when first read, a page's together (see cursor.ts), so a query that selects
  // `nodes`, or edges without `cursor`, signs none. The position after an item is the next offset of
  // its page, except after the last item of a page that has a next one: that is the next page's start.
  const here = cursors.page(scope, start.token, page.items.length, maxResults);
  let next: string | undefined;
  const cursorAfter = (indexInPage: number): string =>
    indexInPage + 1 === page.items.length && page.nextToken !== null
      ? (next ??= cursors.encode(scope, { token: page.nextToken, skip: 0 }))
      : here(indexInPage + 1);
  const edges = taken.map((node, i) => new Edge(node, cursorAfter, start.skip + i));
  const hasNextPage = page.items.length > start.skip + first || page.nextToken !== null;
  const last = edges.at(-1);
  // Made on first read too, like the edges' cursors.
  const pageInfo = new PageInfo(hasNextPage, () =>
    last ? last.cursor : page.nextToken !== null ? cursors.encode(scope, { token: page.nextToken, skip: 0 }) : null,
  );
  return { edges, nodes: taken, pageInfo };
}

/**
 * A page's `pageInfo`, whose `endCursor` is made on first read.
 *
 * A class, so that the getter is its prototype's, made once. A getter in an object literal costs
 * more than it looks: V8 makes each evaluation's getter pair (an `AccessorPair`) in the old
 * generation, and a young getter closure that an old object points to survives every scavenge
 * until the next full collection. Through the closure's scope that kept the whole upstream page
 * alive, so every list request's page was promoted, and the old generation filled and was marked
 * several times a second under load (docs/performance.md, *Getters in object literals*).
 */
class PageInfo {
  readonly hasNextPage: boolean;
  #endCursor: string | null | undefined;
  #make: (() => string | null) | undefined;
  constructor(hasNextPage: boolean, make: () => string | null) {
    this.hasNextPage = hasNextPage;
    this.#make = make;
  }
  get endCursor(): string | null {
    if (this.#make) {
      this.#endCursor = this.#make();
      this.#make = undefined;
    }
    return this.#endCursor!;
  }
}

/** An edge whose cursor is made on first read. */
class Edge<T> {
  readonly node: T;
  #cursor: string | undefined;
  readonly #cursorAfter: (indexInPage: number) => string;
  readonly #indexInPage: number;
  constructor(node: T, cursorAfter: (indexInPage: number) => string, indexInPage: number) {
    this.node = node;
    this.#cursorAfter = cursorAfter;
    this.#indexInPage = indexInPage;
  }
  get cursor(): string {
    return (this.#cursor ??= this.#cursorAfter(this.#indexInPage));
  }
}
