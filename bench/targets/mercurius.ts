/**
 * Contender: the fastest Node GraphQL stack we know of. Fastify 5 + Mercurius with graphql-jit
 * (`jit: 1`: an operation is compiled on its second use) + @mercuriusjs/federation, which speaks
 * Federation 1 only: the schema is the Federation 1 rendering of the same SDL (fed1.ts). The
 * resolvers, adapters and per-request context are this subgraph's own; like apollo-stock it has
 * none of the subgraph's own layers (authentication, scope enforcement, limits, error formatting,
 * metrics and logging plugins, abort signal; the context gets the request deadline).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildFederationSchema } from '@mercuriusjs/federation';
import Fastify from 'fastify';
import mercurius, { type IResolvers } from 'mercurius';
import { createAdapters } from '../../src/adapters/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createContext } from '../../src/context.ts';
import { createCursorCodec } from '../../src/cursor.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { resolvers } from '../../src/resolvers/index.ts';
import { UNRESTRICTED } from '../../src/security/authenticate.ts';
import { federation1Sdl } from './fed1.ts';
import { runTarget } from './kit.ts';

type ResolveReference = (reference: unknown, context: unknown, info: unknown) => unknown;

/**
 * Our resolver map, as Mercurius calls it: it passes `(reference, args, context, info)` to
 * `__resolveReference` where Apollo passes `(reference, context, info)`. Everything else (field
 * resolvers, the DateTime scalar; the schema's enums have no internal values) is taken as is.
 */
function forMercurius(map: typeof resolvers): IResolvers {
  const adapted: Record<string, unknown> = {};
  for (const [typeName, typeResolvers] of Object.entries(map)) {
    if (typeResolvers && typeof typeResolvers === 'object' && '__resolveReference' in typeResolvers) {
      const { __resolveReference, ...fields } = typeResolvers as { __resolveReference: ResolveReference };
      adapted[typeName] = {
        ...fields,
        __resolveReference: (reference: unknown, _args: unknown, context: unknown, info: unknown) =>
          __resolveReference(reference, context, info),
      };
    } else {
      adapted[typeName] = typeResolvers;
    }
  }
  return adapted as IResolvers;
}

await runTarget('mercurius', async () => {
  const config = loadConfig(process.env);
  if (!config.production || config.sandbox)
    throw new Error('the mercurius contender runs in production mode against the bench upstreams');
  const logger = createLogger(config).child({ contender: 'mercurius-jit' });
  const { adapters, close } = await createAdapters(config, { logger, metrics: createMetrics() });
  const cursors = createCursorCodec(config.cursorSecret.reveal());

  const app = Fastify({ logger: false });
  await app.register(mercurius, {
    schema: buildFederationSchema(federation1Sdl()),
    resolvers: forMercurius(resolvers),
    path: '/graphql',
    jit: 1,
    context: () => {
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
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      await app.close();
      await close();
    },
  };
});
