/** A small, complete `BenchResults` for the report and goal tests. */
import { TARGETS, type TargetName } from '../protocol.ts';
import type { BenchResults, ThroughputSummary } from '../results.ts';

export const WEIRD = 'a<b&c';

export function summary(
  target: TargetName,
  query: string,
  rps: number,
  upstreamCallsTotal: number,
  ratioToMercurius: number | null,
): ThroughputSummary {
  return {
    target,
    query,
    rps,
    latency: { p50: rps / 1000, p95: rps / 500, p99: rps / 250 },
    cpuMsPerRequest: 0.42,
    gcMsPerRequest: 0.05,
    allocatedKBPerRequest: 96.4,
    v8WorkerMsPerRequest: 0.117,
    rssPeakMB: 123.4,
    rssSteadyMB: 101.2,
    failures: 0,
    upstreamCalls: { 'aws/GetConnector': upstreamCallsTotal },
    upstreamCallsTotal,
    ratioToMercurius,
    ratioToSubgraph: target === 'subgraph' ? null : 1,
  };
}

export function fixture(): BenchResults {
  return {
    version: 1,
    startedAt: '2025-06-01T10:02:03.000Z',
    finishedAt: '2025-06-01T10:32:03.000Z',
    machine: { node: 'v24.1.0', platform: 'linux', cpus: 8, cpuModel: 'Test CPU @ 3.0GHz', memoryGB: 15.6 },
    settings: {
      smoke: false,
      durationS: 10,
      warmupS: 3,
      rounds: 5,
      connections: 50,
      latencyMs: 5,
      overhead: { rate: 200, latencyMs: 5, durationS: 10, rounds: 4 },
    },
    targets: TARGETS.map((name, i) => ({ name, description: `${name} description`, startupMs: 100 + i * 10.25 })),
    queries: [
      {
        name: 'connectorDestinations',
        description: 'destinations with nested connectors',
        minimumCalls: { 'aws/ListDestinations': 1, 'aws/GetConnector': 2 },
        minimumTotal: 3,
      },
      { name: WEIRD, description: 'a query | with a pipe', minimumCalls: { 'aws/GetConnector': 1 }, minimumTotal: 1 },
    ],
    throughput: [
      {
        ...summary('subgraph', 'connectorDestinations', 4321.4, 3, 1.234),
        ratioToMercuriusByRound: [1.31, 1.234, 1.1],
      },
      summary('subgraph-n1', 'connectorDestinations', 1500, 27, 0.43),
      summary('apollo-stock', 'connectorDestinations', 2000, 3, 0.57),
      summary('mercurius-jit', 'connectorDestinations', 3500, 5, null),
      summary('subgraph', WEIRD, 9000, 1, 2),
      summary('subgraph-n1', WEIRD, 8000, 1, 1.78),
      summary('apollo-stock', WEIRD, 5000, 2, 1.11),
      summary('mercurius-jit', WEIRD, 4500, 1, null),
    ],
    cells: [],
    overhead: [
      {
        query: 'connectorDestinations',
        target: 'subgraph',
        rate: 200,
        upstreamLatencyMs: 5,
        criticalPath: [['GetCredentials'], ['SearchApps', 'GetConnector']],
        requests: 2000,
        failures: 0,
        subgraph: { p50: 12.34, p95: 14, p99: 18.76 },
        replay: { p50: 11.1, p95: 12, p99: 15.2 },
        added: { p50: 1.24, p95: 2, p99: 3.56 },
      },
    ],
    startupToReadyMs: 812.34,
    goals: [
      { goal: 'subgraph ≥ 1.2× mercurius-jit', measured: '1.23× (median over queries)', met: true },
      { goal: 'added p99 ≤ 2 ms', measured: '3.6 ms', met: false },
    ],
  };
}
