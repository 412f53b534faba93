/**
 * Input and output shapes of the IoT Managed Integrations operations this subgraph uses, named and
 * cased exactly as in `@aws-sdk/client-iot-managed-integrations` (API 2025-03-03). The service model
 * mixes PascalCase and camelCase members; they are kept as they are.
 *
 * The official package cannot be installed here. Replacing this file with re-exports from it
 * (`export type { GetConnectorDestinationCommandInput, … } from '@aws-sdk/client-iot-managed-integrations'`)
 * is the whole swap on the type side.
 */

export type AuthType = 'OAUTH';
export type TokenEndpointAuthenticationScheme = 'HTTP_BASIC' | 'REQUEST_BODY_CREDENTIALS';
export type CloudConnectorType = 'LISTED' | 'UNLISTED';
export type EndpointType = 'LAMBDA';

export interface SecretsManager {
  arn: string | undefined;
  versionId: string | undefined;
}

export interface ProactiveRefreshTokenRenewal {
  enabled?: boolean | undefined;
  /** Capitalised in the service model, unlike `enabled`. */
  DaysBeforeRenewal?: number | undefined;
}

export interface OAuthConfig {
  authUrl: string | undefined;
  tokenUrl: string | undefined;
  scope?: string | undefined;
  tokenEndpointAuthenticationScheme: TokenEndpointAuthenticationScheme | string | undefined;
  oAuthCompleteRedirectUrl?: string | undefined;
  proactiveRefreshTokenRenewal?: ProactiveRefreshTokenRenewal | undefined;
}

export interface AuthMaterial {
  SecretsManager: SecretsManager | undefined;
  AuthMaterialName: string | undefined;
}

export interface AuthConfig {
  oAuth?: OAuthConfig | undefined;
  GeneralAuthorization?: AuthMaterial[] | undefined;
}

export interface ConnectorDestinationSummary {
  Name?: string | undefined;
  Description?: string | undefined;
  CloudConnectorId?: string | undefined;
  Id?: string | undefined;
}

export interface GetConnectorDestinationCommandInput {
  Identifier: string | undefined;
}

export interface GetConnectorDestinationCommandOutput extends ConnectorDestinationSummary {
  AuthType?: AuthType | string | undefined;
  AuthConfig?: AuthConfig | undefined;
  SecretsManager?: SecretsManager | undefined;
  OAuthCompleteRedirectUrl?: string | undefined;
}

export interface ListConnectorDestinationsCommandInput {
  CloudConnectorId?: string | undefined;
  NextToken?: string | undefined;
  MaxResults?: number | undefined;
}

export interface ListConnectorDestinationsCommandOutput {
  ConnectorDestinationList?: ConnectorDestinationSummary[] | undefined;
  NextToken?: string | undefined;
}

export interface EndpointConfig {
  lambda?: { arn: string | undefined } | undefined;
}

/** `ConnectorItem` in the model; GetCloudConnector returns the same members. */
export interface ConnectorItem {
  Name: string | undefined;
  EndpointConfig: EndpointConfig | undefined;
  Description?: string | undefined;
  EndpointType?: EndpointType | string | undefined;
  Id?: string | undefined;
  Type?: CloudConnectorType | string | undefined;
}

export interface GetCloudConnectorCommandInput {
  Identifier: string | undefined;
}

export type GetCloudConnectorCommandOutput = ConnectorItem;

export interface ListCloudConnectorsCommandInput {
  Type?: CloudConnectorType | undefined;
  LambdaArn?: string | undefined;
  MaxResults?: number | undefined;
  NextToken?: string | undefined;
}

export interface ListCloudConnectorsCommandOutput {
  Items?: ConnectorItem[] | undefined;
  NextToken?: string | undefined;
}
