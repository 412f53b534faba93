import DataLoader from 'dataloader';
import type {
  ConductorOneAppModel,
  ConductorOneConnectorKey,
  ConductorOneConnectorModel,
  ConductorOnePort,
  ConnectorCredentialKey,
  ConnectorCredentialModel,
} from '../adapters/conductorOne/port.ts';
import type { CallOptions } from '../adapters/types.ts';
import { fanOut } from './fanOut.ts';

/** ConductorOne has no batch read for credentials or connectors: fan out this many at a time. */
const FAN_OUT = 8;
/** POST /api/v1/search/apps takes up to 100 results a page. */
const APPS_SEARCH_PAGE = 100;

export function createConductorOneLoaders(port: ConductorOnePort, options: CallOptions) {
  return {
    /** GetCredentials by (appId, connectorId, id). */
    credentialByKey: new DataLoader<ConnectorCredentialKey, ConnectorCredentialModel | null, string>(
      async function loadCredentialsByKey(keys) {
        return fanOut(keys, FAN_OUT, (key) => port.getCredential(key, options));
      },
      { name: 'credentialByKey', maxBatchSize: 100, cacheKeyFn: (k) => JSON.stringify([k.appId, k.connectorId, k.id]) },
    ),
    /** GET connector by (appId, id), de-duplicated across the request. */
    connectorByKey: new DataLoader<ConductorOneConnectorKey, ConductorOneConnectorModel | null, string>(
      async function loadConnectorsByKey(keys) {
        return fanOut(keys, FAN_OUT, (key) => port.getConnector(key, options));
      },
      { name: 'connectorByKey', maxBatchSize: 100, cacheKeyFn: (k) => JSON.stringify([k.appId, k.id]) },
    ),
    /** Apps by id: one apps search per batch. */
    appById: new DataLoader<string, ConductorOneAppModel | null>(
      async function loadAppsById(ids) {
        const apps = await port.searchAppsById(ids, options);
        const byId = new Map(apps.map((app) => [app.id, app]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { name: 'appById', maxBatchSize: APPS_SEARCH_PAGE },
    ),
  };
}
