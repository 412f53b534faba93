/**
 * IoT Managed Integrations output shapes → port models. Member names follow the service model
 * exactly (aws-api.md §1.4): note the top-level PascalCase `OAuthCompleteRedirectUrl` beside the
 * camelCase `oAuth.oAuthCompleteRedirectUrl`, and `enabled` beside `DaysBeforeRenewal`.
 */
import {
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalString,
  requiredEnum,
  requiredString,
  settle,
  type Unusable,
} from '../mappingHelpers.ts';
import type {
  CloudConnectorEndpointType,
  CloudConnectorModel,
  CloudConnectorType,
  ConnectorDestinationAuthConfigModel,
  ConnectorDestinationAuthType,
  ConnectorDestinationModel,
  OAuthConfigModel,
  SecretsManagerReferenceModel,
  TokenEndpointAuthenticationScheme,
} from './port.ts';
import type {
  AuthConfig,
  ConnectorDestinationSummary,
  ConnectorItem,
  GetConnectorDestinationCommandOutput,
  OAuthConfig,
  SecretsManager,
} from './types.ts';

const AUTH_TYPE: Record<string, ConnectorDestinationAuthType> = { OAUTH: 'OAUTH' };
const TOKEN_ENDPOINT_SCHEME: Record<string, TokenEndpointAuthenticationScheme> = {
  HTTP_BASIC: 'HTTP_BASIC',
  REQUEST_BODY_CREDENTIALS: 'REQUEST_BODY_CREDENTIALS',
};
const CLOUD_CONNECTOR_TYPE: Record<string, CloudConnectorType> = { LISTED: 'LISTED', UNLISTED: 'UNLISTED' };
const ENDPOINT_TYPE: Record<string, CloudConnectorEndpointType> = { LAMBDA: 'LAMBDA' };

/** A list item (ConnectorDestinationSummary): no auth members, so `detail` is null. */
export function toConnectorDestinationSummary(
  wire: ConnectorDestinationSummary,
  fallbackId?: string,
): ConnectorDestinationModel {
  return {
    id: requiredString(wire.Id ?? fallbackId, 'ConnectorDestination.Id'),
    name: optionalString(wire.Name),
    description: optionalString(wire.Description),
    cloudConnectorId: optionalString(wire.CloudConnectorId),
    detail: null,
  };
}

/**
 * A GetConnectorDestination response. `requestedId` stands in for an absent `Id`. A nested member
 * that cannot be mapped fails only the nullable field that holds it (`authConfig.oAuth`,
 * `authConfig`, `secretsManager`), so that `{ name }` still comes back when AWS adds, say, a token
 * endpoint scheme this schema does not know.
 */
export function toConnectorDestination(
  wire: GetConnectorDestinationCommandOutput,
  requestedId: string,
  unusable: Unusable,
): ConnectorDestinationModel {
  const authConfig = wire.AuthConfig;
  const secretsManager = wire.SecretsManager;
  return {
    ...toConnectorDestinationSummary(wire, requestedId),
    detail: {
      authType: optionalEnum(AUTH_TYPE, wire.AuthType),
      authConfig: authConfig ? settle(() => toAuthConfig(authConfig, unusable), unusable) : null,
      secretsManager: secretsManager
        ? settle(() => toSecretsManagerReference(secretsManager, 'SecretsManager'), unusable)
        : null,
      oAuthCompleteRedirectUrl: optionalString(wire.OAuthCompleteRedirectUrl),
    },
  };
}

function toAuthConfig(wire: AuthConfig, unusable: Unusable): ConnectorDestinationAuthConfigModel {
  const oAuth = wire.oAuth;
  return {
    oAuth: oAuth ? settle(() => toOAuthConfig(oAuth), unusable) : null,
    generalAuthorization: (wire.GeneralAuthorization ?? []).map((material, i) => ({
      authMaterialName: requiredString(material.AuthMaterialName, `GeneralAuthorization[${i}].AuthMaterialName`),
      secretsManager: toSecretsManagerReference(material.SecretsManager, `GeneralAuthorization[${i}].SecretsManager`),
    })),
  };
}

function toOAuthConfig(wire: OAuthConfig): OAuthConfigModel {
  const renewal = wire.proactiveRefreshTokenRenewal;
  return {
    authUrl: requiredString(wire.authUrl, 'oAuth.authUrl'),
    tokenUrl: requiredString(wire.tokenUrl, 'oAuth.tokenUrl'),
    scope: optionalString(wire.scope),
    tokenEndpointAuthenticationScheme: requiredEnum(
      TOKEN_ENDPOINT_SCHEME,
      wire.tokenEndpointAuthenticationScheme,
      'oAuth.tokenEndpointAuthenticationScheme',
    ),
    oAuthCompleteRedirectUrl: optionalString(wire.oAuthCompleteRedirectUrl),
    proactiveRefreshTokenRenewal: renewal
      ? { enabled: optionalBoolean(renewal.enabled), daysBeforeRenewal: optionalInteger(renewal.DaysBeforeRenewal) }
      : null,
  };
}

function toSecretsManagerReference(wire: SecretsManager | undefined, what: string): SecretsManagerReferenceModel {
  return {
    arn: requiredString(wire?.arn, `${what}.arn`),
    versionId: requiredString(wire?.versionId, `${what}.versionId`),
  };
}

/** A GetCloudConnector response or a ListCloudConnectors item. */
export function toCloudConnector(wire: ConnectorItem, requestedId?: string): CloudConnectorModel {
  return {
    id: requiredString(wire.Id ?? requestedId, 'CloudConnector.Id'),
    name: requiredString(wire.Name, 'CloudConnector.Name'),
    description: optionalString(wire.Description),
    type: optionalEnum(CLOUD_CONNECTOR_TYPE, wire.Type),
    endpointType: optionalEnum(ENDPOINT_TYPE, wire.EndpointType),
    lambdaArn: optionalString(wire.EndpointConfig?.lambda?.arn),
  };
}
