/**
 * Caller authentication, before any GraphQL execution: an optional router shared secret, then a
 * Bearer JWT verified with `jose` against a remote JWKS (src/security/keySet.ts: cached, refreshed
 * in the background, kept through an outage of the identity provider) or a PEM public key, with
 * pinned algorithms, issuer and audience, and 30 s of clock tolerance.
 */
import { createHash, createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config.ts';
import { headerOf } from '../httpHeaders.ts';
import type { Secret } from '../secret.ts';
import { createKeySet, KeySetUnavailableError, type KeySet, type KeySetOptions } from './keySet.ts';

/** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. */
const CLOCK_TOLERANCE_S = 30;

/** Who is calling. `scopes: null` means unrestricted (authentication is off). */
export interface Caller {
  subject: string | null;
  scopes: ReadonlySet<string> | null;
}

export const UNRESTRICTED: Caller = Object.freeze({ subject: null, scopes: null });

/**
 * The caller's token could not be checked because the key set (AUTH_JWKS_URL) could not be read:
 * a timeout, an error status, a body that is not a key set, or no connection. Not the caller's
 * fault, so not a 401: the request is answered 503, and retrying later may succeed.
 */
export class AuthenticationUnavailableError extends Error {
  constructor(options: { cause: KeySetUnavailableError }) {
    super('Caller authentication is unavailable: the key set could not be read.', options);
    this.name = 'AuthenticationUnavailableError';
  }
}

/** A refused request: answered 401 UNAUTHENTICATED. The message never includes the token. */
export class AuthenticationError extends Error {
  /**
   * What was wrong, for the challenge: no Bearer token (`missing`), a token that does not verify
   * (`invalid`, RFC 6750's `invalid_token`), or a request without the router's secret (`router`),
   * which a Bearer token cannot cure, so it gets no Bearer challenge.
   */
  readonly problem: 'missing' | 'invalid' | 'router';
  constructor(message: string, problem: AuthenticationError['problem']) {
    super(message);
    this.name = 'AuthenticationError';
    this.problem = problem;
  }
}

export interface Authenticator {
  /**
   * The caller, or a refusal. A caller whose token needs the key set fetched waits for it only
   * until `signal` (the request's deadline) aborts, then gets {@link AuthenticationUnavailableError}.
   */
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>, signal?: AbortSignal): Promise<Caller>;
}

/** `scope` and `scp`, each either a space-separated string (RFC 8693) or an array of strings. */
export function scopesOf(claims: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string')
      value
        .split(' ')
        .filter(Boolean)
        .forEach((s) => scopes.add(s));
    else if (Array.isArray(value))
      value.filter((s): s is string => typeof s === 'string').forEach((s) => scopes.add(s));
  };
  add(claims['scope']);
  add(claims['scp']);
  return scopes;
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface AuthenticatorOptions {
  /** Told of each failed fetch of the key set (the server logs it at warn). */
  onKeySetFailure?: KeySetOptions['onFailure'];
  /** Milliseconds since the epoch, for token lifetimes, the verified tokens and the key set (tests). */
  now?: () => number;
}

/**
 * Tokens verified lately, and whom they name. A router forwards one caller's token with every
 * request of a session, and checking a signature costs about 100 µs of CPU (ES256, RS256, EdDSA
 * alike, on this project's benchmark machine), more than the rest of a lookup's own work. A token
 * is remembered for at most {@link VERIFIED_TTL_MS}, never past its `exp` (or its maximum age), so
 * a key taken out of the key set stops working within a minute of the key set's refresh. Only the
 * exact token string verified is looked up, so nothing else can be answered from here.
 */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 1_000;

export function createAuthenticator(
  auth: AuthConfig,
  routerSecret: Secret | null,
  options: AuthenticatorOptions = {},
): Authenticator {
  // jose checks the token's alg against the pinned list and the key's type, and never accepts
  // `none`; a PEM key is parsed once.
  const now = options.now ?? Date.now;
  let verifyKey: KeySet['resolve'] | KeyObject | null = null;
  if (auth.kind === 'jwt') {
    verifyKey =
      'jwksUrl' in auth.key
        ? createKeySet(auth.key.jwksUrl, {
            now,
            ...(options.onKeySetFailure ? { onFailure: options.onKeySetFailure } : {}),
          }).resolve
        : createPublicKey(auth.key.publicKeyPem);
  }

  const verified = new Map<string, { caller: Caller; until: number }>();
  const remember = (token: string, caller: Caller, payload: JWTPayload, at: number) => {
    let until = Math.min(at + VERIFIED_TTL_MS, (payload.exp ?? 0) * 1000);
    if (auth.kind === 'jwt' && auth.maxTokenAgeS !== undefined && typeof payload.iat === 'number') {
      until = Math.min(until, (payload.iat + auth.maxTokenAgeS) * 1000);
    }
    if (until <= at) return;
    // The oldest entry goes first (a Map keeps insertion order).
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, { caller, until });
  };

  return {
    async authenticate(headers, signal) {
      if (routerSecret) {
        const given = headerOf(headers, 'router-authorization');
        if (!given || !sameSecret(given, routerSecret.reveal())) {
          throw new AuthenticationError('The request is not authorized.', 'router');
        }
      }
      if (auth.kind === 'disabled') return UNRESTRICTED;
      const authorization = headerOf(headers, 'authorization');
      const match = authorization ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim()) : null;
      if (!match) throw new AuthenticationError('A Bearer token is required.', 'missing');
      const token = match[1]!;
      const at = now();
      const known = verified.get(token);
      if (known) {
        if (at < known.until) return known.caller;
        verified.delete(token);
      }
      let payload: JWTPayload;
      try {
        const verifyOptions = {
          issuer: auth.issuer,
          audience: auth.audience,
          algorithms: auth.algorithms,
          clockTolerance: CLOCK_TOLERANCE_S,
          currentDate: new Date(at),
          requiredClaims: ['exp'],
          // jose then requires `iat` too.
          ...(auth.maxTokenAgeS !== undefined ? { maxTokenAge: auth.maxTokenAgeS } : {}),
          ...(auth.tokenType !== undefined ? { typ: auth.tokenType } : {}),
        };
        if (typeof verifyKey === 'function') {
          const resolve = verifyKey;
          const getKey: JWTVerifyGetKey = (header, jws) => resolve(header, jws, signal);
          ({ payload } = await jwtVerify(token, getKey, verifyOptions));
        } else {
          ({ payload } = await jwtVerify(token, verifyKey!, verifyOptions));
        }
      } catch (error) {
        if (error instanceof KeySetUnavailableError) throw new AuthenticationUnavailableError({ cause: error });
        throw new AuthenticationError('The Bearer token is invalid or expired.', 'invalid');
      }
      // jose checks `iat` only against a maximum age; a token issued in the future is not valid yet.
      if (typeof payload.iat === 'number' && payload.iat > at / 1000 + CLOCK_TOLERANCE_S) {
        throw new AuthenticationError('The Bearer token is invalid or expired.', 'invalid');
      }
      const caller: Caller = Object.freeze({
        subject: typeof payload.sub === 'string' ? payload.sub : null,
        scopes: scopesOf(payload),
      });
      remember(token, caller, payload, at);
      return caller;
    },
  };
}
