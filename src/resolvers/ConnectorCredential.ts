import type { GraphQLResolveInfo } from 'graphql';
import {
  deriveCredentialStatus,
  type ConnectorCredentialKey,
  type ConnectorCredentialModel,
} from '../adapters/conductorOne/port.ts';
import type { ConnectorCredentialResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { conductorOneId } from '../validation.ts';
import { selectsAnyOf } from './selection.ts';

const APP: ReadonlySet<string> = new Set(['app']);
const CONNECTOR: ReadonlySet<string> = new Set(['connector']);

/**
 * Loads a credential by its key, with the reads of its app and connector, when selected, started
 * alongside (the key names them): one round of upstream latency instead of two.
 */
export function loadCredential(
  { loaders }: Context,
  info: GraphQLResolveInfo,
  key: ConnectorCredentialKey,
): Promise<ConnectorCredentialModel | null> {
  return loaders.credentialWithRelated(key, {
    app: selectsAnyOf(info, 'ConnectorCredential', APP),
    connector: selectsAnyOf(info, 'ConnectorCredential', CONNECTOR),
  });
}

export const ConnectorCredential: ConnectorCredentialResolvers = {
  __resolveReference({ appId, connectorId, id }, context, info) {
    return loadCredential(context, info, {
      appId: conductorOneId(appId, 'appId'),
      connectorId: conductorOneId(connectorId, 'connectorId'),
      id: conductorOneId(id, 'id'),
    });
  },
  status: (credential, _args, { now }) => deriveCredentialStatus(credential, now()),
  app: ({ appId }, _args, { loaders }) => loaders.appById.load(appId),
  connector: ({ appId, connectorId }, _args, { loaders }) => loaders.connectorByKey.load({ appId, id: connectorId }),
};
