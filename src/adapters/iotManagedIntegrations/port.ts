/**
 * What the schema needs from AWS IoT Managed Integrations, in the schema's own terms.
 * Implementations: the sandbox (sandbox.ts) and, when configured, the real client.
 */
import type { CallOptions, FieldFailure, Page } from '../types.ts';

export type ConnectorDestinationAuthType = 'OAUTH';
export type TokenEndpointAuthenticationScheme = 'HTTP_BASIC' | 'REQUEST_BODY_CREDENTIALS';
export type CloudConnectorType = 'LISTED' | 'UNLISTED';
export type CloudConnectorEndpointType = 'LAMBDA';

export interface SecretsManagerReferenceModel {
  arn: string;
  versionId: string;
}

export interface ProactiveRefreshTokenRenewalModel {
  enabled: boolean | null;
  daysBeforeRenewal: number | null;
}

export interface GeneralAuthorizationModel {
  authMaterialName: string;
  secretsManager: SecretsManagerReferenceModel;
}

export interface OAuthConfigModel {
  authUrl: string;
  tokenUrl: string;
  scope: string | null;
  tokenEndpointAuthenticationScheme: TokenEndpointAuthenticationScheme;
  oAuthCompleteRedirectUrl: string | null;
  proactiveRefreshTokenRenewal: ProactiveRefreshTokenRenewalModel | null;
}

export interface ConnectorDestinationAuthConfigModel {
  oAuth: OAuthConfigModel | FieldFailure | null;
  generalAuthorization: GeneralAuthorizationModel[];
}

/** The members only GetConnectorDestination returns. */
export interface ConnectorDestinationDetail {
  authType: ConnectorDestinationAuthType | null;
  authConfig: ConnectorDestinationAuthConfigModel | FieldFailure | null;
  secretsManager: SecretsManagerReferenceModel | FieldFailure | null;
  oAuthCompleteRedirectUrl: string | null;
}

export interface ConnectorDestinationModel {
  id: string;
  name: string | null;
  description: string | null;
  cloudConnectorId: string | null;
  /** Null for list summaries: resolving a detail field then costs one GetConnectorDestination. */
  detail: ConnectorDestinationDetail | null;
}

export interface CloudConnectorModel {
  id: string;
  name: string;
  description: string | null;
  type: CloudConnectorType | null;
  endpointType: CloudConnectorEndpointType | null;
  lambdaArn: string | null;
}

export interface ListConnectorDestinationsInput {
  cloudConnectorId?: string | undefined;
  /** 1..1000 upstream; the schema allows 1..100. */
  maxResults: number;
  nextToken?: string | undefined;
}

export interface ListCloudConnectorsInput {
  maxResults: number;
  nextToken?: string | undefined;
}

export interface IotManagedIntegrationsPort {
  /** GetConnectorDestination; null when it does not exist. */
  getConnectorDestination(id: string, options?: CallOptions): Promise<ConnectorDestinationModel | null>;
  /** ListConnectorDestinations; items are summaries (`detail: null`). */
  listConnectorDestinations(
    input: ListConnectorDestinationsInput,
    options?: CallOptions,
  ): Promise<Page<ConnectorDestinationModel>>;
  /** GetCloudConnector; null when it does not exist. */
  getCloudConnector(id: string, options?: CallOptions): Promise<CloudConnectorModel | null>;
  /** ListCloudConnectors. */
  listCloudConnectors(input: ListCloudConnectorsInput, options?: CallOptions): Promise<Page<CloudConnectorModel>>;
}

/** The upstream operation behind each port method (for limits, logs and "not configured" errors). */
export const IOT_MANAGED_INTEGRATIONS_OPERATIONS = {
  getConnectorDestination: 'GetConnectorDestination',
  listConnectorDestinations: 'ListConnectorDestinations',
  getCloudConnector: 'GetCloudConnector',
  listCloudConnectors: 'ListCloudConnectors',
} as const satisfies Record<keyof IotManagedIntegrationsPort, string>;
