/**
 * SigV4 signing for the AWS REST-JSON clients, on `@smithy/signature-v4` with Node's native
 * SHA-256 and HMAC-SHA-256 (see {@link Sha256}), as the official SDK configures it for these services:
 * path labels are already percent-encoded and the signer encodes the path once more
 * (`uriEscapePath`, the default for every non-S3 service); the body is signed as a string;
 * `host` is set before signing to the Host header that goes on the wire.
 */
import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { unlessAborted } from '../../deadlines.ts';
import { abortedBeforeSending } from '../http/transport.ts';
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
  /**
   * Returns the headers to send: the input headers plus host, x-amz-date, x-amz-content-sha256,
   * authorization (and x-amz-security-token). When no usable credentials are at hand (the first
   * request, or ones about to expire), it waits for the provider only until `signal` aborts, then
   * rejects as not sent ({@link abortedBeforeSending}); the resolution goes on for later calls.
   */
  sign(target: SigningTarget, signingDate: Date, signal?: AbortSignal): Promise<Record<string, string>>;
}

/**
 * From this long before credentials expire, a call also asks the provider, without waiting for it:
 * the official clients' window, in which the SDK's memoized chain refreshes in the background and
 * answers at once with what it holds.
 */
const REFRESH_WINDOW_MS = 5 * 60_000;
/** Credentials this close to expiry are not used: a request signed with them could arrive after it. */
const EXPIRY_MARGIN_MS = 15_000;
/** Within the refresh window, the provider is asked at most this often. */
const PEEK_INTERVAL_MS = 5_000;
/** A failed resolution's error answers the calls that must wait for this long, rather than each asking again. */
const FAILURE_HOLD_MS = 1_000;
const noop = () => undefined;

/**
 * A credential provider in front of the signer. It keeps the credentials last resolved, and:
 * - while they are good for more than {@link REFRESH_WINDOW_MS}, signs with them and asks nothing;
 * - within that window, signs with them and asks the provider at most every
 *   {@link PEEK_INTERVAL_MS} without waiting (the SDK's chain refreshes in the background then, and
 *   answers at once), taking what it answers;
 * - with none, or none good for {@link EXPIRY_MARGIN_MS} more, resolves (one resolution at a time,
 *   shared), and callers wait for it, each no longer than its signal. It takes what the provider
 *   holds if that is good for longer (the SDK's chain may have refreshed in the background, or for
 *   another client), else asks it past its cache (`forceRefresh`). A failure answers the calls
 *   that must wait for {@link FAILURE_HOLD_MS}. (The production provider gives up on a resolution
 *   that hangs: src/adapters/aws/credentials.ts.)
 * A failure says so (AwsCredentialsError), so that it is told apart from a defect.
 */
class Credentials {
  readonly #provider: AwsCredentialIdentityProvider;
  #current: { identity: Promise<AwsCredentialIdentity>; freshUntil: number; usableUntil: number } | null = null;
  #resolving: Promise<AwsCredentialIdentity> | null = null;
  #nextPeek = -Infinity;
  #failed: { error: AwsCredentialsError; until: number } | null = null;

  constructor(provider: AwsCredentialIdentityProvider) {
    this.#provider = provider;
  }

  /** For the signer: the credentials at hand (sign() made sure they are usable), else a resolution. */
  readonly identity = (): Promise<AwsCredentialIdentity> => this.#current?.identity ?? this.#resolve();

  /**
   * Null when the credentials at hand serve (asking the provider in the background within the
   * refresh window), else the resolution to wait for.
   */
  usable(now: number): Promise<AwsCredentialIdentity> | null {
    const current = this.#current;
    if (!current || now >= current.usableUntil) return this.#resolve();
    if (now >= current.freshUntil && now >= this.#nextPeek) {
      this.#nextPeek = now + PEEK_INTERVAL_MS;
      Promise.resolve()
        .then(() => this.#provider())
        .then((identity) => this.#take(identity))
        .catch(noop); // a failure here is no caller's: the next that must wait sees its own
    }
    return null;
  }

  #take(identity: AwsCredentialIdentity | undefined): AwsCredentialIdentity {
    const expires = expiryOf(identity);
    this.#current = {
      identity: Promise.resolve(identity!),
      freshUntil: expires - REFRESH_WINDOW_MS,
      usableUntil: expires - EXPIRY_MARGIN_MS,
    };
    return identity!;
  }

  #resolve(): Promise<AwsCredentialIdentity> {
    if (this.#resolving) return this.#resolving;
    if (this.#failed && Date.now() < this.#failed.until) return Promise.reject(this.#failed.error);
    // Through `then`, so that a provider that throws instead of rejecting fails like any other.
    const resolving = Promise.resolve()
      .then(() => this.#provider())
      .then((held) => (expiryOf(held) - EXPIRY_MARGIN_MS > Date.now() ? held : this.#provider({ forceRefresh: true })))
      .then((identity) => {
        this.#failed = null;
        return this.#take(identity);
      })
      .catch((cause: unknown) => {
        const error = new AwsCredentialsError(cause);
        this.#failed = { error, until: Date.now() + FAILURE_HOLD_MS };
        throw error;
      })
      .finally(() => {
        this.#resolving = null;
      });
    resolving.catch(noop); // every caller handles it; the signer's own call may not come
    return (this.#resolving = resolving);
  }
}

/** When credentials expire (this host's clock; Infinity for none), or a TypeError for an answer that is not credentials. */
function expiryOf(identity: AwsCredentialIdentity | undefined): number {
  if (typeof identity?.accessKeyId !== 'string' || typeof identity.secretAccessKey !== 'string') {
    throw new TypeError('The credential source answered without an access key id and a secret access key.');
  }
  if (identity.expiration === undefined) return Infinity;
  const expires = identity.expiration instanceof Date ? identity.expiration.getTime() : NaN;
  if (Number.isNaN(expires))
    throw new TypeError('The credential source answered with an expiration that is not a date.');
  return expires;
}

export function createSigner(options: {
  service: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}): Signer {
  const provider = options.credentials;
  const memo = typeof provider === 'function' ? new Credentials(provider) : null;
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: memo ? memo.identity : (provider as AwsCredentialIdentity),
    sha256,
  });
  return {
    async sign(target, signingDate, signal) {
      if (memo) {
        // The provider (IMDS, STS, SSO, a container endpoint) may be slow or hang: a caller gone
        // starts nothing, and one waiting waits no longer than it may. The resolution is shared,
        // and goes on for the calls after it.
        if (signal?.aborted) throw abortedBeforeSending(signal);
        const pending = memo.usable(Date.now());
        if (pending) await (signal ? unlessAborted(pending, signal, () => abortedBeforeSending(signal)) : pending);
      }
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
