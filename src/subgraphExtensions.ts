/**
 * What @apollo/subgraph's `buildSubgraphSchema` keeps in an object type's `extensions`: the type's
 * `__resolveReference`. Scope enforcement wraps it in place (src/security/scopes.ts) and the
 * `_entities` resolver calls it (src/execution/jitGateway.ts); both read it through here.
 */
import type { GraphQLObjectType } from 'graphql';

export type ResolveReference = (reference: unknown, context: unknown, info: unknown) => unknown;

export interface SubgraphExtensions {
  resolveReference?: ResolveReference;
}

/** The type's @apollo/subgraph extensions, or undefined for a type it did not build. */
export function subgraphExtensions(type: GraphQLObjectType): SubgraphExtensions | undefined {
  return (type.extensions as { apollo?: { subgraph?: SubgraphExtensions } }).apollo?.subgraph;
}
