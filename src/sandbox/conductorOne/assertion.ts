/**
 * Verification of the Ed25519 client assertion ConductorOne's token endpoint takes
 * (conductorone-api.md §1.4): a compact JWS with header `alg: EdDSA` and a 32-hex-character `nonce`,
 * claims `iss` = `sub` = client id, `aud` = tenant host (a string or a one-element array), `exp`
 * within five minutes, `nbf` not in the future, `iat` present.
 */
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/** How far in the future `exp` may be. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Slack on the `exp` upper bound, for a client whose clock rounds differently. */
const EXP_LEEWAY_SECONDS = 1;
const NONCE = /^[0-9a-f]{32}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export type AssertionVerdict = { ok: true } | { ok: false; reason: string };

export interface AssertionCheck {
  /** The `client_id` form field, already known to be a registered client. */
  clientId: string;
  publicKey: KeyObject;
  audience: string;
  now: Date;
  /** Records a nonce; `false` when it was seen before. Called only once the signature verifies. */
  useNonce(nonce: string): boolean;
}

/** An Ed25519 public key from a KeyObject (public or private) or a JWK; throws on anything else. */
export function toEd25519PublicKey(key: KeyObject | JsonWebKey): KeyObject {
  const object = isKeyObject(key) ? key : createPublicKey({ key, format: 'jwk' });
  const publicKey = object.type === 'public' ? object : createPublicKey(object);
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(
      `A ConductorOne client key must be Ed25519, not ${publicKey.asymmetricKeyType ?? 'symmetric'}.`,
    );
  }
  return publicKey;
}

function isKeyObject(key: KeyObject | JsonWebKey): key is KeyObject {
  return typeof (key as KeyObject).export === 'function' && typeof (key as KeyObject).type === 'string';
}

/** Checks one assertion; the reason on failure is what the 401's `error_description` says. */
export function verifyClientAssertion(assertion: string, check: AssertionCheck): AssertionVerdict {
  const fail = (reason: string): AssertionVerdict => ({ ok: false, reason });
  const parts = assertion.split('.');
  if (parts.length !== 3) return fail('client_assertion is not a compact JWS (three dot-separated parts)');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  for (const part of parts) {
    if (!BASE64URL.test(part) || Buffer.from(part, 'base64url').toString('base64url') !== part)
      return fail('client_assertion parts must be base64url without padding');
  }

  const header = decodeJson(headerPart);
  if (header === undefined) return fail('JWS header is not a JSON object');
  if (header['alg'] !== 'EdDSA') return fail(`JWS header alg must be EdDSA, not ${JSON.stringify(header['alg'])}`);
  if (header['crit'] !== undefined) return fail('JWS header crit is not supported');
  const nonce = header['nonce'];
  if (typeof nonce !== 'string' || !NONCE.test(nonce))
    return fail('JWS header nonce must be 32 lower-case hexadecimal characters');

  const signature = Buffer.from(signaturePart, 'base64url');
  const signingInput = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  if (signature.length !== 64 || !verify(null, signingInput, check.publicKey, signature))
    return fail('JWS signature does not verify with the key registered for client_id');
  if (!check.useNonce(nonce)) return fail('JWS header nonce has already been used (replay)');

  const claims = decodeJson(payloadPart);
  if (claims === undefined) return fail('JWS payload is not a JSON object');
  if (claims['iss'] !== check.clientId) return fail('iss must equal client_id');
  if (claims['sub'] !== check.clientId) return fail('sub must equal client_id');
  const aud = claims['aud'];
  const audOk = aud === check.audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === check.audience);
  if (!audOk) return fail(`aud must be "${check.audience}" (a string or a one-element array)`);

  const now = check.now.getTime() / 1000;
  const exp = claims['exp'];
  if (exp === undefined) return fail('exp is required');
  if (!isNumericDate(exp)) return fail('exp must be a NumericDate (seconds since the epoch)');
  if (exp <= now) return fail('assertion has expired (exp is not after now)');
  if (exp > now + MAX_ASSERTION_LIFETIME_SECONDS + EXP_LEEWAY_SECONDS)
    return fail(`exp must be at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds from now`);
  const nbf = claims['nbf'];
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) return fail('nbf must be a NumericDate (seconds since the epoch)');
    if (nbf > now) return fail('assertion is not valid yet (nbf is after now)');
  }
  const iat = claims['iat'];
  if (iat === undefined) return fail('iat is required');
  if (!isNumericDate(iat)) return fail('iat must be a NumericDate (seconds since the epoch)');
  return { ok: true };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
