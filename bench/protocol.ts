/**
 * What `bench/run.ts` and its child processes say to each other over the IPC channel, and the
 * environment every contender is started with.
 */

/** The contenders, in the order the report lists them. */
export const TARGETS = ['subgraph', 'subgraph-n1', 'apollo-stock', 'mercurius-jit'] as const;
export type TargetName = (typeof TARGETS)[number];

export const TARGET_DESCRIPTIONS: Record<TargetName, string> = {
  subgraph: 'this subgraph, production mode, as the image starts it',
  'subgraph-n1': 'this subgraph with loaders off (N+1)',
  'apollo-stock': 'stock Apollo Server 5 + @apollo/subgraph, same resolvers',
  'mercurius-jit': 'Mercurius + graphql-jit (Federation 1), same resolvers',
};

/** Parent → any child. */
export type ParentCommand =
  | { id: number; cmd: 'stats' }
  /** Start or stop the contender's allocation meter (bench/targets/kit.ts); `stop` replies with the bytes. */
  | { id: number; cmd: 'allocation'; action: 'start' | 'stop' }
  | { id: number; cmd: 'stop' };

/** A child's resource use, as `process.cpuUsage()` and `process.memoryUsage()` report it. */
export interface ProcessStats {
  cpu: { user: number; system: number };
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
  /**
   * The part of `memory.rss` mapped from files, bytes (`RssFile` of `/proc/self/status`): the Node
   * executable's and the shared libraries' pages that the process has touched. The rest is
   * anonymous memory: V8's heap, malloc, stacks. Contenders on Linux only.
   */
  rssFile?: number;
  /** Garbage collections since the process started, and their pauses in total, ms (contenders only). */
  gc?: { count: number; pauseMs: number };
  /**
   * CPU time, ms, of the contender's V8 worker threads since it started (garbage collection and
   * compilation off the main thread; part of `cpu`). Contenders on Linux only.
   */
  v8WorkerCpuMs?: number;
}

/** Contender → parent. */
export type TargetMessage =
  /** `startupMs`: from the process's time origin to listening. */
  | { type: 'ready'; url: string; startupMs: number }
  | ({ type: 'stats'; id: number } & ProcessStats)
  /** The reply to `allocation`: bytes allocated on V8's heap since `start` (on `stop`), or why it failed. */
  | { type: 'allocation'; id: number; bytes?: number; error?: string }
  | { type: 'error'; message: string };

/** Upstreams child ↔ parent. */
export type UpstreamCommand =
  | { id: number; cmd: 'latency'; ms: number }
  /** Clears counters and request logs (not latency). */
  | { id: number; cmd: 'resetCounters' }
  | { id: number; cmd: 'calls' }
  /** The last request received for each operation, as it arrived (for replays). */
  | { id: number; cmd: 'lastRequests' }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'stop' };

/** A request as an upstream received it: enough to send it again, byte for byte. */
export interface RecordedRequest {
  /** The upstream operation, e.g. `GetConnectorDestination`. */
  operation: string;
  origin: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type UpstreamMessage =
  | { type: 'ready'; awsUrl: string; conductorOneUrl: string; env: Record<string, string> }
  | {
      type: 'reply';
      id: number;
      calls?: Record<string, Record<string, number>>;
      requests?: Record<string, RecordedRequest>;
    }
  | ({ type: 'stats'; id: number } & ProcessStats);
