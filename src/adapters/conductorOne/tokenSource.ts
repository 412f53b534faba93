/**
 * ConductorOne access tokens, in the official SDKs' priority order (conductorone-api.md §1):
 * a pre-exchanged `CONDUCTORONE_ACCESS_TOKEN` used as is, or a client id and secret exchanged
 * at `/auth/v1/token` with an Ed25519 client assertion. The secret's private key signs the
 * assertion; the secret itself is never sent. Tokens are cached; a minute before one expires it is
 * refreshed in the background while calls go on using it, and only a token about to expire makes
 * calls wait. A refresh is single-flight (concurrent requests share one token call) and takes at
 * most TOKEN_REQUEST_TIMEOUT_MS.
 */
import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { unlessAborted } from '../../deadlines.ts';
import { headerOf, retryAfterMs } from '../../httpHeaders.ts';
import { exchange } from '../http/exchange.ts';
import { abortedBeforeSending, toTransportError } from '../http/transport.ts';

/** Parsed `<name>@<host>/<use-case>`; the host names the tenant and is the assertion's audience. */
export interface ConductorOneClientId {
  clientId: string;
  /** Lower-cased host, possibly with a port. */
  host: string;
  /** The host without a port: the assertion's `aud`. */
  audience: string;
  /** `https://<host>`: the tenant's API origin. */
  serverUrl: string;
}

export class ConductorOneCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConductorOneCredentialsError';
  }
}

/** Splits at the first `@`, then at the first `/`, as the SDKs do. */
export function parseClientId(clientId: string): ConductorOneClientId {
  const at = clientId.indexOf('@');
  const rest = at >= 0 ? clientId.slice(at + 1) : '';
  const slash = rest.indexOf('/');
  const host = (slash >= 0 ? rest.slice(0, slash) : '').toLowerCase();
  if (at <= 0 || slash <= 0 || !/^[a-z0-9.-]+(?::\d{1,5})?$/.test(host)) {
    throw new ConductorOneCredentialsError(
      'CONDUCTORONE_CLIENT_ID is not a ConductorOne client id (<name>@<tenant host>/<use>).',
    );
  }
  return { clientId, host, audience: host.replace(/:\d+$/, ''), serverUrl: `https://${host}` };
}

/** A client secret's signing key, and its JWK's `kid` if it has one, for the assertion's header. */
export interface ClientKey {
  key: KeyObject;
  kid: string | undefined;
}

/**
 * `secret-token:conductorone.com:v1:<base64url JWK>`: exactly four colon-separated parts (the last
 * keeps any further colons), a `v1` version, unpadded base64url, and an Ed25519 private JWK, with
 * an optional string `kid`. Every failure has the same message, which never contains the secret.
 */
export function parseClientSecret(secret: string): ClientKey {
  const invalid = () =>
    new ConductorOneCredentialsError(
      'CONDUCTORONE_CLIENT_SECRET is not a valid ConductorOne client secret (secret-token:…:v1:<key>).',
    );
  const first = secret.indexOf(':');
  const second = first < 0 ? -1 : secret.indexOf(':', first + 1);
  const third = second < 0 ? -1 : secret.indexOf(':', second + 1);
  if (third < 0 || secret.slice(second + 1, third) !== 'v1') throw invalid();
  const encoded = secret.slice(third + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw invalid();
  let jwk: unknown;
  try {
    jwk = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const key = jwk as { kty?: unknown; crv?: unknown; d?: unknown; x?: unknown; kid?: unknown } | null;
  if (!key || key.kty !== 'OKP' || key.crv !== 'Ed25519' || typeof key.d !== 'string' || typeof key.x !== 'string') {
    throw invalid();
  }
  if (key.kid !== undefined && (typeof key.kid !== 'string' || key.kid === '')) throw invalid();
  try {
    return {
      key: createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: key.d, x: key.x }, format: 'jwk' }),
      kid: key.kid,
    };
  } catch {
    throw invalid();
  }
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * The EdDSA client assertion: a nonce in the header, and the key's `kid` when its JWK had one (as
 * the SDKs send it); iss = sub = client id; 2-minute validity.
 */
