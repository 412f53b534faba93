/** The shape of `bench/results.json`: everything the report (Markdown table, SVG chart) is made from. */
import type { TargetName } from './protocol.ts';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** One contender under one query for one round (closed-loop autocannon run). */
export interface Cell {
  target: TargetName;
  query: string;
  round: number;
  requests: number;
  /** Responses that were not HTTP 200, or carried GraphQL errors, or did not complete. */
  failures: number;
  rps: number;
  /** Milliseconds. */
  latency: Percentiles;
  /** CPU time of the contender's process (user + system) per request, ms. */
  cpuMsPerRequest: number;
  /** Garbage-collection pause time of the contender's process per request, ms. */
  gcMsPerRequest: number;
  /** CPU time of V8's worker threads per request, ms (part of `cpuMsPerRequest`); null: not measured. */
  v8WorkerMsPerRequest: number | null;
  /** Highest RSS sampled during the run, bytes. */
  rssPeak: number;
  /** Median of the RSS samples of the run (every 250 ms), bytes: the steady RSS under load. */
  rssSteady: number;
  /** Median of the file-backed part of those samples, bytes (the rest is anonymous); null: not read. */
  rssFileSteady: number | null;
}

/** A contender's medians over the rounds for one query. */
export interface ThroughputSummary {
  target: TargetName;
  query: string;
  rps: number;
  latency: Percentiles;
  cpuMsPerRequest: number;
  /** Garbage-collection pauses per request, ms (part of the CPU time). */
  gcMsPerRequest: number;
  /**
   * KiB allocated on V8's heap per request, measured in a pass of its own after the other phases
   * (bench/targets/kit.ts says why); absent in results written before it was measured, or where
   * that pass had no answered request.
   */
  allocatedKBPerRequest?: number;
  /**
   * CPU time of V8's worker threads per request, ms: garbage collection and compilation off the
   * main thread, part of `cpuMsPerRequest`. Null where it could not be read (no `/proc`); absent
   * in results written before it was measured.
   */
  v8WorkerMsPerRequest?: number | null;
  /** Highest over the rounds, MB (10^6 bytes). */
  rssPeakMB: number;
  /** Median over the rounds of each run's median RSS sample, MB (10^6 bytes). */
  rssSteadyMB: number;
  /**
   * The file-backed part of the steady RSS, MB, the same way (the Node executable's and the shared
   * libraries' pages; the rest is anonymous memory). Null where it could not be read (no `/proc`);
   * absent in results written before it was measured.
   */
  rssFileSteadyMB?: number | null;
  /** Requests answered in all the rounds' measured runs (absent in results written before it was kept). */
  requests?: number;
  /** Of those, the ones that failed (not HTTP 200, GraphQL errors, or incomplete). */
  failures: number;
  /** Upstream calls one request of this query made, by `upstream/Operation` (the token endpoint excluded). */
  upstreamCalls: Record<string, number>;
  upstreamCallsTotal: number;
  /** This contender's req/s over mercurius-jit's, median of the per-round ratios (null for mercurius-jit itself). */
  ratioToMercurius: number | null;
  /**
   * The per-round ratios `ratioToMercurius` is the median of, in round order: how far one round
   * strays from another on this machine. Absent for mercurius-jit itself, and in results written
   * before it was recorded.
   */
  ratioToMercuriusByRound?: number[];
  /** Over this subgraph's own req/s, median of per-round ratios (null for `subgraph`). */
  ratioToSubgraph: number | null;
}

export interface QueryInfo {
  name: string;
  description: string;
  /** The computed minimum, by `upstream/Operation`. */
  minimumCalls: Record<string, number>;
  minimumTotal: number;
}

/**
 * Open-model (fixed arrival rate) latency of one query through one target (this subgraph, or a
 * peer measured the same way for reference) against the replay of its upstream critical path.
 */
export interface OverheadResult {
  query: string;
  /** The target the requests went through (the goal is this subgraph's). */
  target: TargetName;
  /** Arrivals per second. */
  rate: number;
  upstreamLatencyMs: number;
  /** The replayed critical path: stages of upstream operations (calls within a stage run in parallel). */
  criticalPath: string[][];
  requests: number;
  /** The target's failed requests, and the replay's. */
  failures: number;
  /** Latency through the target (`target`; the field keeps its first name, from when only the subgraph was measured). */
  subgraph: Percentiles;
  replay: Percentiles;
  /** target − replay, per percentile, ms. */
  added: Percentiles;
}

export interface Goal {
  goal: string;
  /** What was measured, as shown in the report. */
  measured: string;
  met: boolean;
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string; memoryGB: number };
  settings: {
    smoke: boolean;
    /** Seconds per throughput cell. */
    durationS: number;
    warmupS: number;
    /** Unmeasured seconds of the same load right before every measured cell (absent: none). */
    settleS?: number;
    rounds: number;
    connections: number;
    /** Upstream latency of the throughput phase, ms. */
    latencyMs: number;
    /** Added-latency phase: arrival rate, upstream latency, seconds per query, interleaved rounds. */
    overhead: { rate: number; latencyMs: number; durationS: number; rounds?: number };
    /** Node options every contender ran with (none: Node's defaults). */
    nodeOptions?: string[];
    /**
     * What this subgraph's contenders ran with besides, as the image starts the subgraph (the
     * Dockerfile's CMD options and ENV; empty with --node-defaults). Absent in older results.
     */
    image?: {
      nodeOptions: string[];
      env: Record<string, string>;
      /** The library the image preloads, when this machine lacked it (the run used glibc's malloc). */
      notPreloaded?: string;
    };
  };
  targets: Array<{ name: TargetName; description: string; startupMs: number }>;
  queries: QueryInfo[];
  /** Every target × query (medians over rounds). */
  throughput: ThroughputSummary[];
  cells: Cell[];
  overhead: OverheadResult[];
  /** Start-up of `node src/index.ts` (production mode) to a 200 from /readyz, ms, from the spawn. */
  startupToReadyMs: number;
  goals: Goal[];
}
