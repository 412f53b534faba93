/**
 * Prometheus metrics (`/metrics`). Every label has a fixed, small set of values (operation types,
 * outcomes, upstream and operation names from the code): never ids, arguments or anything a
 * caller sent, so nothing secret or unbounded can become a label.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  graphqlRequests: Counter<'operation_type' | 'outcome'>;
  graphqlDuration: Histogram<'operation_type' | 'outcome'>;
  upstreamRequests: Counter<'upstream' | 'operation' | 'outcome'>;
  upstreamDuration: Histogram<'upstream' | 'operation'>;
  upstreamAttempts: Counter<'upstream' | 'operation'>;
  upstreamThrottles: Counter<'upstream' | 'operation'>;
  dataloaderBatchSize: Histogram<'loader'>;
  tokenRefreshes: Counter<'upstream'>;
  unhandledRejections: Counter;
  circuitState: Gauge<'upstream'>;
  /** Requests whose deadline passed while they waited for a turn to execute (answered 503). */
  operationsShed: Counter;
  /** Reports the admission's state (src/admission.ts) at each scrape. */
  watchAdmission(admission: AdmissionState): void;
}

/** What /metrics shows of the admission of operations (src/admission.ts). */
export interface AdmissionState {
  readonly limit: number;
  readonly active: number;
  readonly waiting: number;
}

/** Outcomes are registry codes (lower case) or `ok`; anything else is `error`. */
export function outcomeLabel(code: unknown): string {
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code.toLowerCase() : 'error';
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let admission: AdmissionState | null = null;
  const latency = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const metrics: Metrics = {
    registry,
    graphqlRequests: new Counter({
      name: 'graphql_requests_total',
      help: 'GraphQL requests by operation type and outcome.',
      labelNames: ['operation_type', 'outcome'],
      registers: [registry],
    }),
    graphqlDuration: new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'GraphQL request duration by operation type and outcome.',
      labelNames: ['operation_type', 'outcome'],
      buckets: latency,
      registers: [registry],
    }),
    upstreamRequests: new Counter({
      name: 'upstream_requests_total',
      help: 'Upstream calls by upstream, operation and outcome (after retries).',
      labelNames: ['upstream', 'operation', 'outcome'],
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'upstream_request_duration_seconds',
      help: 'Upstream call duration (all attempts) by upstream and operation.',
      labelNames: ['upstream', 'operation'],
      buckets: latency,
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: 'upstream_retries_total',
      help: 'Upstream attempts beyond the first (retries), by upstream and operation.',
      labelNames: ['upstream', 'operation'],
      registers: [registry],
    }),
    upstreamThrottles: new Counter({
      name: 'upstream_throttled_total',
      help: 'Upstream calls that ended throttled, by upstream and operation.',
      labelNames: ['upstream', 'operation'],
      registers: [registry],
    }),
    dataloaderBatchSize: new Histogram({
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
      help: 'GraphQL requests answered 503 because their deadline passed while they waited for a turn to execute.',
      registers: [registry],
    }),
    watchAdmission(state) {
      admission = state;
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
  new Gauge({
    name: 'graphql_operation_concurrency_limit',
    help: 'GraphQL operations that may execute at once (OPERATION_CONCURRENCY; absent when unset).',
    registers: [registry],
    collect() {
      if (admission) this.set(admission.limit);
    },
  });
  return metrics;
}
