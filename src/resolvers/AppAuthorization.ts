import {
  refFromAppAuthorizationArn,
  type AppAuthorizationDetail,
  type AppAuthorizationModel,
} from '../adapters/appFabric/port.ts';
import type { AppAuthorizationResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { canonicalAppAuthorizationRef, notAnAuthorizationArn } from '../loaders/appFabricLoaders.ts';
import { isAppFabricIdentifier } from '../validation.ts';
import { selectsAnyOf } from './selection.ts';

/** Members only GetAppAuthorization returns; summaries (List, Connect) lack them. */
export const AUTHORIZATION_DETAIL_FIELDS: ReadonlySet<string> = new Set([
  'authType',
  'authUrl',
  'persona',
  'createdAt',
]);

/** Summaries lack authType, authUrl, persona and createdAt: read them with one GetAppAuthorization. */
async function detailOf(
  authorization: AppAuthorizationModel,
  { loaders }: Context,
): Promise<AppAuthorizationDetail | null> {
  if (authorization.detail) return authorization.detail;
  return (await loaders.appAuthorizationByRef.load(canonicalAppAuthorizationRef(authorization)))?.detail ?? null;
}

/**
 * Loads one authorization by ARN (and, when given, the bundle it must belong to) with the
 * cheapest plan for what the query selects.
 */
export function loadAppAuthorization(
  context: Context,
  info: Parameters<NonNullable<AppAuthorizationResolvers['__resolveReference']>>[2],
  arn: string,
): Promise<AppAuthorizationModel | null> {
  return selectsAnyOf(info, 'AppAuthorization', AUTHORIZATION_DETAIL_FIELDS)
    ? context.loaders.appAuthorizationByArn.load(arn)
    : context.loaders.appAuthorizationSummaryByArn.load(arn);
}

export const AppAuthorization: AppAuthorizationResolvers = {
  __resolveReference({ arn }, context, info) {
    // Any JSON can arrive as a representation: the key is checked as the root field checks it
    // (length, whitespace, well-formed text); the loaders refuse one that is not an ARN.
    if (!isAppFabricIdentifier(arn)) throw notAnAuthorizationArn();
    return loadAppAuthorization(context, info, arn);
  },
  authType: async (authorization, _args, context) => (await detailOf(authorization, context))?.authType ?? null,
  authUrl: async (authorization, _args, context) => (await detailOf(authorization, context))?.authUrl ?? null,
  persona: async (authorization, _args, context) => (await detailOf(authorization, context))?.persona ?? null,
  createdAt: async (authorization, _args, context) => (await detailOf(authorization, context))?.createdAt ?? null,
};

/** True when `appAuthorizationIdentifier` is an ARN inside the bundle `appBundleIdentifier` names as an ARN. */
export function isArnOfBundle(appBundleIdentifier: string, appAuthorizationIdentifier: string): boolean {
  return refFromAppAuthorizationArn(appAuthorizationIdentifier)?.appBundleIdentifier === appBundleIdentifier;
}
