import type { QueryResolvers } from '../__generated__/resolvers-types.ts';
import { cursorScope } from '../cursor.ts';
import { appFabricIdentifier, conductorOneId, iotManagedIntegrationsId, pageSize } from '../validation.ts';
import { isArnOfBundle, loadAppAuthorization } from './AppAuthorization.ts';
import { loadConnection } from './connection.ts';
import { DESTINATION_DETAIL_FIELDS } from './ConnectorDestination.ts';
import { loadCredential } from './ConnectorCredential.ts';
import { selectsAnyOf } from './selection.ts';

/** IMI ListConnectorDestinations accepts MaxResults up to 1000; AppFabric up to 100. */
const IMI_MAX_RESULTS = 1000;
const APPFABRIC_MAX_RESULTS = 100;

export const Query: QueryResolvers = {
  connectorDestination(_root, { id }, { loaders }, info) {
    const valid = iotManagedIntegrationsId(id, 'id');
    return selectsAnyOf(info, 'ConnectorDestination', DESTINATION_DETAIL_FIELDS)
      ? loaders.connectorDestinationById.load(valid)
      : loaders.connectorDestinationSummaryById.load(valid);
  },

  connectorDestinations(_root, { cloudConnectorId, first, after }, { adapters, callOptions, loaders, cursors }) {
    const filter =
      cloudConnectorId == null ? undefined : iotManagedIntegrationsId(cloudConnectorId, 'cloudConnectorId');
    return loadConnection({
      first: pageSize(first),
      after,
      scope: cursorScope('connectorDestinations', filter),
      cursors,
      upstreamMaxResults: IMI_MAX_RESULTS,
      // Another reference to a listed destination needing only summary members then costs nothing.
      fetchPage: (maxResults, nextToken) =>
        loaders.trackDestinationList(
          adapters.iotManagedIntegrations.listConnectorDestinations(
            { cloudConnectorId: filter, maxResults, nextToken },
            callOptions,
          ),
        ),
    });
  },

  connectorCredential(_root, { appId, connectorId, id }, context, info) {
    return loadCredential(context, info, {
      appId: conductorOneId(appId, 'appId'),
      connectorId: conductorOneId(connectorId, 'connectorId'),
      id: conductorOneId(id, 'id'),
    });
  },

  appAuthorization(_root, { appBundleIdentifier, appAuthorizationIdentifier }, context, info) {
    const ref = {
      appBundleIdentifier: appFabricIdentifier(appBundleIdentifier, 'appBundleIdentifier'),
      appAuthorizationIdentifier: appFabricIdentifier(appAuthorizationIdentifier, 'appAuthorizationIdentifier'),
    };
    // ARNs can use what a list already read; UUIDs need the Get that resolves them.
    return isArnOfBundle(ref.appBundleIdentifier, ref.appAuthorizationIdentifier)
      ? loadAppAuthorization(context, info, ref.appAuthorizationIdentifier)
      : context.loaders.appAuthorizationByRef.load(ref);
  },

  appAuthorizations(_root, { appBundleIdentifier, first, after }, { adapters, callOptions, loaders, cursors }) {
    const bundle = appFabricIdentifier(appBundleIdentifier, 'appBundleIdentifier');
    return loadConnection({
      first: pageSize(first),
      after,
      scope: cursorScope('appAuthorizations', bundle),
      cursors,
      upstreamMaxResults: APPFABRIC_MAX_RESULTS,
      fetchPage: (maxResults, nextToken) =>
        loaders.trackAuthorizationList(
          adapters.appFabric.listAppAuthorizations({ appBundleIdentifier: bundle, maxResults, nextToken }, callOptions),
        ),
    });
  },
};
