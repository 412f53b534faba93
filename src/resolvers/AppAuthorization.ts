import type { AppAuthorizationDetail, AppAuthorizationModel } from '../adapters/appFabric/port.ts';
import type { AppAuthorizationResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { canonicalAppAuthorizationRef } from '../loaders/appFabricLoaders.ts';

/** Summaries lack authType, authUrl, persona and createdAt: read them with one GetAppAuthorization. */
async function detailOf(
  authorization: AppAuthorizationModel,
  { loaders }: Context,
): Promise<AppAuthorizationDetail | null> {
  if (authorization.detail) return authorization.detail;
  return (await loaders.appAuthorizationByRef.load(canonicalAppAuthorizationRef(authorization)))?.detail ?? null;
}

export const AppAuthorization: AppAuthorizationResolvers = {
  async __resolveReference({ arn }, { loaders }) {
    return loaders.appAuthorizationByArn.load(arn);
  },
  authType: async (authorization, _args, context) => (await detailOf(authorization, context))?.authType ?? null,
  authUrl: async (authorization, _args, context) => (await detailOf(authorization, context))?.authUrl ?? null,
  persona: async (authorization, _args, context) => (await detailOf(authorization, context))?.persona ?? null,
  createdAt: async (authorization, _args, context) => (await detailOf(authorization, context))?.createdAt ?? null,
};
