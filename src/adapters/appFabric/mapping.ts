/**
 * AppFabric output shapes → port models. Wire enums are mixed case (`PendingConnect`, `oauth2`,
 * `endUser`); the schema's are upper snake case (aws-api.md §6.2).
 */
import {
  optionalDateTime,
  optionalEnum,
  optionalString,
  requiredDateTime,
  requiredEnum,
  requiredString,
} from '../mappingHelpers.ts';
import type {
  AppAuthorizationAuthType,
  AppAuthorizationModel,
  AppAuthorizationPersona,
  AppAuthorizationStatus,
} from './port.ts';
import type { AppAuthorization, AppAuthorizationSummary } from './types.ts';

const STATUS: Record<string, AppAuthorizationStatus> = {
  PendingConnect: 'PENDING_CONNECT',
  Connected: 'CONNECTED',
  ConnectionValidationFailed: 'CONNECTION_VALIDATION_FAILED',
  TokenAutoRotationFailed: 'TOKEN_AUTO_ROTATION_FAILED',
};
const AUTH_TYPE: Record<string, AppAuthorizationAuthType> = { oauth2: 'OAUTH2', apiKey: 'API_KEY' };
const PERSONA: Record<string, AppAuthorizationPersona> = { admin: 'ADMIN', endUser: 'END_USER' };

/** An AppAuthorizationSummary (List and Connect responses): `detail` is null. */
export function toAppAuthorizationSummary(wire: AppAuthorizationSummary): AppAuthorizationModel {
  return {
    arn: requiredString(wire.appAuthorizationArn, 'appAuthorizationArn'),
    appBundleArn: requiredString(wire.appBundleArn, 'appBundleArn'),
    app: requiredString(wire.app, 'app'),
    tenant: {
      tenantIdentifier: requiredString(wire.tenant?.tenantIdentifier, 'tenant.tenantIdentifier'),
      tenantDisplayName: requiredString(wire.tenant?.tenantDisplayName, 'tenant.tenantDisplayName'),
    },
    status: requiredEnum(STATUS, wire.status, 'status'),
    updatedAt: requiredDateTime(wire.updatedAt, 'updatedAt'),
    detail: null,
  };
}

/** A full AppAuthorization (GetAppAuthorization). */
export function toAppAuthorization(wire: AppAuthorization): AppAuthorizationModel {
  return {
    ...toAppAuthorizationSummary(wire),
    detail: {
      authType: optionalEnum(AUTH_TYPE, wire.authType),
      authUrl: optionalString(wire.authUrl),
      persona: optionalEnum(PERSONA, wire.persona),
      createdAt: optionalDateTime(wire.createdAt, 'createdAt'),
    },
  };
}

const AUTH_REQUEST_MEMBERS = new Set(['redirectUri', 'code']);
const INPUT_MEMBERS = new Set(['appBundleIdentifier', 'appAuthorizationIdentifier', 'authRequest']);

/**
 * Maps a ValidationException `fieldList[].name` to a path into the mutation's input:
 * `authRequest.code` and `code` both become `["input", "authRequest", "code"]`. Names this
 * subgraph does not know map to `["input"]`.
 */
export function inputPathFromAppFabricField(name: string | undefined): string[] {
  const parts = (name ?? '').split(/[./]/).filter((p) => p !== '');
  if (parts.length === 1 && AUTH_REQUEST_MEMBERS.has(parts[0]!)) return ['input', 'authRequest', parts[0]!];
  if (parts.length > 0 && INPUT_MEMBERS.has(parts[0]!)) {
    if (parts[0] !== 'authRequest' || parts.length === 1 || AUTH_REQUEST_MEMBERS.has(parts[1]!)) {
      return ['input', ...parts.slice(0, 2)];
    }
  }
  return ['input'];
}
