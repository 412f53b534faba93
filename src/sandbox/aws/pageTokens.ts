/** Pagination tokens for the simulated list operations. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenReading = { ok: true; offset: number } | { ok: false; reason: 'invalid' | 'expired' };

/**
 * Opaque tokens holding an offset, bound by an HMAC to one listing (its scope: operation, parent
 * and filters) and to this instance, so a token from another listing or another simulator is
 * refused. The encoding is base64url, which fits IMI's `^[a-zA-Z0-9=_-]+$`.
 */
export class PageTokens {
  readonly #key = randomBytes(32);
  readonly #ttlMs: number | undefined;

  /** @param ttlMs how long a token stays valid (AppFabric: 24 h); no expiry when omitted. */
  constructor(ttlMs?: number) {
    this.#ttlMs = ttlMs;
  }

  issue(offset: number, scope: string, now: Date): string {
    const payload = `${offset}.${now.getTime()}`;
    return Buffer.from(`${payload}.${this.#mac(payload, scope)}`).toString('base64url');
  }

  read(token: string, scope: string, now: Date): TokenReading {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    const match = /^(\d+)\.(\d+)\.([0-9a-f]{32})$/.exec(decoded);
    if (!match || Buffer.from(decoded).toString('base64url') !== token) return { ok: false, reason: 'invalid' };
    const [, offset, issuedAt, mac] = match as unknown as [string, string, string, string];
    const expected = Buffer.from(this.#mac(`${offset}.${issuedAt}`, scope));
    if (!timingSafeEqual(Buffer.from(mac), expected)) return { ok: false, reason: 'invalid' };
    if (this.#ttlMs !== undefined && now.getTime() - Number(issuedAt) > this.#ttlMs)
      return { ok: false, reason: 'expired' };
    return { ok: true, offset: Number(offset) };
  }

  /** One page of `items` from `offset`, with the token for the next page when there is one. */
  page<T>(
    items: readonly T[],
    offset: number,
    max: number,
    scope: string,
    now: Date,
  ): { items: T[]; nextToken?: string } {
    const slice = items.slice(offset, offset + max);
    const next = offset + slice.length;
    return next < items.length ? { items: slice, nextToken: this.issue(next, scope, now) } : { items: slice };
  }

  #mac(payload: string, scope: string): string {
    return createHmac('sha256', this.#key).update(`${scope}\n${payload}`).digest('hex').slice(0, 32);
  }
}
