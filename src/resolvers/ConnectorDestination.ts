import type { ConnectorDestinationDetail, ConnectorDestinationModel } from '../adapters/iotManagedIntegrations/port.ts';
import { fieldValue } from '../adapters/types.ts';
import type { ConnectorDestinationResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { iotManagedIntegrationsId } from '../validation.ts';
import { selectsAnyOf } from './selection.ts';

/** Members only GetConnectorDestination returns; list summaries lack them. */
export const DESTINATION_DETAIL_FIELDS: ReadonlySet<string> = new Set([
  'authType',
  'authConfig',
  'secretsManager',
  'oAuthCompleteRedirectUrl',
]);

/** List summaries lack the auth members: read them with one (batched) GetConnectorDestination. */
async function detailOf(
  destination: ConnectorDestinationModel,
  { loaders }: Context,
): Promise<ConnectorDestinationDetail | null> {
  if (destination.detail) return destination.detail;
  return (await loaders.connectorDestinationById.load(destination.id))?.detail ?? null;
}

// A __resolveReference may throw synchronously (a malformed key): the `_entities` resolver
// (src/execution/jitGateway.ts, settleEntities) turns that into the one entity's error.
export const ConnectorDestination: ConnectorDestinationResolvers = {
  __resolveReference({ id }, { loaders }, info) {
    const valid = iotManagedIntegrationsId(id, 'id');
    return selectsAnyOf(info, 'ConnectorDestination', DESTINATION_DETAIL_FIELDS)
      ? loaders.connectorDestinationById.load(valid)
      : loaders.connectorDestinationSummaryById.load(valid);
  },
  cloudConnector({ cloudConnectorId }, _args, { loaders }) {
    return cloudConnectorId ? loaders.cloudConnectorById.load(cloudConnectorId) : null;
  },
  authType: async (destination, _args, context) => (await detailOf(destination, context))?.authType ?? null,
  // A member AWS sent in a shape this subgraph cannot use fails its own field only (FieldFailure).
  authConfig: async (destination, _args, context) =>
    fieldValue((await detailOf(destination, context))?.authConfig ?? null),
  secretsManager: async (destination, _args, context) =>
    fieldValue((await detailOf(destination, context))?.secretsManager ?? null),
  oAuthCompleteRedirectUrl: async (destination, _args, context) =>
    (await detailOf(destination, context))?.oAuthCompleteRedirectUrl ?? null,
};
