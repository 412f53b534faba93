/**
 * AWS credentials for the real clients: the SDK's default Node provider chain (environment,
 * shared config and credentials files with profiles and SSO, web identity / IRSA, ECS container
 * credentials, EC2 instance metadata). It resolves lazily on the first signed request, caches, and
 * refreshes credentials that expire within five minutes, as every official client does.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from './signing.ts';

export function createAwsCredentialProvider(): AwsCredentialIdentityProvider {
  return fromNodeProviderChain();
}
