/**
 * Labelled counters and histograms for the metrics recorded on every request and every upstream
 * call, with prom-client's exposition and without its per-call costs.
 *
 * prom-client's `inc` and `observe` check the labels, join them into a string key, look the
 * series up by that key, and (histograms) find and bump the bucket through a property named by the
 * bound's number, converting it to a string each time. A batch of 100 single reads records a few
 * hundred of these per request (docs/performance.md, *Metrics without string keys*). Here a series
 * is found through one `Map` per label, by the label values as given, and a histogram's buckets
 * are an array.
 *
 * The exposition is prom-client's: these register with its `Registry`, which formats what `get()`
 * returns. `get()` returns what prom-client's Counter and Histogram return for the same calls, in
 * the same order, so /metrics reads the same byte for byte (src/__tests__/metricSeries.test.ts).
 */
import type { Metric, Registry } from 'prom-client';

export type LabelValues<L extends string> = Readonly<Record<L, string>>;

/** One sample of `get()`, as prom-client's Counter and Histogram give it. */
export interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  exemplar?: null;
}

/** What `get()` returns, in prom-client's shape (its own type for it is not exported). */
export interface MetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Sample[];
  aggregator: 'sum';
}

interface SeriesOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly [L, ...L[]];
  registers: Registry[];
}

// Prometheus's data model (as prom-client checks them).
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The series of one metric, by label values (a `Map` per label), and in the order they were made. */
abstract class LabelledMetric<L extends string, S extends { readonly labels: LabelValues<L> }> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  abstract readonly type: 'counter' | 'histogram';
  readonly #labelNames: readonly L[];
  #root = new Map<string, unknown>();
  /** Exposition order: prom-client lists series in the order they were first recorded. */
  protected series: S[] = [];

  constructor({ name, help, labelNames, registers }: SeriesOptions<L>) {
    if (!METRIC_NAME.test(name)) throw new TypeError(`Invalid metric name: ${name}`);
    if (!labelNames.every((label) => LABEL_NAME.test(label)) || new Set(labelNames).size !== labelNames.length)
      throw new TypeError(`Invalid or repeated label names for ${name}: ${labelNames.join(', ')}`);
    this.name = name;
    this.help = help;
    this.#labelNames = labelNames;
    // prom-client's Registry reads a metric's name, help, type, aggregator and get(), and resets it.
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  protected abstract create(labels: LabelValues<L>): S;

  protected find(labels: LabelValues<L>): S {
    const names = this.#labelNames;
    let node = this.#root;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) {
      const value = labelValue(labels, names[i]!);
      let next = node.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) node.set(value, (next = new Map()));
      node = next;
    }
    const value = labelValue(labels, names[last]!);
    let series = node.get(value) as S | undefined;
    if (series === undefined) {
      const own = {} as Record<L, string>;
      for (const name of names) own[name] = labels[name];
      series = this.create(own);
      node.set(value, series);
      this.series.push(series);
    }
    return series;
  }

  reset(): void {
    this.#root = new Map();
    this.series = [];
  }
}

function labelValue<L extends string>(labels: LabelValues<L>, name: L): string {
  const value = labels[name];
  if (typeof value !== 'string') throw new TypeError(`Metric label "${name}" must be a string.`);
  return value;
}

function checkValue(value: number): void {
  if (!Number.isFinite(value)) throw new TypeError(`Metric value is not a finite number: ${String(value)}`);
}

interface CounterSeries<L extends string> {
  readonly labels: LabelValues<L>;
  value: number;
}

export class LabelledCounter<L extends string> extends LabelledMetric<L, CounterSeries<L>> {
  readonly type = 'counter';

  protected create(labels: LabelValues<L>): CounterSeries<L> {
    return { value: 0, labels };
  }

  inc(labels: LabelValues<L>, value = 1): void {
    checkValue(value);
    if (value < 0) throw new TypeError('A counter cannot be decreased.');
    this.find(labels).value += value;
  }

  async get(): Promise<MetricSnapshot> {
    return {
      help: this.help,
      name: this.name,
      type: this.type,
      values: this.series.map(({ value, labels }) => ({ value, labels: { ...labels } })),
      aggregator: this.aggregator,
    };
  }
}

interface HistogramSeries<L extends string> {
  readonly labels: LabelValues<L>;
  /** Observations per bucket (not cumulative); the last counts those above every bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

function bucketBounds({
  name,
  labelNames,
  buckets,
}: {
  name: string;
  labelNames: readonly string[];
  buckets: readonly number[];
}): number[] {
  if (labelNames.includes('le')) throw new TypeError(`Histogram ${name}: "le" is the bucket label.`);
  const bounds = [...buckets].sort((a, b) => a - b);
  if (bounds.length === 0 || !bounds.every(Number.isFinite) || new Set(bounds).size !== bounds.length)
    throw new TypeError(`Histogram ${name} needs distinct, finite bucket bounds.`);
  return bounds;
}

export class LabelledHistogram<L extends string> extends LabelledMetric<L, HistogramSeries<L>> {
  readonly type = 'histogram';
  readonly #bounds: readonly number[];

  constructor(options: SeriesOptions<L> & { buckets: readonly number[] }) {
    const bounds = bucketBounds(options); // before super() registers the histogram
    super(options);
    this.#bounds = bounds;
  }

  protected create(labels: LabelValues<L>): HistogramSeries<L> {
    return { labels, counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
  }

  observe(labels: LabelValues<L>, value: number): void {
    checkValue(value);
    const series = this.find(labels);
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    series.counts[bucket]! += 1;
    series.sum += value;
    series.count += 1;
  }

  async get(): Promise<MetricSnapshot> {
    const values: Sample[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, counts, sum, count } of this.series) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += counts[i]!;
        values.push({ value: cumulative, metricName: bucketName, exemplar: null, labels: { le: bound, ...labels } });
      });
      values.push({ value: count, metricName: bucketName, exemplar: null, labels: { le: '+Inf', ...labels } });
      values.push({ value: sum, metricName: `${this.name}_sum`, exemplar: undefined, labels: { ...labels } });
      values.push({ value: count, metricName: `${this.name}_count`, exemplar: undefined, labels: { ...labels } });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
