import type { ConductorOneAppResolvers } from '../__generated__/resolvers-types.ts';
import { conductorOneId } from '../validation.ts';

export const ConductorOneApp: ConductorOneAppResolvers = {
  __resolveReference({ id }, { loaders }) {
    return loaders.appById.load(conductorOneId(id, 'id'));
  },
};
