/**
 * The canonical forms of AWS Signature Version 4 (canonical request, string to sign, signing key),
 * computed from a request as the server received it.
 */
import { createHash, createHmac } from 'node:crypto';
import type { SigV4Request } from './sigv4Verifier.ts';

/** The only algorithm AWS SigV4 (as opposed to SigV4a) uses. */
export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** The canonical request: method, URI, query, headers, signed-header list and payload hash. */
export function canonicalRequest(request: SigV4Request, signedHeaders: readonly string[], payloadHash: string): string {
  const q = request.url.indexOf('?');
  const path = q === -1 ? request.url : request.url.slice(0, q);
  const query = q === -1 ? '' : request.url.slice(q + 1);
  const headers = signedHeaders
    .map((name) => `${name}:${canonicalHeaderValue(request.headers[name] ?? '')}\n`)
    .join('');
  return [
    request.method.toUpperCase(),
    canonicalUri(path),
    canonicalQueryString(query),
    headers,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/**
 * The canonical URI of a received path: empty and `.` segments dropped, `..` resolved, then each
 * segment URI-encoded once more (so `%2F` in a label becomes `%252F`, as AWS expects of non-S3 clients).
 */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  if (segments.length === 0) return '/';
  return `/${segments.map((s) => encodeBytes(Buffer.from(s, 'utf8'))).join('/')}${rawPath.endsWith('/') ? '/' : ''}`;
}

/** The canonical query string: keys and values decoded, RFC 3986-encoded, sorted by key then value. */
export function canonicalQueryString(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([encodeBytes(percentDecode(key)), encodeBytes(percentDecode(value))]);
  }
  pairs.sort(([ka, va], [kb, vb]) => (ka !== kb ? (ka < kb ? -1 : 1) : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

/** A header's canonical value: each value trimmed, runs of spaces collapsed, repeats joined by `,`. */
export function canonicalHeaderValue(value: string | readonly string[]): string {
  const values: readonly string[] = typeof value === 'string' ? [value] : value;
  return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}

/** The string to sign for a canonical request. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

/** The signing key: HMAC chain over date, region, service and `aws4_request`. */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
  for (const part of [date, region, service, 'aws4_request']) key = hmac(key, part);
  return key;
}

/** Percent-decodes to bytes; a `%` not followed by two hex digits stays literal, and `+` stays `+`. */
function percentDecode(value: string): Buffer {
  const raw = Buffer.from(value, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < raw.length; i += 1) {
    const hex = raw[i] === 0x25 && i + 2 < raw.length ? raw.subarray(i + 1, i + 3).toString('latin1') : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(raw[i]!);
  }
  return Buffer.from(out);
}

/** RFC 3986 encoding: unreserved characters as they are, every other byte as upper-case `%XX`. */
function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    const unreserved =
      (b >= 0x30 && b <= 0x39) ||
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      b === 0x2d ||
      b === 0x2e ||
      b === 0x5f ||
      b === 0x7e;
    out += unreserved ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmac(key: Uint8Array, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
