/**
 * Contender: the framework floor. A stock Apollo Server 5 subgraph (`buildSubgraphSchema` and
 * `startStandaloneServer`, default settings) over the same resolvers, adapters and per-request
 * context as this subgraph, but none of its own layers: no authentication, scope enforcement,
 * operation limits, error formatting, metrics or logging plugins, or abort signal (the context
 * gets the request deadline). Apollo's own defaults stay (CSRF prevention, a 50 MB body limit,
 * inline tracing when a router asks for it). What this subgraph costs beyond it is the price of
 * those layers.
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createAdapters } from '../../src/adapters/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createContext, type Context } from '../../src/context.ts';
import { createCursorCodec } from '../../src/cursor.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { resolvers } from '../../src/resolvers/index.ts';
import { loadTypeDefs } from '../../src/schema.ts';
import { UNRESTRICTED } from '../../src/security/authenticate.ts';
import { runTarget } from './kit.ts';

await runTarget('apolloStock', async () => {
  const config = loadConfig(process.env);
  if (!config.production || config.sandbox)
    throw new Error('the apollo-stock contender runs in production mode against the bench upstreams');
  const logger = createLogger(config).child({ contender: 'apollo-stock' });
  const { adapters, close } = await createAdapters(config, { logger, metrics: createMetrics() });
  const cursors = createCursorCodec(config.cursorSecret.reveal());

  const server = new ApolloServer<Context>({ schema: buildSubgraphSchema([{ typeDefs: loadTypeDefs(), resolvers }]) });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async () => {
      const requestId = randomUUID();
      return createContext({
        adapters,
        caller: UNRESTRICTED,
        cursors,
        maxUpstreamRequests: config.maxUpstreamRequestsPerOperation,
        requestId,
        log: logger.child({ requestId }),
        deadline: Date.now() + config.requestTimeoutMs,
      });
    },
  });
  return {
    // The standalone server answers GraphQL on every path; name the same one as the others.
    url: new URL('graphql', url).href,
    close: async () => {
      await server.stop();
      await close();
    },
  };
});
