/**
 * What the schema needs from AWS AppFabric, in the schema's own terms.
 */
import type { CallOptions, Page } from '../types.ts';

export type AppAuthorizationStatus =
  'PENDING_CONNECT' | 'CONNECTED' | 'CONNECTION_VALIDATION_FAILED' | 'TOKEN_AUTO_ROTATION_FAILED';
export type AppAuthorizationAuthType = 'OAUTH2' | 'API_KEY';
export type AppAuthorizationPersona = 'ADMIN' | 'END_USER';

/** The members only GetAppAuthorization returns (absent from summaries). */
export interface AppAuthorizationDetail {
  authType: AppAuthorizationAuthType | null;
  authUrl: string | null;
  persona: AppAuthorizationPersona | null;
  createdAt: string | null;
}

export interface TenantModel {
  tenantIdentifier: string;
  tenantDisplayName: string;
}

export interface AppAuthorizationModel {
  /** appAuthorizationArn, the entity key. */
  arn: string;
  appBundleArn: string;
  app: string;
  tenant: TenantModel;
  status: AppAuthorizationStatus;
  updatedAt: string;
  /** Null for summaries: resolving a detail field then costs one GetAppAuthorization. */
  detail: AppAuthorizationDetail | null;
}

export interface AppAuthorizationRef {
  /** ARN or lower-case UUID. */
  appBundleIdentifier: string;
  /** ARN or lower-case UUID. */
  appAuthorizationIdentifier: string;
}

export interface ListAppAuthorizationsInput {
  appBundleIdentifier: string;
  /** 1..100. */
  maxResults: number;
  nextToken?: string | undefined;
}

export interface ConnectAppAuthorizationInput extends AppAuthorizationRef {
  authRequest?: { redirectUri: string; code: string } | undefined;
}

export type ConnectFailureCode = 'INVALID_INPUT' | 'NOT_FOUND' | 'ACCESS_DENIED' | 'OUTCOME_UNKNOWN';

export interface ConnectFailure {
  code: ConnectFailureCode;
  /** Never contains the code or upstream text. */
  message: string;
  /** Path into the mutation's input, e.g. `["input", "authRequest", "code"]`. */
  field: string[] | null;
}

/**
 * Expected outcomes of the connect step are returned, not thrown; failures that leave the code
 * unconsumed (throttling after retries, a connection never made) are thrown as registry errors.
 */
export type ConnectAppAuthorizationResult =
  | { ok: true; appAuthorization: AppAuthorizationModel }
  | {
      ok: false;
      errors: ConnectFailure[];
      /** With OUTCOME_UNKNOWN from the send: when the code went out (wall-clock milliseconds). */
      sentAt?: number;
    };

/**
 * The answer to a connect whose outcome the send could not tell (a 5xx, a reset, a timeout, a 200
 * without a summary). connectOnce.ts then reads the authorization's status, and keeps this answer
 * unless the status proves the code worked.
 */
export const OUTCOME_UNKNOWN: ConnectFailure = {
  code: 'OUTCOME_UNKNOWN',
  message:
    'AppFabric failed after it may have used the authorization code, and the authorization is not connected. ' +
    'Start the authorization flow again to get a fresh code.',
  field: null,
};

/** Whether a connect's answer leaves its outcome unknown (OUTCOME_UNKNOWN). */
export const isOutcomeUnknown = (result: ConnectAppAuthorizationResult): boolean =>
  !result.ok && result.errors.some((error) => error.code === 'OUTCOME_UNKNOWN');

export interface AppFabricPort {
  /** GetAppAuthorization; null when the bundle or authorization does not exist. */
  getAppAuthorization(ref: AppAuthorizationRef, options?: CallOptions): Promise<AppAuthorizationModel | null>;
  /** ListAppAuthorizations; items are summaries (`detail: null`). */
  listAppAuthorizations(input: ListAppAuthorizationsInput, options?: CallOptions): Promise<Page<AppAuthorizationModel>>;
  /** ConnectAppAuthorization, the OAuth2 code step. Sends the code at most once. */
  connectAppAuthorization(
    input: ConnectAppAuthorizationInput,
    options?: CallOptions,
  ): Promise<ConnectAppAuthorizationResult>;
}

/** The upstream operation behind each port method. */
export const APPFABRIC_OPERATIONS = {
  getAppAuthorization: 'GetAppAuthorization',
  listAppAuthorizations: 'ListAppAuthorizations',
  connectAppAuthorization: 'ConnectAppAuthorization',
} as const satisfies Record<keyof AppFabricPort, string>;

/**
 * Splits an app authorization ARN into the identifiers GetAppAuthorization takes. The resource
 * part is `appbundle/<bundle>/appauthorization/<authorization>` (Service Authorization Reference),
 * so the bundle ARN is the ARN cut before `/appauthorization/`. Null when the ARN has another shape.
 */
/** The last path segment of an ARN, or the UUID itself: the same resource whichever form names it. */
export const idOf = (identifier: string): string => identifier.slice(identifier.lastIndexOf('/') + 1);

export function refFromAppAuthorizationArn(
  arn: string,
): { appBundleIdentifier: string; appAuthorizationIdentifier: string } | null {
  const match = /^(arn:[^:]+:appfabric:[^:]*:[^:]*:appbundle\/[^/]+)\/appauthorization\/[^/]+$/.exec(arn);
  if (!match?.[1]) return null;
  return { appBundleIdentifier: match[1], appAuthorizationIdentifier: arn };
}