export function createClientAssertion(options: {
  clientId: string;
  audience: string;
  key: ClientKey;
  now: number;
}): string {
  const seconds = Math.floor(options.now / 1000);
  const nonce = randomBytes(16).toString('hex');
  const header =
    options.key.kid === undefined ? { alg: 'EdDSA', nonce } : { alg: 'EdDSA', kid: options.key.kid, nonce };
  const claims = {
    iss: options.clientId,
    sub: options.clientId,
    aud: options.audience,
    iat: seconds,
    nbf: seconds - 120,
    exp: seconds + 120,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${sign(null, Buffer.from(input), options.key.key).toString('base64url')}`;
}

/**
 * A token endpoint answer other than 200 with a Bearer token. Its body is for logs only.
 * `tokenType` is set when the token was of a type this subgraph cannot use (DPoP).
 */
export class TokenEndpointError extends Error {
  readonly status: number;
  /** The OAuth `error` code, when the body had one (never the description, which could echo input). */
  readonly oauthError: string | undefined;
  readonly tokenType: string | undefined;
  constructor(status: number, oauthError: string | undefined, tokenType?: string) {
    super(
      tokenType === undefined
        ? `The ConductorOne token endpoint answered ${status}${oauthError ? ` (${oauthError})` : ''}.`
        : `The ConductorOne token endpoint issued a ${tokenType} token: the credential requires proofs this ` +
            'subgraph does not send. Use a credential without "Require DPoP".',
    );
    this.name = 'TokenEndpointError';
    this.status = status;
    this.oauthError = oauthError;
    this.tokenType = tokenType;
  }
}

export interface TokenSource {
  /** A valid access token (cached, or fetched once for all concurrent callers). */
  token(signal?: AbortSignal): Promise<string>;
  /** Drops `token` after the API rejected it, so the next call fetches a new one. */
  invalidate(token: string): void;
  /** Whether `invalidate` can lead to a different token (false for a static token). */
  readonly refreshable: boolean;
  /** The token held now, if any, so that text from the upstream can be cleaned of it before it is logged. */
  held(): string | null;
}

/** `CONDUCTORONE_ACCESS_TOKEN`: used as is, never refreshed. */
export function staticTokenSource(accessToken: string): TokenSource {
  return { token: async () => accessToken, invalidate: () => undefined, refreshable: false, held: () => accessToken };
}

export interface ClientCredentialsOptions {
  clientId: ConductorOneClientId;
  key: ClientKey;
  /** The token endpoint origin (the tenant, or CONDUCTORONE_SERVER_URL). */
  origin: string;
  dispatcher: Dispatcher;
  /** Refresh this long before `expires_in` runs out. Default 60 s. */
  refreshBeforeExpiryMs?: number;
  /** Told of every token request (for metrics). */
  onRefresh?: () => void;
  /** The longest a token request may take. Default {@link TOKEN_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  now?: () => number;
}

/** The longest a token request may take (the pool's own timeouts apply too). */
export const TOKEN_REQUEST_TIMEOUT_MS = 5_000;
/** A token is not handed out this close to its expiry: a call made with it could outlive it. */
const EXPIRY_MARGIN_MS = 10_000;
/** After a refresh ahead of expiry failed, the next is tried this much later at the earliest. */
const EARLY_REFRESH_RETRY_MS = 5_000;
/**
 * After the token endpoint refused the credential (a 4xx, or a token of a type this subgraph cannot
 * use), or throttled without saying for how long, its answer stands for this long: the calls that
 * need a token get it without asking again.
 */
const REFUSAL_HOLD_MS = 5_000;
/** The longest a token endpoint's `Retry-After` holds token requests back. */
const MAX_RETRY_AFTER_HOLD_MS = 60_000;

/**
 * How long a failed token request's answer stands ({@link REFUSAL_HOLD_MS}), or 0 for a failure
 * that the next call should try again (a 5xx or a transport failure: the circuit breaker counts
 * those, where a 4xx is an answer). A `Retry-After` decides, up to {@link MAX_RETRY_AFTER_HOLD_MS}.
 */
function holdAfter(error: TokenEndpointError, retryAfter: number | undefined): number {
  if (retryAfter !== undefined && (error.status === 429 || error.status === 503)) {
    return Math.min(retryAfter, MAX_RETRY_AFTER_HOLD_MS);
  }
  if (error.tokenType !== undefined) return REFUSAL_HOLD_MS;
  return error.status >= 400 && error.status < 500 ? REFUSAL_HOLD_MS : 0;
}

export function clientCredentialsTokenSource(options: ClientCredentialsOptions): TokenSource {
  const now = options.now ?? Date.now;
  const skew = options.refreshBeforeExpiryMs ?? 60_000;
  let cached: { token: string; refreshAt: number; expiresAt: number } | null = null;
  let inFlight: Promise<string> | null = null;
  let lastEarlyRefresh = -Infinity;
  /** The last token request's refusal, answered to every caller until `until`. */
  let refused: { error: TokenEndpointError; until: number } | null = null;

  /** Starts the one token request, unless one is under way. */
  function refresh(): Promise<string> {
    inFlight ??= fetchToken(AbortSignal.timeout(options.requestTimeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS)).finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  async function fetchToken(signal: AbortSignal | undefined): Promise<string> {
    options.onRefresh?.();
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: createClientAssertion({
        clientId: options.clientId.clientId,
        audience: options.clientId.audience,
        key: options.key,
        now: now(),
      }),
    });
    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const response = await exchange(options.dispatcher, {
        origin: options.origin,
        method: 'POST',
        path: '/auth/v1/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal,
      });
      status = response.statusCode;
      text = response.text;
      retryAfter = headerOf(response.headers, 'retry-after');
    } catch (error) {
      throw toTransportError(error, signal);
    }
    const fail = (error: TokenEndpointError): never => {
      const hold = holdAfter(error, retryAfterMs(retryAfter, now()));
      refused = hold > 0 ? { error, until: now() + hold } : null;
      throw error;
    };
    let body: { access_token?: unknown; token_type?: unknown; expires_in?: unknown; error?: unknown } = {};
    try {
      const parsed: unknown = JSON.parse(text);
      // An object only: `null`, a number or an array is as unusable as text that is not JSON.
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as typeof body;
    } catch {
      // a non-JSON answer is a failure below
    }
    if (status !== 200 || typeof body.access_token !== 'string' || body.access_token === '') {
      return fail(new TokenEndpointError(status, typeof body.error === 'string' ? body.error.slice(0, 64) : undefined));
    }
    // A DPoP-bound token needs a proof on every API call (conductorone-api.md §1.6): sent as a
    // Bearer token, every call would fail with 401. Absent means Bearer.
    if (body.token_type !== undefined && !(typeof body.token_type === 'string' && /^bearer$/i.test(body.token_type))) {
      const type =
        typeof body.token_type === 'string' ? body.token_type.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 16) : '';
      return fail(new TokenEndpointError(status, undefined, type || 'unknown'));
    }
    refused = null;
    const expiresIn = Number(body.expires_in);
    const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 60_000;
    const fetchedAt = now();
    cached = {
      token: body.access_token,
      refreshAt: fetchedAt + Math.max(lifetimeMs - skew, lifetimeMs / 2),
      expiresAt: fetchedAt + lifetimeMs,
    };
    return body.access_token;
  }

  return {
    refreshable: true,
    async token(signal) {
      const at = now();
      if (cached && at < cached.refreshAt) return cached.token;
      if (cached && at < cached.expiresAt - EXPIRY_MARGIN_MS) {
        // Due for a refresh but still good: the refresh runs in the background, and a token
        // endpoint that fails or hangs now costs no call anything until the token runs out. A
        // failed refresh is tried again a few seconds later, not by every call.
        if (!inFlight && at - lastEarlyRefresh >= EARLY_REFRESH_RETRY_MS) {
          lastEarlyRefresh = at;
          refresh().catch(() => undefined);
        }
        return cached.token;
      }
      // The token endpoint refused or throttled a moment ago: its answer stands for now, rather
      // than every call asking again (one at a time, since single flight joins only overlapping
      // requests) and a throttled endpoint getting more requests.
      if (refused && at < refused.until) throw refused.error;
      // A caller already gone starts no token request (its call is not sent either).
      if (signal?.aborted) throw abortedBeforeSending(signal);
      // Single flight: one token request however many callers arrive while it is under way. It
      // does not take any one caller's signal, so one caller going away does not fail the others.
      const shared = refresh();
      // The caller's call waited for the token: it was not sent.
      return signal ? unlessAborted(shared, signal, () => abortedBeforeSending(signal)) : shared;
    },
    invalidate(token) {
      if (cached?.token === token) cached = null;
    },
    held: () => cached?.token ?? null,
  };
}
