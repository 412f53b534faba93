/**
 * ConductorOne /api/v1 JSON shapes this subgraph reads (conductorone-api.md §2). Every member is
 * optional and nullable on the wire, so each is typed `unknown` until the mapping checks it.
 * `clientSecret` is listed only so that the mapping can be seen to leave it behind.
 */

/** `c1.api.app.v1.ConnectorCredential`. */
export interface ConnectorCredentialWire {
  id?: unknown;
  appId?: unknown;
  connectorId?: unknown;
  clientId?: unknown;
  /** Sensitive. Never mapped. */
  clientSecret?: unknown;
  displayName?: unknown;
  createdAt?: unknown;
  updatedAt?: unknown;
  deletedAt?: unknown;
  expiresTime?: unknown;
  lastUsedAt?: unknown;
}

/** GetCredentials 200 body. */
export interface GetCredentialsResponseWire {
  credential?: ConnectorCredentialWire | null;
}

/** `c1.api.app.v1.Connector` (the members used here). */
export interface ConnectorWire {
  id?: unknown;
  appId?: unknown;
  displayName?: unknown;
  description?: unknown;
  status?: { status?: unknown; lastError?: unknown; completedAt?: unknown } | null;
}

/** GET /api/v1/apps/{app_id}/connectors/{id} 200 body. */
export interface GetConnectorResponseWire {
  connectorView?: { connector?: ConnectorWire | null } | null;
}

/** `c1.api.app.v1.App` (the members used here). */
export interface AppWire {
  id?: unknown;
  displayName?: unknown;
  description?: unknown;
  iconUrl?: unknown;
}

/** POST /api/v1/search/apps request body. */
export interface SearchAppsRequestWire {
  appIds?: string[];
  pageSize?: number;
  pageToken?: string;
}

/** POST /api/v1/search/apps 200 body. */
export interface SearchAppsResponseWire {
  list?: AppWire[] | null;
  nextPageToken?: unknown;
}
