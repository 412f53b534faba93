/**
 * The goals, judged from a run's results (reported in `bench/results.md`, not enforced),
 * and the benchmark's own check that this subgraph made no more upstream calls than the minimum.
 */
import { median } from './load.ts';
import type { BenchResults, Goal, ThroughputSummary } from './results.ts';

export function goalsOf(results: BenchResults): Goal[] {
  const goals: Goal[] = [];
  const mine = results.throughput.filter((t) => t.target === 'subgraph');
  if (mine.length > 0) {
    const over = aboveMinimum(results);
    goals.push({
      goal: 'Upstream calls equal the computed minimum, for every query of the mix',
      measured:
        over.length === 0
          ? `${mine.length}/${mine.length} queries at the minimum`
          : `above the minimum: ${over.map((t) => t.query).join(', ')}`,
      met: over.length === 0,
    });
    const ratios = mine.filter((t) => t.ratioToMercurius !== null);
    if (ratios.length > 0) {
      const lowest = ratios.reduce((a, b) => (a.ratioToMercurius! <= b.ratioToMercurius! ? a : b));
      const atLeastOne = ratios.filter((t) => t.ratioToMercurius! >= 1).length;
      goals.push({
        goal: `Throughput ≥ Mercurius + graphql-jit at ${results.settings.latencyMs} ms upstream latency, for every query (ratio ≥ 1.0)`,
        measured:
          `lowest ratio ${lowest.ratioToMercurius!.toFixed(2)}× (${lowest.query}); ` +
          `median ${median(ratios.map((t) => t.ratioToMercurius!)).toFixed(2)}×; ` +
          `${atLeastOne} of ${ratios.length} queries at 1.0× or more`,
        met: lowest.ratioToMercurius! >= 1,
      });
    }
    const steady = mine.reduce((a, b) => (a.rssSteadyMB >= b.rssSteadyMB ? a : b));
    const peak = Math.max(...mine.map((t) => t.rssPeakMB));
    goals.push({
      goal: 'Steady RSS under load ≤ 150 MB (median RSS sample of a run; the highest query)',
      measured:
        `steady ${steady.rssSteadyMB.toFixed(0)} MB (${steady.query}` +
        (steady.rssFileSteadyMB == null ? '' : `; ${steady.rssFileSteadyMB.toFixed(0)} MB of it mapped from files`) +
        `); peak ${peak.toFixed(0)} MB`,
      met: steady.rssSteadyMB <= 150,
    });
  }
  const ours = results.overhead.filter((o) => o.target === 'subgraph');
  if (ours.length > 0) {
    const worstP50 = Math.max(...ours.map((o) => o.added.p50));
    const worstP99 = Math.max(...ours.map((o) => o.added.p99));
    const { rate, latencyMs } = results.settings.overhead;
    goals.push({
      goal: `Added latency ≤ 2 ms p50 and ≤ 10 ms p99 at ${rate} req/s with ${latencyMs} ms upstream latency`,
      measured: `worst p50 +${worstP50.toFixed(2)} ms, worst p99 +${worstP99.toFixed(2)} ms`,
      met: worstP50 <= 2 && worstP99 <= 10,
    });
  }
  goals.push({
    goal: 'Start-up to ready < 1 s',
    measured: `${results.startupToReadyMs.toFixed(0)} ms`,
    met: results.startupToReadyMs < 1000,
  });
  return goals;
}

/** This subgraph's queries whose upstream calls differ from the computed minimum. */
export function aboveMinimum(results: BenchResults): ThroughputSummary[] {
  return results.throughput.filter((t) => {
    if (t.target !== 'subgraph') return false;
    const q = results.queries.find((x) => x.name === t.query);
    return !q || JSON.stringify(sortKeys(t.upstreamCalls)) !== JSON.stringify(sortKeys(q.minimumCalls));
  });
}

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
