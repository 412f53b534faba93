import { fieldValue } from '../adapters/types.ts';
import type { ConnectorDestinationAuthConfigResolvers } from '../__generated__/resolvers-types.ts';

export const ConnectorDestinationAuthConfig: ConnectorDestinationAuthConfigResolvers = {
  // An OAuth configuration AWS sent in a shape this subgraph cannot use (a token endpoint scheme
  // the schema does not know) fails this field only; generalAuthorization is still answered.
  oAuth: ({ oAuth }) => fieldValue(oAuth),
};
