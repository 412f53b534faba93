/**
 * ConductorOne JSON → port models. Parsing is defensive (conductorone-api.md §7): absent, `null`
 * and `""` all mean empty; unknown fields are dropped because only named fields are copied; the
 * credential's `clientSecret` is never read.
 */
import { optionalDateTime, optionalEnum, UpstreamDataError } from '../mappingHelpers.ts';
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

function dateTime(value: unknown, what: string): string | null {
  return optionalDateTime(text(value), what);
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
    createdAt: dateTime(wire.createdAt, 'createdAt'),
    updatedAt: dateTime(wire.updatedAt, 'updatedAt'),
    deletedAt: dateTime(wire.deletedAt, 'deletedAt'),
    expiresTime: dateTime(wire.expiresTime, 'expiresTime'),
    lastUsedAt: dateTime(wire.lastUsedAt, 'lastUsedAt'),
  };
}

/** A `connectorView.connector`. */
export function toConductorOneConnector(
  wire: ConnectorWire,
  key: ConductorOneConnectorKey,
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
    syncCompletedAt: dateTime(status?.completedAt, 'status.completedAt'),
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
