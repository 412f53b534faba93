import { deriveCredentialStatus } from '../adapters/conductorOne/port.ts';
import type { ConnectorCredentialResolvers } from '../__generated__/resolvers-types.ts';
import { conductorOneId } from '../validation.ts';

export const ConnectorCredential: ConnectorCredentialResolvers = {
  __resolveReference({ appId, connectorId, id }, { loaders }) {
    return loaders.credentialByKey.load({
      appId: conductorOneId(appId, 'appId'),
      connectorId: conductorOneId(connectorId, 'connectorId'),
      id: conductorOneId(id, 'id'),
    });
  },
  status: (credential, _args, { now }) => deriveCredentialStatus(credential, now()),
  app: ({ appId }, _args, { loaders }) => loaders.appById.load(appId),
  connector: ({ appId, connectorId }, _args, { loaders }) => loaders.connectorByKey.load({ appId, id: connectorId }),
};
