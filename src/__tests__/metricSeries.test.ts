import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabelledCounter, LabelledHistogram } from '../metricSeries.ts';
import { createMetrics, outcomeLabel } from '../metrics.ts';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Call =
  | { metric: 'counter'; labels: { upstream: string; operation: string; outcome: string }; value: number | undefined }
  | { metric: 'histogram'; labels: { upstream: string; operation: string }; value: number };

const label = fc.constantFrom('a', 'b', 'c', 'with "quotes"', 'back\\slash', 'new\nline');
const histogramValue = fc.oneof(
  fc.constantFrom(...BUCKETS, 0, 10.000001, 1e9),
  fc.double({ min: 0, max: 20, noNaN: true }),
  fc.double({ min: -5, max: 0, noNaN: true }),
);
const call: fc.Arbitrary<Call> = fc.oneof(
  fc.record({
    metric: fc.constant('counter' as const),
    labels: fc.record({ upstream: label, operation: label, outcome: label }),
    value: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  }),
  fc.record({
    metric: fc.constant('histogram' as const),
    labels: fc.record({ upstream: label, operation: label }),
    value: histogramValue,
  }),
);

/** The same metrics twice: prom-client's own, and this project's, each in a registry of its own. */
function pair() {
  const stock = new Registry();
  const ours = new Registry();
  const counter = { name: 'calls_total', help: 'Calls.', labelNames: ['upstream', 'operation', 'outcome'] as const };
  const histogram = { name: 'call_seconds', help: 'Call time.', labelNames: ['upstream', 'operation'] as const };
  return {
    stock,
    ours,
    stockCounter: new Counter({ ...counter, labelNames: [...counter.labelNames], registers: [stock] }),
    stockHistogram: new Histogram({
      ...histogram,
      labelNames: [...histogram.labelNames],
      buckets: BUCKETS,
      registers: [stock],
    }),
    ourCounter: new LabelledCounter({ ...counter, registers: [ours] }),
    ourHistogram: new LabelledHistogram({ ...histogram, buckets: BUCKETS, registers: [ours] }),
  };
}

