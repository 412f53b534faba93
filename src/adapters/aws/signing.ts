/**
 * SigV4 signing for the AWS REST-JSON clients, on `@smithy/signature-v4` with Node's native
 * SHA-256 and HMAC-SHA-256 (see {@link Sha256}), as the official SDK configures it for these services:
 * path labels are already percent-encoded and the signer encodes the path once more
 * (`uriEscapePath`, the default for every non-S3 service); the body is signed as a string;
 * `host` is set before signing to the Host header that goes on the wire.
 */
import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsCredentialsError } from './errors.ts';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  ChecksumConstructor,
  SourceData,
} from '@smithy/types';

export type { AwsCredentialIdentity, AwsCredentialIdentityProvider };

/** Secret keys by the byte array the signer holds them in (it caches each day's signing key). */
const secretKeys = new WeakMap<object, KeyObject>();
/**
 * Secret keys given as strings: the secret access key, which the signer uses on every request to
 * key its signing-key cache. Few at a time (credentials rotate), so a small bounded map.
 */
const stringKeys = new Map<string, KeyObject>();
const MAX_STRING_KEYS = 8;

function toBuffer(data: SourceData, encoding?: BufferEncoding): Buffer {
  if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function secretKeyOf(secret: SourceData): KeyObject {
  if (typeof secret === 'string') {
    let key = stringKeys.get(secret);
    if (!key) {
      if (stringKeys.size >= MAX_STRING_KEYS) stringKeys.clear();
      stringKeys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
    }
    return key;
  }
  let key = secretKeys.get(secret);
  if (!key) secretKeys.set(secret, (key = createSecretKey(toBuffer(secret))));
  return key;
}

/**
 * SHA-256, or HMAC-SHA-256 with a secret, in the shape the signer expects, on node:crypto. Unlike
 * `@smithy/hash-node`, it keys HMACs with a KeyObject made once per signing key (node:crypto
 * validates a raw key on every `createHmac`, which costs several times the HMAC itself) and
 * creates no hash before one is needed.
 */
export class Sha256 implements Checksum {
  readonly #key: KeyObject | undefined;
  #hash: Hash | Hmac | undefined;

  constructor(secret?: SourceData) {
    this.#key = secret === undefined ? undefined : secretKeyOf(secret);
  }

  #current(): Hash | Hmac {
    return (this.#hash ??= this.#key ? createHmac('sha256', this.#key) : createHash('sha256'));
  }

  update(data: SourceData, encoding?: 'utf8' | 'ascii' | 'latin1'): void {
    this.#current().update(toBuffer(data, encoding));
  }

  async digest(): Promise<Uint8Array> {
    const digest = this.#current().digest();
    this.#hash = undefined;
    return digest;
  }

  reset(): void {
    this.#hash = undefined;
  }
}
const sha256: ChecksumConstructor = Sha256;

export interface SigningTarget {
  method: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  /** Only for a non-default port. */
  port?: number | undefined;
  /** Already percent-encoded exactly as it will be sent. */
  path: string;
  /** Raw (unescaped) query values; the signer escapes them. */
  query: Record<string, string>;
  /** Lower-case names. `host` is added here. */
  headers: Record<string, string>;
  body?: string | undefined;
}

/** The `host` header as it goes on the wire: the hostname, plus `:port` for a non-default port. */
export function hostHeader(hostname: string, port?: number): string {
  return port === undefined ? hostname : `${hostname}:${port}`;
}

export interface Signer {
  /** Returns the headers to send: the input headers plus host, x-amz-date, x-amz-content-sha256, authorization (and x-amz-security-token). */
  sign(target: SigningTarget, signingDate: Date): Promise<Record<string, string>>;
}

export function createSigner(options: {
  service: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}): Signer {
  const provider = options.credentials;
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    // A provider's failure says so (AwsCredentialsError), so that it is told apart from a defect.
    credentials:
      typeof provider === 'function'
        ? (...args: Parameters<AwsCredentialIdentityProvider>) =>
            provider(...args).catch((error: unknown) => {
              throw new AwsCredentialsError(error);
            })
        : provider,
    sha256,
  });
  return {
    async sign(target, signingDate) {
      const signed = await signer.sign(
        {
          method: target.method,
          protocol: target.protocol,
          hostname: target.hostname,
          ...(target.port !== undefined ? { port: target.port } : {}),
          path: target.path,
          query: target.query,
          headers: { ...target.headers, host: hostHeader(target.hostname, target.port) },
          ...(target.body !== undefined ? { body: target.body } : {}),
        },
        { signingDate },
      );
      return signed.headers as Record<string, string>;
    },
  };
}

/**
 * The credentials a signed request carried, which an error answer (or a proxy's page) could echo:
 * its session token and its access key id. The secret access key is never sent, only used to sign.
 */
export function sentCredentials(signed: Readonly<Record<string, string>>): string[] {
  const sent: string[] = [];
  const token = signed['x-amz-security-token'];
  if (token) sent.push(token);
  const keyId = /Credential=([^/,\s]+)\//.exec(signed['authorization'] ?? '')?.[1];
  if (keyId) sent.push(keyId);
  return sent;
}
