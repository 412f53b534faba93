/**
 * Load generation for the benchmark: a typed face for autocannon (closed model: each connection
 * sends its next request when the previous answer arrives) and a small open-model generator
 * (fixed arrival rate, latency measured from each request's scheduled time, so a slow answer
 * cannot hide the requests that queue behind it).
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Percentiles } from './results.ts';

// ------------------------------------------------------------------ autocannon (CommonJS, untyped)

export interface LoadRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  setupRequest?: (request: LoadRequest, context: Record<string, unknown>) => LoadRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

interface AutocannonResult {
  /** Seconds. */
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { sent: number; total: number };
}

interface AutocannonInstance extends EventEmitter {
  stop(): void;
}

type Autocannon = (
  options: {
    url: string;
    connections: number;
    duration: number;
    /** Milliseconds between samples; a run ends on one. */
    sampleInt: number;
    timeout: number;
    requests: LoadRequest[];
  },
  callback: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface ClosedLoopResult {
  requests: number;
  failures: number;
  rps: number;
  latency: Percentiles;
}

/** Runs `connections` closed-loop connections for `durationS` seconds. */
export function closedLoop(options: {
  url: string;
  connections: number;
  durationS: number;
  request: () => LoadRequest;
  /** Called with each answer's body; returns false for a failed answer (GraphQL errors, wrong data). */
  check: (status: number, body: string) => boolean;
}): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  let failures = 0;
  const request = options.request();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationS,
        // autocannon stops only on a sample tick (every second by default): a run of 0.2 s would
        // last a whole second. Ticks of 100 ms end it within 0.1 s of the duration asked for.
        sampleInt: 100,
        timeout: 30,
        requests: [
          {
            ...request,
            onResponse: (status, body) => {
              if (!options.check(status, body)) failures += 1;
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const requests = result.requests.total;
        resolve({
          requests,
          // autocannon counts each timeout among its errors as well: not twice here.
          failures: failures + result.errors,
          // Answers that passed the check, per second: a failed answer is not throughput.
          rps: result.duration > 0 ? (requests - failures) / result.duration : 0,
          latency: percentiles(latencies),
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
}

// ------------------------------------------------------------------ open model

export interface OpenLoopResult {
  requests: number;
  failures: number;
  latency: Percentiles;
}

/**
 * Starts `fire` at a fixed rate for `durationS` seconds (whether earlier ones have answered or
 * not) and measures each from its scheduled start.
 */
export async function openLoop(rate: number, durationS: number, fire: () => Promise<boolean>): Promise<OpenLoopResult> {
  const interval = 1000 / rate;
  const total = Math.max(1, Math.round(rate * durationS));
  const latencies: number[] = [];
  let failures = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const scheduled = start + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait - 0.5);
    while (performance.now() < scheduled) {
      // the last half millisecond: spin, timers are too coarse
    }
    inFlight.push(
      fire().then(
        (ok) => {
          latencies.push(performance.now() - scheduled);
          if (!ok) failures += 1;
        },
        () => {
          failures += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { requests: total, failures, latency: percentiles(latencies) };
}

// ------------------------------------------------------------------ statistics

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Row `row` of a Williams Latin square over `items`: over `items.length` consecutive rows, every
 * item comes first once, and (for an even number of items) every item follows every other exactly
 * once, so that no contender always runs right after the same one.
 */
export function williamsOrder<T>(items: readonly T[], row: number): T[] {
  const n = items.length;
  const offsets = Array.from({ length: n }, (_, k) => (k % 2 === 1 ? (k + 1) / 2 : (n - k / 2) % n));
  return offsets.map((offset) => items[(offset + row) % n]!);
}

/**
 * The order in which the contenders run one query in one round (from 1): the query's rounds take
 * consecutive rows of the Williams square, starting from the query's index, so that over as many
 * rounds as there are contenders each query runs every contender first once and (for an even
 * number of contenders) every contender right after every other once. (Rows numbered `(round - 1) × queries + query` gave every round of
 * a query the same order whenever the number of queries was a multiple of the contenders', as
 * twelve queries are of four or two: a contender that always ran right after another, or always
 * last, kept whatever that position cost it in every round, and the median could not cancel it.)
 */
export function cellOrder<T>(items: readonly T[], round: number, queryIndex: number): T[] {
  return williamsOrder(items, queryIndex + round - 1);
}
