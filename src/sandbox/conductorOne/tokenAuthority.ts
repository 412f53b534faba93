/**
 * The simulator's `POST /auth/v1/token` and bearer-token checks: it takes only the client-assertion
 * grant (conductorone-api.md §1.4), refuses a plain client secret, issues opaque access tokens and
 * remembers them and every nonce it has accepted.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { toEd25519PublicKey, verifyClientAssertion } from './assertion.ts';
import { BEARER_CHALLENGE } from './faults.ts';
import type { ConductorOneClient } from './simulatorTypes.ts';
import { apiError, codeValue, oauthError, type ErrorCodeStyle, type SimResponse } from './wire.ts';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FORM_FIELDS = new Set(['grant_type', 'client_id', 'client_assertion_type', 'client_assertion']);
const SECRET_REFUSED = 'client_secret is not accepted; use a client assertion';
/** Bounds on remembered tokens and nonces; the oldest go first. */
const MAX_TOKENS = 10_000;
const MAX_NONCES = 100_000;

interface IssuedToken {
  clientId: string;
  /** Simulator-clock milliseconds. */
  expiresAt: number;
  revoked: boolean;
}

export type TokenRequestVerdict = { ok: true; clientId: string } | { ok: false; response: SimResponse };
export type BearerVerdict = { ok: true; clientId: string } | { ok: false; response: SimResponse };

export class TokenAuthority {
  #clients = new Map<string, KeyObject>();
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #nonces = new Set<string>();
  #issued = 0;
  #secretSubmissions = 0;

  constructor(clients: readonly ConductorOneClient[]) {
    this.setClients(clients);
  }

  setClients(clients: readonly ConductorOneClient[]): void {
    this.#clients = new Map(clients.map((c) => [c.clientId, toEd25519PublicKey(c.publicKey)]));
  }

  get issued(): number {
    return this.#issued;
  }

  get secretSubmissions(): number {
    return this.#secretSubmissions;
  }

  resetCounters(): void {
    this.#issued = 0;
    this.#secretSubmissions = 0;
  }

  expireAll(): void {
    for (const token of this.#tokens.values()) token.revoked = true;
  }

  /** Checks a token request's form and assertion; the client id when it may have a token. */
  authenticate(headers: IncomingHttpHeaders, body: string, audience: string, now: Date): TokenRequestVerdict {
    const refuse = (status: number, error: string, description: string): TokenRequestVerdict => ({
      ok: false,
      response: oauthError(status, error, description),
    });
    const form = new URLSearchParams(body);
    if (form.has('client_secret')) {
      this.#secretSubmissions += 1;
      return refuse(400, 'invalid_request', SECRET_REFUSED);
    }
    if (/^basic\s/i.test(headers.authorization ?? '')) {
      this.#secretSubmissions += 1;
      return refuse(400, 'invalid_request', 'HTTP Basic client authentication is not accepted; use a client assertion');
    }
    const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'application/x-www-form-urlencoded')
      return refuse(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    for (const name of new Set(form.keys())) {
      if (!FORM_FIELDS.has(name)) return refuse(400, 'invalid_request', `unexpected parameter: ${name}`);
      if (form.getAll(name).length > 1) return refuse(400, 'invalid_request', `parameter repeated: ${name}`);
    }
    const grantType = form.get('grant_type');
    if (!grantType) return refuse(400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials')
      return refuse(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    const clientId = form.get('client_id');
    if (!clientId) return refuse(400, 'invalid_request', 'client_id is required');

    const assertionType = form.get('client_assertion_type');
    const assertion = form.get('client_assertion');
    if (!assertionType && !assertion)
      return refuse(
        401,
        'invalid_client',
        'client authentication required: send client_assertion_type and client_assertion',
      );
    if (assertionType !== ASSERTION_TYPE)
      return refuse(401, 'invalid_client', `client_assertion_type must be ${ASSERTION_TYPE}`);
    if (!assertion) return refuse(401, 'invalid_client', 'client_assertion is required');
    const publicKey = this.#clients.get(clientId);
    if (!publicKey) return refuse(401, 'invalid_client', 'unknown client_id');

    const verdict = verifyClientAssertion(assertion, {
      clientId,
      publicKey,
      audience,
      now,
      useNonce: (nonce) => this.#useNonce(nonce),
    });
    return verdict.ok ? { ok: true, clientId } : refuse(401, 'invalid_client', verdict.reason);
  }

  /** Issues a token to an authenticated client. */
  issue(clientId: string, ttlSeconds: number, now: Date): SimResponse {
    const token = randomBytes(32).toString('base64url');
    this.#tokens.set(token, { clientId, expiresAt: now.getTime() + ttlSeconds * 1000, revoked: false });
    if (this.#tokens.size > MAX_TOKENS) this.#tokens.delete(this.#tokens.keys().next().value!);
    this.#issued += 1;
    return {
      status: 200,
      headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
      body: { access_token: token, token_type: 'Bearer', expires_in: ttlSeconds },
    };
  }

  /** Checks an API request's `Authorization: Bearer …` header. */
  checkBearer(authorization: string | undefined, now: Date, style: ErrorCodeStyle): BearerVerdict {
    const refuse = (message: string): BearerVerdict => ({
      ok: false,
      response: apiError(401, codeValue('UNAUTHENTICATED', style), message, BEARER_CHALLENGE),
    });
    if (authorization === undefined || authorization === '') return refuse('missing Authorization header');
    const match = /^bearer +(\S+) *$/i.exec(authorization);
    if (!match) return refuse('Authorization header must be "Bearer <access token>"');
    const token = this.#tokens.get(match[1]!);
    if (!token) return refuse('unknown access token');
    if (token.revoked || now.getTime() >= token.expiresAt) return refuse('access token has expired');
    return { ok: true, clientId: token.clientId };
  }

  #useNonce(nonce: string): boolean {
    if (this.#nonces.has(nonce)) return false;
    this.#nonces.add(nonce);
    if (this.#nonces.size > MAX_NONCES) this.#nonces.delete(this.#nonces.values().next().value!);
    return true;
  }
}
