/**
 * AWS Signature Version 4 verification, written from the algorithm rather than from a signer, so
 * that the sandbox checks our client's signatures instead of repeating them. It verifies the way
 * AWS does for non-S3 services: the canonical URI is the received (already percent-encoded) path,
 * normalised and URI-encoded once more; the payload is always hashed.
 *
 * Only `Authorization`-header signatures are supported; a presigned query string counts as no
 * authentication at all.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  canonicalHeaderValue,
  canonicalRequest,
  hmac,
  sha256Hex,
  SIGV4_ALGORITHM,
  signingKey,
  stringToSign,
} from './sigv4Canonical.ts';

export {
  canonicalHeaderValue,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  SIGV4_ALGORITHM,
  signingKey,
  stringToSign,
} from './sigv4Canonical.ts';

/** How far the request time may be from the verifier's clock, either way. */
export const SIGV4_MAX_SKEW_MS = 5 * 60_000;

/** The error names AWS answers with when authentication fails (all HTTP 403). */
export type SigV4ErrorType =
  'MissingAuthenticationTokenException' | 'UnrecognizedClientException' | 'InvalidSignatureException';

export interface SigV4Request {
  method: string;
  /** The request target exactly as received: the raw path, plus `?query` when there is one. */
  url: string;
  /** Lower-case names; a header received several times as an array, in the order received. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body?: string | Uint8Array | undefined;
}

export interface SigV4Credential {
  accessKeyId: string;
  secretAccessKey: string;
  /** Set for temporary credentials: the request must then carry it as `x-amz-security-token`. */
  sessionToken?: string | undefined;
}

export interface VerifySigV4Options {
  /** Finds the credential for an access key id; `undefined` when the key is unknown. */
  credentials: (accessKeyId: string) => SigV4Credential | undefined;
  /** The signing name the credential scope must name, e.g. `appfabric`. */
  service: string;
  region: string;
  /** The verifier's clock. */
  now: Date;
}

