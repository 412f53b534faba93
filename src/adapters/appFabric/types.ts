/**
 * Input and output shapes of the AppFabric operations this subgraph uses, named and cased exactly
 * as in `@aws-sdk/client-appfabric` (API 2023-05-19). As in the official client, timestamps are
 * `Date` objects once deserialized (they travel as RFC 3339 strings).
 *
 * The official package cannot be installed here. Replacing this file with re-exports from it is
 * the whole swap on the type side.
 */

export type AppAuthorizationStatus =
  'PendingConnect' | 'Connected' | 'ConnectionValidationFailed' | 'TokenAutoRotationFailed';
export type AuthType = 'oauth2' | 'apiKey';
export type Persona = 'admin' | 'endUser';

export interface Tenant {
  tenantIdentifier: string | undefined;
  tenantDisplayName: string | undefined;
}

export interface AppAuthorizationSummary {
  appAuthorizationArn: string | undefined;
  appBundleArn: string | undefined;
  app: string | undefined;
  tenant: Tenant | undefined;
  status: AppAuthorizationStatus | string | undefined;
  updatedAt: Date | undefined;
}

export interface AppAuthorization extends AppAuthorizationSummary {
  authType: AuthType | string | undefined;
  createdAt: Date | undefined;
  persona?: Persona | string | undefined;
  authUrl?: string | undefined;
}

export interface GetAppAuthorizationCommandInput {
  appBundleIdentifier: string | undefined;
  appAuthorizationIdentifier: string | undefined;
}

export interface GetAppAuthorizationCommandOutput {
  appAuthorization: AppAuthorization | undefined;
}

export interface ListAppAuthorizationsCommandInput {
  appBundleIdentifier: string | undefined;
  maxResults?: number | undefined;
  nextToken?: string | undefined;
}

export interface ListAppAuthorizationsCommandOutput {
  appAuthorizationSummaryList: AppAuthorizationSummary[] | undefined;
  nextToken?: string | undefined;
}

export interface AuthRequest {
  redirectUri: string | undefined;
  code: string | undefined;
}

export interface ConnectAppAuthorizationCommandInput {
  appBundleIdentifier: string | undefined;
  appAuthorizationIdentifier: string | undefined;
  authRequest?: AuthRequest | undefined;
}

export interface ConnectAppAuthorizationCommandOutput {
  appAuthorizationSummary: AppAuthorizationSummary | undefined;
}

/** A member of ValidationException.fieldList. */
export interface ValidationExceptionField {
  name: string | undefined;
  message: string | undefined;
}
