/**
 * Starts the real subgraph (HTTP server, Apollo, loaders, sandbox adapters) on an ephemeral
 * loopback port, and gives tests a GraphQL client plus the sandbox's upstream call counters.
 */
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { createAdapters, type Adapters, type Sandbox } from '../../src/adapters/index.ts';
import type { Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { Secret } from '../../src/secret.ts';
import { createMetrics } from '../../src/metrics.ts';
import { DEFAULT_OPERATION_LIMITS } from '../../src/security/operationLimits.ts';
import { createServer, type SubgraphServer } from '../../src/server.ts';

export interface GraphQLResponse<D = Record<string, any>> {
  status: number;
  headers: Headers;
  body: {
    data?: D | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  };
  /** The raw response text, for searching. */
  text: string;
}

export interface TestServer {
  url: string;
  origin: string;
  server: SubgraphServer;
  adapters: Adapters;
  sandbox: Sandbox;
  /** Every log line the server wrote, as raw JSON text. */
  logs: string[];
  /** Upstream calls by upstream and operation since the last reset. */
  calls(): Record<string, Record<string, number>>;
  /** Total upstream calls since the last reset. */
  totalCalls(): number;
  resetCalls(): void;
  query<D = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<D>>;
  close(): Promise<void>;
}

export interface StartTestServerOptions {
  config?: Partial<Config>;
  now?: () => Date;
  /** Wraps the adapters, e.g. to slow one upstream down or make it fail. */
  wrapAdapters?: (adapters: Adapters) => Adapters;
  /** false: DataLoader batching, caching and list-backed plans off (the N+1 baseline). */
  batching?: boolean;
  /** false: every request through Apollo's pipeline (no hot path). */
  hotPath?: boolean;
  /** How long a request's headers and body may take to arrive (default 30 s). */
  receiveTimeoutMs?: number;
  /** How long a response its client stopped taking may go without progress (default 30 s). */
  stallTimeoutMs?: number;
  /** Called with the server before it listens, as a signal during start-up would reach it. */
  beforeListen?: (server: SubgraphServer) => void;
}

export const FIXED_NOW = new Date('2026-11-22T05:31:56Z');
/** The cursor key of test servers, so tests can craft (and tamper with) cursors. */
export const TEST_CURSOR_KEY = Buffer.from('test-cursor-key-0123456789abcdef0123456789');

export async function startTestServer(options: StartTestServerOptions = {}): Promise<TestServer> {
  const now = options.now ?? (() => FIXED_NOW);
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    production: false,
    logLevel: 'debug',
    sandbox: true,
    upstreams: { iotManagedIntegrations: 'sandbox', appFabric: 'sandbox', conductorOne: 'sandbox' },
    shutdownTimeoutMs: 2000,
    shutdownDelayMs: 0,
    maxRequestBodyBytes: 1024 * 1024,
    maxConnections: 4096,
    requestTimeoutMs: 10_000,
    circuit: { failureThreshold: 5, openMs: 30_000 },
    aws: null,
    conductorOne: null,
    upstreamTimeouts: { connectMs: 1000, headersMs: 5000, bodyMs: 5000 },
    upstreamConcurrency: { concurrency: 64, maxQueue: 1000 },
    operationConcurrency: null,
    operationQueue: { maxWaiting: 1000, maxWaitingBytes: 16 * 1024 * 1024 },
    maxUpstreamRequestsPerOperation: 500,
    // Off unless a test turns it on: the connect tests send many codes for one authorization.
    connectAttemptsPerMinute: 0,
    auth: { kind: 'disabled', explicit: false },
    routerSecret: null,
    publishRequiresScopes: false,
    cursorSecret: new Secret(TEST_CURSOR_KEY),
    operationLimits: DEFAULT_OPERATION_LIMITS,
    // Off unless a test turns it on, so the other tests see the plain GraphQL endpoint.
    graphiql: false,
    ...options.config,
  };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      callback();
    },
  });
  const logger = createLogger(config, sink);
  const metrics = createMetrics();
  const created = await createAdapters(config, { now, logger, metrics });
  const sandbox = created.sandbox;
  if (!sandbox) throw new Error('startTestServer needs at least one sandbox upstream');
  const adapters = options.wrapAdapters ? options.wrapAdapters(created.adapters) : created.adapters;
  const server = createServer({
    config,
    adapters,
    logger,
    now,
    batching: options.batching ?? true,
    hotPath: options.hotPath ?? true,
    metrics,
    circuits: created.circuits,
    ...(options.receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs: options.receiveTimeoutMs }),
    ...(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs }),
  });
  const listening = server.listen();
  options.beforeListen?.(server);
  const { url } = await listening;
  const origin = new URL(url).origin;
  if (sandbox.conductorOne) {
    // Fetch the ConductorOne access token once, so tests count API calls, not the token call. On a
    // connection of its own, closed after it: the tests find no connection of theirs open.
    const once = new Agent();
    try {
      const warm = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: '{ connectorCredential(appId: "warm", connectorId: "up", id: "token") { id } }',
        }),
        dispatcher: once,
      });
      await warm.body.dump();
    } finally {
      await once.close();
    }
  }

  const counters = sandbox.calls;
  Object.values(counters).forEach((counter) => counter.reset());
  return {
    url,
    origin,
    server,
    adapters,
    sandbox,
    logs,
    calls: () =>
      Object.fromEntries(Object.entries(counters).map(([name, counter]) => [name, counter.snapshot()])) as Record<
        string,
        Record<string, number>
      >,
    totalCalls: () => Object.values(counters).reduce((sum, counter) => sum + counter.total(), 0),
    resetCalls: () => Object.values(counters).forEach((counter) => counter.reset()),
    async query(query, variables, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
    },
    close: async () => {
      await server.drain();
      await created.close();
    },
  };
}
