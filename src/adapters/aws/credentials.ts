/**
 * AWS credentials for the real clients: the SDK's default Node provider chain (environment,
 * shared config and credentials files with profiles and SSO, web identity / IRSA, ECS container
 * credentials, EC2 instance metadata). It resolves lazily on the first signed request, caches, and
 * refreshes credentials that expire within five minutes, as every official client does.
 *
 * The chain holds one resolution at a time (one more for `forceRefresh`) and hands it to every
 * caller, so a request of its sources that never answers would hold every call's credentials for
 * good. Two bounds:
 * - the STS and SSO clients' requests time out ({@link CREDENTIAL_REQUEST_TIMEOUTS}; the SDK sets
 *   none), per attempt;
 * - a resolution that has not answered within {@link CREDENTIALS_TIMEOUT_MS} fails, and the chain
 *   is made anew, so the next call starts a fresh resolution instead of waiting on the hung one.
 *   The container source, for one, has a 1 s request timeout that only logs a warning.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from './signing.ts';

/** The STS and SSO clients' connection and request timeouts, in milliseconds; a timeout fails the request. */
export const CREDENTIAL_REQUEST_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

/**
 * How long one resolution of the chain may take before it is given up: above STS's worst case
 * (three attempts of up to 10 s each, with the retry delays between them).
 */
export const CREDENTIALS_TIMEOUT_MS = 40_000;

/** A resolution took longer than its timeout. */
class CredentialsTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(ms: number) {
    super(`The credential sources did not answer within ${ms} ms.`);
  }
}

export function createAwsCredentialProvider({
  requests = CREDENTIAL_REQUEST_TIMEOUTS,
  resolutionTimeoutMs = CREDENTIALS_TIMEOUT_MS,
}: {
  requests?: { connectionTimeout: number; requestTimeout: number };
  resolutionTimeoutMs?: number;
} = {}): AwsCredentialIdentityProvider {
  const build = () =>
    fromNodeProviderChain({ clientConfig: { requestHandler: { ...requests, throwOnRequestTimeout: true } } });
  let chain = build();
  return (options) => {
    const used = chain;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Later calls start afresh rather than wait on the hung resolution's lock. The hung
        // request stays open (the SDK's sources take no abort signal): one socket per give-up.
        if (chain === used) chain = build();
        reject(new CredentialsTimeoutError(resolutionTimeoutMs));
      }, resolutionTimeoutMs);
      timer.unref();
    });
    return Promise.race([used(options), timeout]).finally(() => clearTimeout(timer));
  };
}