describe('LabelledCounter and LabelledHistogram', () => {
  it("expose exactly what prom-client's Counter and Histogram expose for the same calls", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(call, { maxLength: 60 }), async (calls) => {
        const m = pair();
        for (const c of calls) {
          if (c.metric === 'counter') {
            m.stockCounter.inc({ ...c.labels }, c.value);
            m.ourCounter.inc({ ...c.labels }, c.value);
          } else {
            m.stockHistogram.observe({ ...c.labels }, c.value);
            m.ourHistogram.observe({ ...c.labels }, c.value);
          }
        }
        expect(await m.ours.metrics()).toBe(await m.stock.metrics());
        expect(await m.ours.getMetricsAsJSON()).toEqual(await m.stock.getMetricsAsJSON());
      }),
      { numRuns: 300 },
    );
  });

  it("read back as prom-client's after a registry reset", async () => {
    const m = pair();
    m.stockHistogram.observe({ upstream: 'a', operation: 'b' }, 0.2);
    m.ourHistogram.observe({ upstream: 'a', operation: 'b' }, 0.2);
    m.stock.resetMetrics();
    m.ours.resetMetrics();
    expect(await m.ours.metrics()).toBe(await m.stock.metrics());
    m.stockCounter.inc({ upstream: 'x', operation: 'y', outcome: 'ok' });
    m.ourCounter.inc({ upstream: 'x', operation: 'y', outcome: 'ok' });
    expect(await m.ours.metrics()).toBe(await m.stock.metrics());
  });

  it('keep a copy of the labels, so a caller changing its object later changes no series', async () => {
    const { ours, ourCounter } = pair();
    const labels = { upstream: 'a', operation: 'b', outcome: 'ok' };
    ourCounter.inc(labels);
    labels.outcome = 'changed';
    expect(await ours.metrics()).toContain('calls_total{upstream="a",operation="b",outcome="ok"} 1');
    expect(await ours.metrics()).not.toContain('changed');
  });

  it('refuse values and labels that would corrupt a series', () => {
    const { ourCounter, ourHistogram } = pair();
    expect(() => ourHistogram.observe({ upstream: 'a', operation: 'b' }, Number.NaN)).toThrow(/finite/);
    expect(() => ourHistogram.observe({ upstream: 'a', operation: 'b' }, Infinity)).toThrow(/finite/);
    expect(() => ourCounter.inc({ upstream: 'a', operation: 'b', outcome: 'ok' }, -1)).toThrow(/decreased/);
    expect(() => ourCounter.inc({ upstream: 'a', operation: 'b', outcome: 'ok' }, Number.NaN)).toThrow(/finite/);
    const missing = { upstream: 'a', operation: 'b' } as unknown as {
      upstream: string;
      operation: string;
      outcome: string;
    };
    expect(() => ourCounter.inc(missing)).toThrow(/"outcome" must be a string/);
  });

  it('refuse names Prometheus would not accept', () => {
    const registers = [new Registry()];
    expect(() => new LabelledCounter({ name: 'bad-name', help: 'h', labelNames: ['a'], registers })).toThrow(
      /metric name/,
    );
    expect(() => new LabelledCounter({ name: 'ok', help: 'h', labelNames: ['a', 'a'], registers })).toThrow(
      /label names/,
    );
    expect(() => new LabelledCounter({ name: 'ok', help: 'h', labelNames: ['1a'], registers })).toThrow(/label names/);
    expect(() => new LabelledHistogram({ name: 'h', help: 'h', labelNames: ['le'], buckets: [1], registers })).toThrow(
      /"le"/,
    );
    expect(() => new LabelledHistogram({ name: 'h', help: 'h', labelNames: ['a'], buckets: [], registers })).toThrow(
      /bucket/,
    );
    // None of the refused ones was registered.
    expect(registers[0]!.getMetricsAsArray()).toEqual([]);
  });
});

describe('createMetrics', () => {
  it('shows the per-request and per-call metrics on /metrics in the Prometheus text format', async () => {
    const metrics = createMetrics();
    metrics.upstreamRequests.inc({ upstream: 'appFabric', operation: 'GetAppAuthorization', outcome: 'ok' });
    metrics.upstreamDuration.observe({ upstream: 'appFabric', operation: 'GetAppAuthorization' }, 0.02);
    metrics.dataloaderBatchSize.observe({ loader: 'appAuthorization' }, 3);
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE upstream_requests_total counter');
    expect(text).toContain(
      'upstream_requests_total{upstream="appFabric",operation="GetAppAuthorization",outcome="ok"} 1',
    );
    expect(text).toContain('# TYPE upstream_request_duration_seconds histogram');
    expect(text).toContain(
      'upstream_request_duration_seconds_bucket{le="0.01",upstream="appFabric",operation="GetAppAuthorization"} 0',
    );
    expect(text).toContain(
      'upstream_request_duration_seconds_bucket{le="0.025",upstream="appFabric",operation="GetAppAuthorization"} 1',
    );
    expect(text).toContain(
      'upstream_request_duration_seconds_count{upstream="appFabric",operation="GetAppAuthorization"} 1',
    );
    expect(text).toContain('dataloader_batch_size_bucket{le="5",loader="appAuthorization"} 1');
  });
});

describe('outcomeLabel', () => {
  it('lower-cases registry codes and calls anything else an error, the same on every call', () => {
    for (let i = 0; i < 2; i++) {
      expect(outcomeLabel('UPSTREAM_THROTTLED')).toBe('upstream_throttled');
      expect(outcomeLabel('not a code')).toBe('error');
      expect(outcomeLabel(undefined)).toBe('error');
      expect(outcomeLabel('X'.repeat(41))).toBe('error');
    }
  });
});
