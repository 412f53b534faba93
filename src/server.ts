/**
 * Assembles the subgraph: schema, Apollo Server, HTTP server, readiness and graceful drain.
 * Used by the process entry (index.ts) and by the tests, which run it on an ephemeral port.
 */
import type { AddressInfo } from 'node:net';
import type { Adapters } from './adapters/index.ts';
import { Admission } from './admission.ts';
import { createApolloServer } from './apollo.ts';
import type { Config } from './config.ts';
import { createContext } from './context.ts';
import { createHttpServer, type Readiness } from './httpServer.ts';
import type { Logger } from './logger.ts';
import { createSchema } from './schema.ts';
import { createHotPath } from './execution/hotPath.ts';
import type { CompiledOperation } from './execution/jitGateway.ts';
import { createRequestRecorder } from './requestRecorder.ts';
import type { Metrics } from './metrics.ts';
import { createCursorCodec } from './cursor.ts';
import { createAuthenticator } from './security/authenticate.ts';

export interface SubgraphServer {
  /** Starts Apollo and listens; resolves with the GraphQL URL. */
  listen(): Promise<{ url: string; port: number }>;
  /**
   * Fails readiness, keeps serving for the shutdown delay (so load balancers stop routing here),
   * then closes the listener and lets in-flight requests finish, up to the shutdown timeout.
   */
  drain(): Promise<void>;
  readiness(): Readiness;
}

export interface CreateServerOptions {
  config: Pick<
    Config,
    | 'port'
    | 'host'
    | 'production'
    | 'shutdownTimeoutMs'
    | 'shutdownDelayMs'
    | 'maxRequestBodyBytes'
    | 'maxConnections'
    | 'requestTimeoutMs'
    | 'operationConcurrency'
    | 'operationQueue'
    | 'maxUpstreamRequestsPerOperation'
    | 'auth'
    | 'routerSecret'
    | 'publishRequiresScopes'
    | 'cursorSecret'
    | 'operationLimits'
    | 'graphiql'
  >;
  adapters: Adapters;
  logger: Logger;
  /** Clock for derived values; tests pin it. */
  now?: () => Date;
  /** Test and benchmark switch: false turns DataLoader batching and caching off (the N+1 baseline). */
  batching?: boolean;
  /** Shared with the adapters, so /metrics shows upstream calls too. */
  metrics: Metrics;
  /** Circuit state per upstream, for /readyz (the adapters' `circuits`). */
  circuits: () => Record<string, string>;
  /**
   * Answer repeated operations on the hot path (src/execution/hotPath.ts). Default true; tests
   * compare both ways.
   */
  hotPath?: boolean;
  /** Test switch: how long a request's headers and body may take to arrive (default 30 s). */
  receiveTimeoutMs?: number;
  /** Test switch: how long a response its client stopped taking may go without progress (default 30 s). */
  stallTimeoutMs?: number;
}

export function createServer({
  config,
  adapters,
  logger,
  now,
  batching = true,
  metrics,
  circuits,
  hotPath = true,
  receiveTimeoutMs,
  stallTimeoutMs,
}: CreateServerOptions): SubgraphServer {
  let readiness: Readiness = 'starting';
  const schema = createSchema({ publishRequiresScopes: config.publishRequiresScopes });
  const recorder = createRequestRecorder(logger, metrics);
  const hot = hotPath
    ? createHotPath({
        schema,
        maxCost: config.operationLimits.maxCost,
        recorder,
        hideSchemaDetails: config.production,
      })
    : null;
  const apollo = createApolloServer({
    schema,
    production: config.production,
    introspection: !config.production || config.graphiql,
    logger,
    recorder,
    limits: config.operationLimits,
    ...(hot ? { onCompiled: (operation: CompiledOperation) => hot.remember(operation) } : {}),
  });
  const observeBatch = (loader: string, size: number) => metrics.dataloaderBatchSize.observe({ loader }, size);
  const cursors = createCursorCodec(config.cursorSecret.reveal());
  const admission =
    config.operationConcurrency === null ? null : new Admission(config.operationConcurrency, config.operationQueue);
  if (admission) metrics.watchAdmission(admission);
  const httpServer = createHttpServer({
    admission,
    apollo,
    logger,
    maxRequestBodyBytes: config.maxRequestBodyBytes,
    maxConnections: config.maxConnections,
    maxQueryLength: config.operationLimits.maxLength,
    requestTimeoutMs: config.requestTimeoutMs,
    ...(receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs }),
    ...(stallTimeoutMs === undefined ? {} : { stallTimeoutMs }),
    readiness: () => readiness,
    circuits,
    metrics,
    hotPath: hot,
    authenticator: createAuthenticator(config.auth, config.routerSecret, {
      // One line per failed fetch: its kind and status, never the error's message (it may quote the URL).
      onKeySetFailure: (failure, { keptKeys, retryInMs }) =>
        logger.warn(
          { keySet: failure, keptKeys, retryInMs },
          keptKeys
            ? 'the key set could not be refreshed: tokens are verified with the last keys read'
            : 'caller authentication unavailable: the key set could not be read',
        ),
    }),
    graphiql: config.graphiql,
    createContext: ({ requestId, log, signal, deadline, caller, waitedMs }) =>
      createContext({
        adapters,
        caller,
        cursors,
        requestId,
        log,
        signal,
        deadline,
        waitedMs,
        maxUpstreamRequests: config.maxUpstreamRequestsPerOperation,
        batching,
        observeBatch,
        ...(now ? { now } : {}),
      }),
  });

  let drained: Promise<void> | null = null;

  return {
    readiness: () => readiness,

    async listen() {
      await apollo.start();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      // A drain that began during start-up (a signal right after launch) keeps its 'draining'.
      if (readiness === 'starting') readiness = 'ready';
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/graphql`, port };
    },

    drain() {
      drained ??= (async () => {
        readiness = 'draining';
        if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs);
        });
        if ((await Promise.race([closed, timedOut])) === 'timeout') {
          logger.warn(
            { shutdownTimeoutMs: config.shutdownTimeoutMs },
            'drain timed out; closing remaining connections',
          );
          httpServer.closeAllConnections();
          await closed;
        }
        clearTimeout(timer);
        await apollo.stop();
      })();
      return drained;
    },
  };
}
