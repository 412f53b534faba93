/**
 * Hive Gateway configuration for a supergraph that includes connector-auth (docs/deploy.md).
 * Run with `hive-gateway supergraph ../router/supergraph.graphql` from this directory (the file
 * deploy/router/supergraph.yaml's commands compose there), with ROUTER_SECRET in
 * the gateway's environment (the same value as the subgraph's). `@graphql-hive/gateway` is the
 * gateway's dependency, not this repository's: deploy/ is outside tsconfig and ESLint.
 */
import { defineConfig } from '@graphql-hive/gateway';

/** The subgraph's name in the supergraph (deploy/router/supergraph.yaml). */
const CONNECTOR_AUTH = 'connector-auth';

export const gatewayConfig = defineConfig({
  // Composed in deploy/router/ (docs/deploy.md, "Apollo Router").
  supergraph: '../router/supergraph.graphql',
  propagateHeaders: {
    fromClientToSubgraphs({ request, subgraphName }) {
      if (subgraphName !== CONNECTOR_AUTH) return;
      return {
        // The caller's JWT: the subgraph verifies it and enforces its @scopes.
        authorization: request.headers.get('authorization') ?? undefined,
        // Proves that the request comes through the gateway. Only this subgraph receives it.
        'router-authorization': process.env['ROUTER_SECRET'],
      };
    },
  },
  // Above the subgraph's REQUEST_TIMEOUT_MS (10 s), below the usual 30 s client budget.
  upstreamTimeout: 15_000,
  // Deliberately absent: `responseCaching` (this subgraph's types are authorization state and must
  // not be cached) and `upstreamRetry` (a retried connectAppAuthorization could resend a single-use
  // OAuth code; the subgraph already retries what is safe to retry).
});
