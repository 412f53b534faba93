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
import { loader, type LoaderSettings } from './options.ts';

/** ConductorOne has no batch read for credentials or connectors: fan out this many at a time. */
const FAN_OUT = 8;
/** POST /api/v1/search/apps takes up to 100 results a page. */
const APPS_SEARCH_PAGE = 100;

export function createConductorOneLoaders(port: ConductorOnePort, options: CallOptions, settings: LoaderSettings) {
  const loaders = {
    /** GetCredentials by (appId, connectorId, id). */
    credentialByKey: loader<ConnectorCredentialKey, ConnectorCredentialModel | null, string>(
      settings,
      async function loadCredentialsByKey(keys) {
        return fanOut(keys, FAN_OUT, (key) => port.getCredential(key, options));
      },
      { name: 'credentialByKey', maxBatchSize: 100, cacheKeyFn: (k) => JSON.stringify([k.appId, k.connectorId, k.id]) },
    ),
    /** GET connector by (appId, id), de-duplicated across the request. */
    connectorByKey: loader<ConductorOneConnectorKey, ConductorOneConnectorModel | null, string>(
      settings,
      async function loadConnectorsByKey(keys) {
        return fanOut(keys, FAN_OUT, (key) => port.getConnector(key, options));
      },
      { name: 'connectorByKey', maxBatchSize: 100, cacheKeyFn: (k) => JSON.stringify([k.appId, k.id]) },
    ),
    /** Apps by id: one apps search per batch. */
    appById: loader<string, ConductorOneAppModel | null>(
      settings,
      async function loadAppsById(ids) {
        const apps = await port.searchAppsById(ids, options);
        const byId = new Map(apps.map((app) => [app.id, app]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { name: 'appById', maxBatchSize: APPS_SEARCH_PAGE },
    ),
  };
  return {
    ...loaders,
    /**
     * A credential by key, and, when the query selects them, the reads of its app and connector
     * started alongside its own rather than after it: the key names both (a credential's appId and
     * connectorId are its key's, mapping.ts checks it), so a lookup takes one round of upstream
     * latency instead of two, and a batch of credentials is read with its connectors and apps at
     * once. Their resolvers then find the reads in the loaders' cache. Without batching (the N+1
     * baseline) there is no cache to find them in, so nothing is started ahead.
     */
    credentialWithRelated(key: ConnectorCredentialKey, related: { app: boolean; connector: boolean }) {
      if (settings.batching) {
        // Failures surface where the fields are resolved (from the cache); unread, they are dropped.
        if (related.app) loaders.appById.load(key.appId).catch(ignore);
        if (related.connector) loaders.connectorByKey.load({ appId: key.appId, id: key.connectorId }).catch(ignore);
      }
      return loaders.credentialByKey.load(key);
    },
  };
}

const ignore = () => undefined;