export type SigV4Verdict =
  { ok: true; accessKeyId: string } | { ok: false; errorType: SigV4ErrorType; message: string };

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface ParsedAuthorization {
  accessKeyId: string;
  /** `yyyymmdd` from the credential scope. */
  date: string;
  region: string;
  service: string;
  terminator: string;
  /** Lower-case header names, in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
}

/** The intermediate values of a signature, as the AWS test suite publishes them. */
export interface SigV4Parts {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** Verifies a request's SigV4 `Authorization` header. Pure: the clock and the credentials are inputs. */
export function verifySigV4(request: SigV4Request, options: VerifySigV4Options): SigV4Verdict {
  const invalid = (message: string): SigV4Verdict => ({ ok: false, errorType: 'InvalidSignatureException', message });
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    return { ok: false, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  }
  const auth = parseAuthorization(authorization);
  if (typeof auth === 'string') return invalid(auth);

  const credential = options.credentials(auth.accessKeyId);
  if (credential === undefined) return { ok: false, errorType: 'UnrecognizedClientException', message: INVALID_TOKEN };
  const token = headerValue(request.headers, 'x-amz-security-token');
  const tokenOk =
    credential.sessionToken === undefined
      ? token === undefined
      : token !== undefined && safeEqual(token, credential.sessionToken);
  if (!tokenOk) return { ok: false, errorType: 'UnrecognizedClientException', message: INVALID_TOKEN };

  if (auth.terminator !== 'aws4_request') {
    return invalid(`Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'.`);
  }
  if (auth.service !== options.service) {
    return invalid(`Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (auth.region !== options.region) {
    return invalid(`Credential should be scoped to a valid region, not '${auth.region}'.`);
  }

  const amzDate = requestAmzDate(request.headers);
  if (amzDate === undefined) {
    return invalid("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (auth.date !== amzDate.slice(0, 8)) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  const skew = parseAmzDate(amzDate).getTime() - options.now.getTime();
  if (Math.abs(skew) > SIGV4_MAX_SKEW_MS) {
    // AWS words a future date "Signature not yet current"; one prefix keeps client matching simple.
    const past = skew < 0;
    const limit = formatAmzDate(new Date(options.now.getTime() + (past ? -SIGV4_MAX_SKEW_MS : SIGV4_MAX_SKEW_MS)));
    return invalid(
      `Signature expired: ${amzDate} is now ${past ? 'earlier' : 'later'} than ${limit} (${formatAmzDate(options.now)} ${past ? '-' : '+'} 5 min.)`,
    );
  }

  if (!auth.signedHeaders.includes('host')) {
    return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const absent = auth.signedHeaders.find((name) => headerValue(request.headers, name) === undefined);
  if (absent !== undefined) return invalid(`Signed header '${absent}' is not present in the request.`);
  const payloadHash = sha256Hex(request.body ?? '');
  const declaredHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== payloadHash) {
    return invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  const expected = computeSigV4Parts(request, auth, credential.secretAccessKey, amzDate).signature;
  if (!safeEqual(expected, auth.signature)) return invalid(SIGNATURE_MISMATCH);
  return { ok: true, accessKeyId: auth.accessKeyId };
}

/** Parses an `Authorization` header, or returns why it is malformed. */
export function parseAuthorization(value: string): ParsedAuthorization | string {
  const trimmed = value.trim();
  if (!trimmed.startsWith(`${SIGV4_ALGORITHM} `)) {
    return `Authorization header requires '${SIGV4_ALGORITHM}' as its algorithm.`;
  }
  const params = new Map<string, string>();
  for (const part of trimmed.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !params.get(name));
  if (missing.length > 0) return missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ');

  const scope = params.get('Credential')!.split('/');
  if (scope.length !== 5 || scope.some((part) => part === '') || !/^\d{8}$/.test(scope[1]!)) {
    return 'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, and a yyyymmdd date.';
  }
  const signedHeaders = params.get('SignedHeaders')!.split(';');
  if (signedHeaders.some((name) => name === '' || name !== name.toLowerCase())) {
    return 'SignedHeaders must be a semicolon-separated list of lower-case header names.';
  }
  const signature = params.get('Signature')!;
  if (!/^[0-9a-f]{64}$/.test(signature)) return 'Signature must be 64 lower-case hexadecimal characters.';
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator, signedHeaders, signature };
}

/** Computes the canonical request, string to sign and signature for a received request. */
export function computeSigV4Parts(
  request: SigV4Request,
  auth: Pick<ParsedAuthorization, 'date' | 'region' | 'service' | 'signedHeaders'>,
  secretAccessKey: string,
  amzDate: string,
): SigV4Parts {
  const canonical = canonicalRequest(request, auth.signedHeaders, sha256Hex(request.body ?? ''));
  const toSign = stringToSign(amzDate, `${auth.date}/${auth.region}/${auth.service}/aws4_request`, canonical);
  const key = signingKey(secretAccessKey, auth.date, auth.region, auth.service);
  return { canonicalRequest: canonical, stringToSign: toSign, signature: hmac(key, toSign).toString('hex') };
}

/** The request time in ISO 8601 basic format, from `x-amz-date`, else from an HTTP `date` header. */
export function requestAmzDate(headers: SigV4Request['headers']): string | undefined {
  const amz = headerValue(headers, 'x-amz-date');
  if (amz !== undefined)
    return /^\d{8}T\d{6}Z$/.test(amz) && !Number.isNaN(parseAmzDate(amz).getTime()) ? amz : undefined;
  const http = headerValue(headers, 'date');
  if (http === undefined) return undefined;
  const parsed = Date.parse(http);
  return Number.isNaN(parsed) ? undefined : formatAmzDate(new Date(parsed));
}

/** `2015-08-30T12:36:00.000Z` → `20150830T123600Z`. */
export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function parseAmzDate(amz: string): Date {
  return new Date(
    `${amz.slice(0, 4)}-${amz.slice(4, 6)}-${amz.slice(6, 8)}T${amz.slice(9, 11)}:${amz.slice(11, 13)}:${amz.slice(13, 15)}Z`,
  );
}

function headerValue(headers: SigV4Request['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value.trim() : value.length === 0 ? undefined : canonicalHeaderValue(value);
}

/** Constant-time comparison; only the lengths leak, and they are public. */
function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
