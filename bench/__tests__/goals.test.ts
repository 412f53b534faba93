import { describe, expect, it } from 'vitest';
import { aboveMinimum, goalsOf } from '../goals.ts';
import type { OverheadResult } from '../results.ts';
import { fixture } from './fixture.ts';

const goal = (goals: ReturnType<typeof goalsOf>, prefix: string) => {
  const found = goals.find((g) => g.goal.startsWith(prefix));
  if (!found) throw new Error(`no goal starting with ${prefix}`);
  return found;
};

function overheadRow(target: OverheadResult['target'], p50: number, p99: number): OverheadResult {
  return {
    query: 'connectorDestinations',
    target,
    rate: 200,
    upstreamLatencyMs: 5,
    criticalPath: [['GetConnector']],
    requests: 1000,
    failures: 0,
    subgraph: { p50: 20 + p50, p95: 25, p99: 30 + p99 },
    replay: { p50: 20, p95: 24, p99: 30 },
    added: { p50, p95: 1, p99 },
  };
}

describe('goalsOf', () => {
  it('judges the added latency from this subgraph alone, whatever the reference peer adds', () => {
    const results = fixture();
    results.overhead.push(overheadRow('mercurius-jit', 5, 30));
    expect(goal(goalsOf(results), 'Added latency')).toEqual(
      expect.objectContaining({ measured: 'worst p50 +1.24 ms, worst p99 +3.56 ms', met: true }),
    );
    results.overhead.push(overheadRow('subgraph', 1.5, 12));
    expect(goal(goalsOf(results), 'Added latency')).toEqual(
      expect.objectContaining({ measured: 'worst p50 +1.50 ms, worst p99 +12.00 ms', met: false }),
    );
  });

  it('reports no added-latency goal when only a peer was measured', () => {
    const results = fixture();
    results.overhead = [overheadRow('mercurius-jit', 1, 1)];
    expect(goalsOf(results).some((g) => g.goal.startsWith('Added latency'))).toBe(false);
  });

  it('judges throughput by the lowest ratio to Mercurius, and quotes the median and the count at 1.0×', () => {
    expect(goal(goalsOf(fixture()), 'Throughput')).toEqual(
      expect.objectContaining({
        measured: 'lowest ratio 1.23× (connectorDestinations); median 1.62×; 2 of 2 queries at 1.0× or more',
        met: true,
      }),
    );
    const slower = fixture();
    slower.throughput[0]!.ratioToMercurius = 0.99;
    expect(goal(goalsOf(slower), 'Throughput')).toEqual(
      expect.objectContaining({
        measured: 'lowest ratio 0.99× (connectorDestinations); median 1.50×; 1 of 2 queries at 1.0× or more',
        met: false,
      }),
    );
  });

  it('holds only this subgraph to the minimum of upstream calls', () => {
    const results = fixture();
    expect(aboveMinimum(results).map((t) => [t.target, t.query])).toEqual([['subgraph', 'connectorDestinations']]);
    expect(goal(goalsOf(results), 'Upstream calls')).toEqual(
      expect.objectContaining({ measured: 'above the minimum: connectorDestinations', met: false }),
    );
    results.throughput[0]!.upstreamCalls = { 'aws/GetConnector': 2, 'aws/ListDestinations': 1 };
    expect(aboveMinimum(results)).toEqual([]);
    expect(goal(goalsOf(results), 'Upstream calls')).toEqual(
      expect.objectContaining({ measured: '2/2 queries at the minimum', met: true }),
    );
  });

  it('judges memory by the highest steady RSS, and start-up against 1 s', () => {
    const results = fixture();
    expect(goal(goalsOf(results), 'Steady RSS').met).toBe(true);
    results.throughput[4]!.rssSteadyMB = 151;
    expect(goal(goalsOf(results), 'Steady RSS')).toEqual(
      expect.objectContaining({ measured: expect.stringContaining('steady 151 MB'), met: false }),
    );
    // The file-backed part is shown beside it, and the goal is still judged on the whole RSS.
    results.throughput[4]!.rssFileSteadyMB = 54.4;
    expect(goal(goalsOf(results), 'Steady RSS')).toEqual(
      expect.objectContaining({ measured: expect.stringContaining('54 MB of it mapped from files'), met: false }),
    );
    expect(goal(goalsOf(results), 'Start-up').met).toBe(true);
    results.startupToReadyMs = 1000;
    expect(goal(goalsOf(results), 'Start-up').met).toBe(false);
  });
});
