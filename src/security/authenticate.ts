/**
 * Caller authentication, before any GraphQL execution: an optional router shared secret, then a
 * Bearer JWT verified with `jose` against a remote JWKS (cached, with a cooldown) or a PEM public
 * key, with pinned algorithms, issuer and audience, and 30 s of clock tolerance.
 */
import { createHash, createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config.ts';
import { headerOf } from '../httpHeaders.ts';
import type { Secret } from '../secret.ts';

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
  constructor(options: { cause: unknown }) {
    super('Caller authentication is unavailable: the key set could not be read.', options);
    this.name = 'AuthenticationUnavailableError';
  }
}

/** jose's errors of fetching a remote key set, as opposed to the token's own problems. */
function isKeySetFailure(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return true;
  // A failed fetch is not a JOSEError at all; an error status or a body that is not JSON is jose's
  // generic error (every token problem has a class and code of its own).
  return !(error instanceof joseErrors.JOSEError) || error.code === 'ERR_JOSE_GENERIC';
}

/** A refused request: answered 401 UNAUTHENTICATED. The message never includes the token. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export interface Authenticator {
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): Promise<Caller>;
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

export function createAuthenticator(auth: AuthConfig, routerSecret: Secret | null): Authenticator {
  // A remote key set is fetched lazily, cached for 10 minutes and refetched at most every 30 s
  // (e.g. for an unknown kid); a PEM key is parsed once. jose checks the token's alg against the
  // pinned list and the key's type, and never accepts `none`.
  let verifyKey: JWTVerifyGetKey | KeyObject | null = null;
  if (auth.kind === 'jwt') {
    verifyKey =
      'jwksUrl' in auth.key
        ? createRemoteJWKSet(auth.key.jwksUrl, {
            timeoutDuration: 5_000,
            cooldownDuration: 30_000,
            cacheMaxAge: 600_000,
          })
        : createPublicKey(auth.key.publicKeyPem);
  }

  return {
    async authenticate(headers) {
      if (routerSecret) {
        const given = headerOf(headers, 'router-authorization');
        if (!given || !sameSecret(given, routerSecret.reveal())) {
          throw new AuthenticationError('The request did not come through the router.');
        }
      }
      if (auth.kind === 'disabled') return UNRESTRICTED;
      const authorization = headerOf(headers, 'authorization');
      const match = authorization ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim()) : null;
      if (!match) throw new AuthenticationError('A Bearer token is required.');
      try {
        const options = {
          issuer: auth.issuer,
          audience: auth.audience,
          algorithms: auth.algorithms,
          clockTolerance: 30,
          requiredClaims: ['exp'],
          // jose then requires `iat` too.
          ...(auth.maxTokenAgeS !== undefined ? { maxTokenAge: auth.maxTokenAgeS } : {}),
        };
        const { payload } =
          typeof verifyKey === 'function'
            ? await jwtVerify(match[1]!, verifyKey, options)
            : await jwtVerify(match[1]!, verifyKey!, options);
        return { subject: typeof payload.sub === 'string' ? payload.sub : null, scopes: scopesOf(payload) };
      } catch (error) {
        if (typeof verifyKey === 'function' && isKeySetFailure(error)) {
          throw new AuthenticationUnavailableError({ cause: error });
        }
        throw new AuthenticationError('The Bearer token is invalid or expired.');
      }
    },
  };
}
