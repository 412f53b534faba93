/**
 * What the schema needs from ConductorOne, in the schema's own terms. No model here has a field
 * for the credential's client secret.
 */
import { fieldValue, type CallOptions, type FieldFailure } from '../types.ts';

export type ConnectorSyncStatus = 'UNSPECIFIED' | 'RUNNING' | 'DONE' | 'ERROR' | 'DISABLED';
export type ConnectorCredentialStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

export interface ConnectorCredentialKey {
  appId: string;
  connectorId: string;
  id: string;
}

export interface ConnectorCredentialModel extends ConnectorCredentialKey {
  clientId: string | null;
  displayName: string | null;
  /** Timestamps: a FieldFailure when ConductorOne sent one that is not a timestamp (that field alone fails). */
  createdAt: string | FieldFailure | null;
  updatedAt: string | FieldFailure | null;
  deletedAt: string | FieldFailure | null;
  expiresTime: string | FieldFailure | null;
  lastUsedAt: string | FieldFailure | null;
}

export interface ConductorOneConnectorKey {
  appId: string;
  id: string;
}

export interface ConductorOneConnectorModel extends ConductorOneConnectorKey {
  displayName: string | null;
  description: string | null;
  syncStatus: ConnectorSyncStatus | null;
  syncLastError: string | null;
  syncCompletedAt: string | FieldFailure | null;
}

export interface ConductorOneAppModel {
  id: string;
  displayName: string | null;
  description: string | null;
  iconUrl: string | null;
}

export interface ConductorOnePort {
  /** GetCredentials; null when it does not exist. */
  getCredential(key: ConnectorCredentialKey, options?: CallOptions): Promise<ConnectorCredentialModel | null>;
  /** GET /api/v1/apps/{app_id}/connectors/{id}; null when it does not exist. */
  getConnector(key: ConductorOneConnectorKey, options?: CallOptions): Promise<ConductorOneConnectorModel | null>;
  /**
   * POST /api/v1/search/apps with `appIds`, paging as needed. Returns the apps found, in any
   * order; ids that do not exist are simply absent.
   */
  searchAppsById(ids: readonly string[], options?: CallOptions): Promise<ConductorOneAppModel[]>;
}

/** The upstream operation behind each port method. */
export const CONDUCTORONE_OPERATIONS = {
  getCredential: 'GetCredentials',
  getConnector: 'GetConnector',
  searchAppsById: 'SearchApps',
} as const satisfies Record<keyof ConductorOnePort, string>;

/**
 * REVOKED when deletedAt is set, EXPIRED when expiresTime is past, else ACTIVE. A deletedAt that is
 * not a timestamp is still set; an expiresTime that is not one, on a credential not revoked, leaves
 * the status unknown: its failure is thrown.
 */
export function deriveCredentialStatus(
  credential: Pick<ConnectorCredentialModel, 'deletedAt' | 'expiresTime'>,
  now: Date,
): ConnectorCredentialStatus {
  if (credential.deletedAt !== null) return 'REVOKED';
  const expiresTime = fieldValue(credential.expiresTime);
  if (expiresTime !== null && Date.parse(expiresTime) <= now.getTime()) return 'EXPIRED';
  return 'ACTIVE';
}
