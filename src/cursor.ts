/**
 * Opaque, tamper-evident connection cursors. A cursor wraps the upstream's NextToken and an offset
 * into the page that token starts, so every edge has a cursor a client can resume from. It is
 * bound to the arguments it came from (the list and its filter) and signed (CURSOR_SECRET, or a
 * random key per process): an edited or foreign cursor is BAD_USER_INPUT.
 *
 * Format: `<page>.<skip>.<tag>`.
 * - `<page>` is base64url JSON, the part a page's cursors share: `[3, scope, token, pageSize]` for
 *   a position inside a page that was read with `pageSize` as its MaxResults, `[2, scope, token]`
 *   for the start of a page not read yet (any MaxResults will do there).
 *
 * Why the page size: an upstream may return fewer items than MaxResults while a NextToken follows
 * (a filtered scan does), so which item is the k-th after a token depends on the MaxResults it was
 * read with. Resuming inside a page reads it again with the same MaxResults, or items would be
 * skipped or repeated.
 * - `<skip>` is the offset, in decimal.
 * - `<tag>` is 12 bytes in base64url: AES-128 under one key of `D XOR skip`, where `D` is the first
 *   16 bytes of an HMAC-SHA-256 of `<page>` under another (both keys derived from the secret). `D`
 *   is secret and differs between pages, so no two (page, offset) pairs share the block AES is
 *   given, except with a chance of about 2^-128 per pair; the tag is then a pseudo-random function
 *   of the pair, as unforgeable as an HMAC of the whole cursor. One page's 100 tags cost one HMAC
 *   and one AES call, where an HMAC per cursor (about 4 µs each) was once the largest cost of a
 *   list that selects cursors.
 */
import { createCipheriv, createHash, createHmac, createSecretKey, hkdfSync, timingSafeEqual } from 'node:crypto';
import { badUserInput } from './errors.ts';

export interface CursorPosition {
  /** The upstream NextToken that starts the page; null for the first page. */
  token: string | null;
  /** How many items of that page come before the position. */
  skip: number;
  /** The MaxResults the page was read with; absent for the start of a page not read yet. */
  pageSize?: number;
}

export interface CursorCodec {
  encode(scope: string, position: CursorPosition): string;
  /**
   * The cursors of the positions 0..`last` of one page, read with `pageSize` as its MaxResults,
   * signed together on the first call: the returned function gives the cursor at `skip`, as
   * `encode` would.
   */
  page(scope: string, token: string | null, last: number, pageSize: number): (skip: number) => string;
  decode(cursor: string, scope: string): CursorPosition;
}

/** Page parts without a page size, and with one. */
const VERSION = 2;
const SIZED_VERSION = 3;
/** The largest MaxResults an upstream list takes (AWS allows at most 1,000 on these APIs). */
const MAX_PAGE_SIZE = 1_000;
/**
 * The longest upstream page token a cursor carries: AWS allows NextTokens of up to 65,535
 * characters (aws-api.md §1.6; AppFabric's are at most 2,048). A cursor is about 4/3 of its token.
 */
const MAX_TOKEN_LENGTH = 65_535;
/** Longer text is refused before any work: the page part of the longest token, its offset and tag. */
export const MAX_CURSOR_LENGTH = Math.ceil(((MAX_TOKEN_LENGTH + 64) * 4) / 3) + 32;
/** The highest offset a cursor may carry. */
const MAX_SKIP = 10_000;
/** Bytes of a tag: a multiple of 3, so that each tag is 16 base64url characters with no spare bits. */
const TAG_BYTES = 12;
const TAG_CHARS = (TAG_BYTES / 3) * 4;
const BLOCK = 16;
const SHAPE = /^[A-Za-z0-9_-]+\.(?:0|[1-9][0-9]{0,4})\.[A-Za-z0-9_-]{16}$/;

/** A short digest of what the cursor is bound to, e.g. `connectorDestinations` plus its filter. */
export function cursorScope(...parts: ReadonlyArray<string | null | undefined>): string {
  return createHash('sha256')
    .update(JSON.stringify(parts.map((p) => p ?? null)))
    .digest('base64url')
    .slice(0, 16);
}

