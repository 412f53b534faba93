/**
 * Opaque connection cursors. A cursor wraps the upstream's NextToken and an offset into the page
 * that token starts, so every edge has a cursor a client can resume from. It is bound to the
 * arguments it came from (the list and its filter): reused with other arguments it is rejected.
 */
import { createHash } from 'node:crypto';
import { badUserInput } from './errors.ts';

export interface CursorPosition {
  /** The upstream NextToken that starts the page; null for the first page. */
  token: string | null;
  /** How many items of that page come before the position. */
  skip: number;
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 4096;

/** A short digest of what the cursor is bound to, e.g. `connectorDestinations` plus its filter. */
export function cursorScope(...parts: ReadonlyArray<string | null | undefined>): string {
  return createHash('sha256')
    .update(JSON.stringify(parts.map((p) => p ?? null)))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(scope: string, position: CursorPosition): string {
  return Buffer.from(JSON.stringify([VERSION, scope, position.token, position.skip])).toString('base64url');
}

export function decodeCursor(cursor: string, scope: string): CursorPosition {
  const invalid = () => badUserInput('`after` is not a cursor of this list with these arguments.', ['after']);
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw invalid();
  const [version, boundScope, token, skip] = parsed as unknown[];
  if (version !== VERSION || boundScope !== scope) throw invalid();
  if (!(token === null || (typeof token === 'string' && token.length > 0))) throw invalid();
  if (typeof skip !== 'number' || !Number.isInteger(skip) || skip < 0 || skip > 10_000) throw invalid();
  return { token, skip };
}
