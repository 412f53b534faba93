import type { QueryResolvers } from '../__generated__/resolvers-types.ts';
import { cursorScope } from '../cursor.ts';
import { appFabricIdentifier, conductorOneId, iotManagedIntegrationsId, pageSize } from '../validation.ts';
import { loadConnection } from './connection.ts';

/** IMI ListConnectorDestinations accepts MaxResults up to 1000; AppFabric up to 100. */
const IMI_MAX_RESULTS = 1000;
const APPFABRIC_MAX_RESULTS = 100;

export const Query: QueryResolvers = {
  connectorDestination(_root, { id }, { loaders }) {
    return loaders.connectorDestinationById.load(iotManagedIntegrationsId(id, 'id'));
  },

  connectorDestinations(_root, { cloudConnectorId, first, after }, { adapters, callOptions }) {
    const filter =
      cloudConnectorId == null ? undefined : iotManagedIntegrationsId(cloudConnectorId, 'cloudConnectorId');
    return loadConnection({
      first: pageSize(first),
      after,
      scope: cursorScope('connectorDestinations', filter),
      upstreamMaxResults: IMI_MAX_RESULTS,
      fetchPage: (maxResults, nextToken) =>
        adapters.iotManagedIntegrations.listConnectorDestinations(
          { cloudConnectorId: filter, maxResults, nextToken },
          callOptions,
        ),
    });
  },

  connectorCredential(_root, { appId, connectorId, id }, { loaders }) {
    return loaders.credentialByKey.load({
      appId: conductorOneId(appId, 'appId'),
      connectorId: conductorOneId(connectorId, 'connectorId'),
      id: conductorOneId(id, 'id'),
    });
  },

  appAuthorization(_root, { appBundleIdentifier, appAuthorizationIdentifier }, { loaders }) {
    return loaders.appAuthorizationByRef.load({
      appBundleIdentifier: appFabricIdentifier(appBundleIdentifier, 'appBundleIdentifier'),
      appAuthorizationIdentifier: appFabricIdentifier(appAuthorizationIdentifier, 'appAuthorizationIdentifier'),
    });
  },

  appAuthorizations(_root, { appBundleIdentifier, first, after }, { adapters, callOptions }) {
    const bundle = appFabricIdentifier(appBundleIdentifier, 'appBundleIdentifier');
    return loadConnection({
      first: pageSize(first),
      after,
      scope: cursorScope('appAuthorizations', bundle),
      upstreamMaxResults: APPFABRIC_MAX_RESULTS,
      fetchPage: (maxResults, nextToken) =>
        adapters.appFabric.listAppAuthorizations({ appBundleIdentifier: bundle, maxResults, nextToken }, callOptions),
    });
  },
};