export function createCursorCodec(key: Buffer): CursorCodec {
  const derive = (use: string, bytes: number) =>
    Buffer.from(hkdfSync('sha256', key, '', `connector-auth-subgraph cursor ${use}`, bytes));
  // A KeyObject: node:crypto re-validates a raw key on every createHmac, several times the HMAC's cost.
  const pageKey = createSecretKey(derive('page', 32));
  // ECB keeps no state between blocks, and every input is whole blocks: one cipher serves every
  // call (creating one costs about 15 µs), and `final` is never due.
  const aes = createCipheriv('aes-128-ecb', derive('tag', 16), null).setAutoPadding(false);
  const pagePart = (scope: string, token: string | null, pageSize: number | undefined) =>
    Buffer.from(
      JSON.stringify(pageSize === undefined ? [VERSION, scope, token] : [SIZED_VERSION, scope, token, pageSize]),
    ).toString('base64url');
  const checkPageSize = (pageSize: number | undefined) => {
    if (pageSize !== undefined && !isPageSize(pageSize)) throw new RangeError(`cursor page size ${pageSize}`);
  };
  /** The tags of offsets `from`..`from + count - 1` of the page `part`, one after another. */
  const tags = (part: string, from: number, count: number): Buffer => {
    const digest = createHmac('sha256', pageKey).update(part).digest();
    const blocks = Buffer.allocUnsafe(count * BLOCK);
    for (let i = 0; i < count; i++) {
      const at = i * BLOCK;
      digest.copy(blocks, at, 0, BLOCK);
      blocks.writeUInt32BE((digest.readUInt32BE(BLOCK - 4) ^ (from + i)) >>> 0, at + BLOCK - 4);
    }
    const encrypted = aes.update(blocks);
    const packed = Buffer.allocUnsafe(count * TAG_BYTES);
    for (let i = 0; i < count; i++) encrypted.copy(packed, i * TAG_BYTES, i * BLOCK, i * BLOCK + TAG_BYTES);
    return packed;
  };
  const checkSkip = (skip: number) => {
    if (!Number.isInteger(skip) || skip < 0 || skip > MAX_SKIP) throw new RangeError(`cursor offset ${skip}`);
  };
  return {
    encode(scope, { token, skip, pageSize }) {
      checkSkip(skip);
      checkPageSize(pageSize);
      const part = pagePart(scope, token, pageSize);
      return `${part}.${skip}.${tags(part, skip, 1).toString('base64url')}`;
    },
    page(scope, token, last, pageSize) {
      checkPageSize(pageSize);
      let part: string | undefined;
      let signed = '';
      return (skip) => {
        if (part === undefined) {
          part = pagePart(scope, token, pageSize);
          signed = tags(part, 0, Math.min(last, MAX_SKIP) + 1).toString('base64url');
        }
        if (skip > last) throw new RangeError(`cursor offset ${skip} beyond the page's ${last}`);
        checkSkip(skip);
        return `${part}.${skip}.${signed.slice(skip * TAG_CHARS, (skip + 1) * TAG_CHARS)}`;
      };
    },
    decode(cursor, scope) {
      const invalid = () => badUserInput('`after` is not a cursor of this list with these arguments.', ['after']);
      if (cursor.length > MAX_CURSOR_LENGTH || !SHAPE.test(cursor)) throw invalid();
      const [part, digits, tag] = cursor.split('.') as [string, string, string];
      const skip = Number(digits);
      if (skip > MAX_SKIP) throw invalid();
      if (!timingSafeEqual(Buffer.from(tag, 'base64url'), tags(part, skip, 1))) {
        throw invalid();
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      if (!Array.isArray(parsed)) throw invalid();
      const [version, boundScope, token, pageSize] = parsed as unknown[];
      const sized = version === SIZED_VERSION && parsed.length === 4 && isPageSize(pageSize);
      if (!(sized || (version === VERSION && parsed.length === 3)) || boundScope !== scope) throw invalid();
      if (!(token === null || (typeof token === 'string' && token.length > 0 && token.isWellFormed()))) throw invalid();
      return sized ? { token, skip, pageSize: pageSize as number } : { token, skip };
    },
  };
}

function isPageSize(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PAGE_SIZE;
}
