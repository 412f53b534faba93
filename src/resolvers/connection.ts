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
  const page = await options.fetchPage(
    Math.min(start.skip + first, options.upstreamMaxResults),
    start.token ?? undefined,
  );
  const taken = page.items.slice(start.skip, start.skip + first);

  const positionAfter = (indexInPage: number): CursorPosition =>
    indexInPage + 1 === page.items.length && page.nextToken !== null
      ? { token: page.nextToken, skip: 0 }
      : { token: start.token, skip: indexInPage + 1 };

  // A cursor costs an HMAC (a few microseconds): an edge signs its cursor when it is read, once,
  // so a query that selects `nodes`, or edges without `cursor`, signs none.
  const edges = taken.map((node, i) => new Edge(node, () => cursors.encode(scope, positionAfter(start.skip + i))));
  const hasNextPage = page.items.length > start.skip + first || page.nextToken !== null;
  const last = edges.at(-1);
  const endCursor = last
    ? last.cursor
    : page.nextToken !== null
      ? cursors.encode(scope, { token: page.nextToken, skip: 0 })
      : null;
  return { edges, nodes: taken, pageInfo: { hasNextPage, endCursor } };
}

/** An edge whose cursor is signed on first read. */
class Edge<T> {
  readonly node: T;
  #cursor: string | (() => string);
  constructor(node: T, sign: () => string) {
    this.node = node;
    this.#cursor = sign;
  }
  get cursor(): string {
    if (typeof this.#cursor === 'function') this.#cursor = this.#cursor();
    return this.#cursor;
  }
}
