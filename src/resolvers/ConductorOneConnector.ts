import type { ConductorOneConnectorResolvers } from '../__generated__/resolvers-types.ts';
import { conductorOneId } from '../validation.ts';

export const ConductorOneConnector: ConductorOneConnectorResolvers = {
  __resolveReference({ appId, id }, { loaders }) {
    return loaders.connectorByKey.load({ appId: conductorOneId(appId, 'appId'), id: conductorOneId(id, 'id') });
  },
};
