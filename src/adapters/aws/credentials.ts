/**
 * AWS credentials for the real clients: the SDK's default Node provider chain (environment,
 * shared config and credentials files with profiles and SSO, web identity / IRSA, ECS container
 * credentials, EC2 instance metadata). It resolves lazily on the first signed request, caches, and
 * refreshes credentials that expire within five minutes, as every official client does.
 *
 * The chain holds one resolution at a time and hands it to every caller, so a request of its own
 * that never answers would hold every call's credentials for good: the SDK's STS and SSO clients
 * set no request timeout. Theirs here are bounded ({@link CREDENTIAL_REQUEST_TIMEOUTS}); the
 * instance-metadata and container providers have timeouts of their own (1 s).
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from './signing.ts';

/** The STS and SSO clients' connection and request timeouts, in milliseconds; a timeout fails the request. */
export const CREDENTIAL_REQUEST_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

export function createAwsCredentialProvider(
  timeouts: { connectionTimeout: number; requestTimeout: number } = CREDENTIAL_REQUEST_TIMEOUTS,
): AwsCredentialIdentityProvider {
  return fromNodeProviderChain({
    clientConfig: { requestHandler: { ...timeouts, throwOnRequestTimeout: true } },
  });
}
