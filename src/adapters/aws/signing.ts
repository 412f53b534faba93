/**
 * SigV4 signing for the AWS REST-JSON clients, on `@smithy/signature-v4` with Node's native
 * SHA-256 (`@smithy/hash-node`), exactly as the official SDK configures it for these services:
 * path labels are already percent-encoded and the signer encodes the path once more
 * (`uriEscapePath`, the default for every non-S3 service); the body is signed as a string;
 * `host` is set before signing to the Host header that goes on the wire.
 */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  ChecksumConstructor,
  SourceData,
} from '@smithy/types';

export type { AwsCredentialIdentity, AwsCredentialIdentityProvider };

/** A SHA-256 constructor in the shape the signer expects, backed by node:crypto. */
export class Sha256 extends Hash {
  constructor(secret?: SourceData) {
    super('sha256', secret);
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
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
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
