/**
 * Opaque, tamper-evident connection cursors. A cursor wraps the upstream's NextToken and an offset
 * into the page that token starts, so every edge has a cursor a client can resume from. It is
 * bound to the arguments it came from (the list and its filter) and signed with an HMAC
 * (CURSOR_SECRET, or a random key per process): an edited or foreign cursor is BAD_USER_INPUT.
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { badUserInput } from './errors.ts';

export interface CursorPosition {
  /** The upstream NextToken that starts the page; null for the first page. */
  token: string | null;
  /** How many items of that page come before the position. */
  skip: number;
}

export interface CursorCodec {
  encode(scope: string, position: CursorPosition): string;
  decode(cursor: string, scope: string): CursorPosition;
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 4096;
const MAC_BYTES = 16;

/** A short digest of what the cursor is bound to, e.g. `connectorDestinations` plus its filter. */
export function cursorScope(...parts: ReadonlyArray<string | null | undefined>): string {
  return createHash('sha256')
    .update(JSON.stringify(parts.map((p) => p ?? null)))
    .digest('base64url')
    .slice(0, 16);
}

export function createCursorCodec(key: Buffer): CursorCodec {
  // A KeyObject: node:crypto re-validates a raw key on every createHmac, several times the HMAC's cost.
  const secret = createSecretKey(key);
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest().subarray(0, MAC_BYTES);
  return {
    encode(scope, position) {
      const payload = Buffer.from(JSON.stringify([VERSION, scope, position.token, position.skip])).toString(
        'base64url',
      );
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    decode(cursor, scope) {
      const invalid = () => badUserInput('`after` is not a cursor of this list with these arguments.', ['after']);
      if (
        cursor.length === 0 ||
        cursor.length > MAX_CURSOR_LENGTH ||
        !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)
      ) {
        throw invalid();
      }
      const [payload, signature] = cursor.split('.') as [string, string];
      const given = Buffer.from(signature, 'base64url');
      // Canonical encoding only: the last base64url character carries spare bits, and a cursor
      // must have exactly one spelling.
      if (
        given.length !== MAC_BYTES ||
        given.toString('base64url') !== signature ||
        !timingSafeEqual(given, mac(payload))
      ) {
        throw invalid();
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      if (!Array.isArray(parsed) || parsed.length !== 4) throw invalid();
      const [version, boundScope, token, skip] = parsed as unknown[];
      if (version !== VERSION || boundScope !== scope) throw invalid();
      if (!(token === null || (typeof token === 'string' && token.length > 0 && token.isWellFormed()))) throw invalid();
      if (typeof skip !== 'number' || !Number.isInteger(skip) || skip < 0 || skip > 10_000) throw invalid();
      return { token, skip };
    },
  };
}
