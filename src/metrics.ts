/**
 * Prometheus metrics (`/metrics`). Every label has a fixed, small set of values (operation types,
 * outcomes, upstream and operation names from the code): never ids, arguments or anything a
 * caller sent, so nothing secret or unbounded can become a label.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './metricSeries.ts';

export interface Metrics {
  registry: Registry;
  // Recorded on every request or upstream call: src/metricSeries.ts.
  graphqlRequests: LabelledCounter<'operation_type' | 'outcome'>;
  graphqlDuration: LabelledHistogram<'operation_type' | 'outcome'>;
  upstreamRequests: LabelledCounter<'upstream' | 'operation' | 'outcome'>;
  upstreamDuration: LabelledHistogram<'upstream' | 'operation'>;
  upstreamAttempts: LabelledCounter<'upstream' | 'operation'>;
  upstreamThrottles: LabelledCounter<'upstream' | 'operation'>;
  dataloaderBatchSize: LabelledHistogram<'loader'>;
  tokenRefreshes: Counter<'upstream'>;
  unhandledRejections: Counter;
  circuitState: Gauge<'upstream'>;
  /**
   * Requests answered 503 without executing (with OPERATION_CONCURRENCY set), by reason: their
   * deadline passed while they waited for a turn, or the waiting list was full.
   */
  operationsShed: Counter<'reason'>;
  /** Client connections closed as they were accepted, because MAX_CONNECTIONS were open. */
  connectionsDropped: Counter;
  /** Reports the admission's state (src/admission.ts) at each scrape. */
  watchAdmission(admission: AdmissionState): void;
}

/** What /metrics shows of the admission of operations (src/admission.ts). */
export interface AdmissionState {
  readonly limit: number;
  readonly active: number;
  readonly waiting: number;
  /** The waiting operations' bodies, in characters. */
  readonly waitingBytes: number;
}

const outcomeLabels = new Map<string, string>();

/** Outcomes are registry codes (lower case) or `ok`; anything else is `error`. */
export function outcomeLabel(code: unknown): string {
  if (typeof code !== 'string') return 'error';
  const known = outcomeLabels.get(code);
  if (known !== undefined) return known;
  if (!/^[A-Z_]{2,40}$/.test(code)) return 'error';
  const label = code.toLowerCase();
  // The registry's codes are few; the bound keeps any other source of codes from growing it.
  if (outcomeLabels.size < 64) outcomeLabels.set(code, label);
  return label;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let admission: AdmissionState | null = null;
  const latency = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const metrics: Metrics = {
    registry,
    graphqlRequests: new LabelledCounter({
      name: 'graphql_requests_total',
      help: 'GraphQL requests by operation type and outcome.',
      labelNames: ['operation_type', 'outcome'],
      registers: [registry],
    }),
    graphqlDuration: new LabelledHistogram({
      name: 'graphql_request_duration_seconds',
      help: 'GraphQL request duration by operation type and outcome.',
      labelNames: ['operation_type', 'outcome'],
      buckets: latency,
      registers: [registry],
    }),
    upstreamRequests: new LabelledCounter({
      name: 'upstream_requests_total',
      help: 'Upstream calls by upstream, operation and outcome (after retries).',
      labelNames: ['upstream', 'operation', 'outcome'],
      registers: [registry],
    }),
    upstreamDuration: new LabelledHistogram({
      name: 'upstream_request_duration_seconds',
      help: 'Upstream call duration (all attempts) by upstream and operation.',
      labelNames: ['upstream', 'operation'],
      buckets: latency,
      registers: [registry],
    }),
    upstreamAttempts: new LabelledCounter({
      name: 'upstream_retries_total',
      help: 'Upstream attempts beyond the first (retries), by upstream and operation.',
      labelNames: ['upstream', 'operation'],
      registers: [registry],
    }),
    upstreamThrottles: new LabelledCounter({
      name: 'upstream_throttled_total',
      help: 'Upstream calls that ended throttled, by upstream and operation.',
      labelNames: ['upstream', 'operation'],
      registers: [registry],
    }),
    dataloaderBatchSize: new LabelledHistogram({
      name: 'dataloader_batch_size',
      help: 'Keys per DataLoader batch, by loader.',
      labelNames: ['loader'],
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000],
      registers: [registry],
    }),
    tokenRefreshes: new Counter({
      name: 'upstream_token_refreshes_total',
      help: 'Access-token requests made to an upstream token endpoint.',
      labelNames: ['upstream'],
      registers: [registry],
    }),
    unhandledRejections: new Counter({
      name: 'process_unhandled_rejections_total',
      help: 'Promise rejections nobody handled (logged, never fatal).',
      registers: [registry],
    }),
    circuitState: new Gauge({
      name: 'upstream_circuit_state',
      help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.',
      labelNames: ['upstream'],
      registers: [registry],
    }),
    operationsShed: new Counter({
      name: 'graphql_operations_shed_total',
      help: 'GraphQL requests answered 503 without executing, by reason: deadline (it passed while the request waited for a turn), queue_full (the waiting list was full when it arrived).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    connectionsDropped: new Counter({
      name: 'http_connections_dropped_total',
      help: 'Client connections closed as they were accepted, because MAX_CONNECTIONS connections were open.',
      registers: [registry],
    }),
    watchAdmission(state) {
      admission = state;
      // Both reasons read 0 from the start, so that a rate over them is defined before the first.
      for (const reason of ['deadline', 'queue_full']) metrics.operationsShed.inc({ reason }, 0);
      // Registered only now: a gauge without labels reads 0 until set, and a limit of 0 would say
      // that nothing may run, where no limit is set at all.
      new Gauge({
        name: 'graphql_operation_concurrency_limit',
        help: 'GraphQL operations that may execute at once (OPERATION_CONCURRENCY; absent when unset).',
        registers: [registry],
        collect() {
          this.set(state.limit);
        },
      });
      new Gauge({
        name: 'graphql_operations_waiting_bytes',
        help: 'The bodies of the GraphQL operations waiting for a turn to execute, in characters (OPERATION_MAX_QUEUE_BYTES bounds it).',
        registers: [registry],
        collect() {
          this.set(state.waitingBytes);
        },
      });
    },
  };
  new Gauge({
    name: 'graphql_operations',
    help: 'GraphQL operations executing, and waiting for a turn to execute (with OPERATION_CONCURRENCY set).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      if (!admission) return;
      this.set({ state: 'executing' }, admission.active);
      this.set({ state: 'waiting' }, admission.waiting);
    },
  });
  return metrics;
}
