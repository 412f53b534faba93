/**
 * ConductorOne JSON → port models. Parsing is defensive (conductorone-api.md §7): absent, `null`
 * and `""` all mean empty; unknown fields are dropped because only named fields are copied; the
 * credential's `clientSecret` is never read.
 */
import { optionalDateTime, optionalEnum, UpstreamDataError, type Unusable } from '../mappingHelpers.ts';
import type { FieldFailure } from '../types.ts';
import type {
  ConductorOneAppModel,
  ConductorOneConnectorKey,
  ConductorOneConnectorModel,
  ConnectorCredentialKey,
  ConnectorCredentialModel,
  ConnectorSyncStatus,
} from './port.ts';
import type { AppWire, ConnectorCredentialWire, ConnectorWire } from './types.ts';

/** A non-empty string, or null for absent, null, "" or a non-string. */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A timestamp, or the failure of its field alone when it is not one (the rest of the entity is served). */
function dateTime(value: unknown, what: string, unusable: Unusable): string | FieldFailure | null {
  // Not through `settle`: five per credential, in batches of hundreds, so no closure each.
  try {
    return optionalDateTime(text(value), what);
  } catch (error) {
    if (error instanceof UpstreamDataError) return unusable(error);
    throw error;
  }
}

const SYNC_STATUS: Record<string, ConnectorSyncStatus> = {
  SYNC_STATUS_UNSPECIFIED: 'UNSPECIFIED',
  SYNC_STATUS_RUNNING: 'RUNNING',
  SYNC_STATUS_DONE: 'DONE',
  SYNC_STATUS_ERROR: 'ERROR',
  SYNC_STATUS_DISABLED: 'DISABLED',
};

/**
 * A GetCredentials `credential`. The key it was read by fills in absent key members; a key member
 * that contradicts the request is an upstream contract break.
 */
export function toConnectorCredential(
  wire: ConnectorCredentialWire,
  key: ConnectorCredentialKey,
  unusable: Unusable,
): ConnectorCredentialModel {
  const id = text(wire.id) ?? key.id;
  const appId = text(wire.appId) ?? key.appId;
  const connectorId = text(wire.connectorId) ?? key.connectorId;
  if (id !== key.id || appId !== key.appId || connectorId !== key.connectorId) {
    throw new UpstreamDataError('credential key does not match the request');
  }
  return {
    id,
    appId,
    connectorId,
    clientId: text(wire.clientId),
    displayName: text(wire.displayName),
    createdAt: dateTime(wire.createdAt, 'createdAt', unusable),
    updatedAt: dateTime(wire.updatedAt, 'updatedAt', unusable),
    deletedAt: dateTime(wire.deletedAt, 'deletedAt', unusable),
    expiresTime: dateTime(wire.expiresTime, 'expiresTime', unusable),
    lastUsedAt: dateTime(wire.lastUsedAt, 'lastUsedAt', unusable),
  };
}

/** A `connectorView.connector`. */
export function toConductorOneConnector(
  wire: ConnectorWire,
  key: ConductorOneConnectorKey,
  unusable: Unusable,
): ConductorOneConnectorModel {
  const id = text(wire.id) ?? key.id;
  const appId = text(wire.appId) ?? key.appId;
  if (id !== key.id || appId !== key.appId) throw new UpstreamDataError('connector key does not match the request');
  const status = wire.status ?? null;
  return {
    id,
    appId,
    displayName: text(wire.displayName),
    description: text(wire.description),
    syncStatus: optionalEnum(SYNC_STATUS, status?.status),
    syncLastError: text(status?.lastError),
    syncCompletedAt: dateTime(status?.completedAt, 'status.completedAt', unusable),
  };
}

/** An app from the apps search; null when it has no id (it cannot be matched to a key). */
export function toConductorOneApp(wire: AppWire): ConductorOneAppModel | null {
  const id = text(wire.id);
  if (id === null) return null;
  return {
    id,
    displayName: text(wire.displayName),
    description: text(wire.description),
    iconUrl: text(wire.iconUrl),
  };
}
