import type { CloudConnectorResolvers } from '../__generated__/resolvers-types.ts';
import { iotManagedIntegrationsId } from '../validation.ts';

export const CloudConnector: CloudConnectorResolvers = {
  __resolveReference({ id }, { loaders }) {
    return loaders.cloudConnectorById.load(iotManagedIntegrationsId(id, 'id'));
  },
};
