/**
 * What the subgraph records about every GraphQL request, in one place, whichever way the request
 * was executed (Apollo's pipeline, or the hot path for repeated operations): the span attributes,
 * the logs of errors that formatError hides, one request log line, and the request metrics.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Context } from './context.ts';
import { argumentErrorMessage, ERRORS, isRegistryError, isRequestErrorCode } from './errors.ts';
import { infoLineWriter, type Logger } from './logger.ts';
import { outcomeLabel, type Metrics } from './metrics.ts';
import { activeSpan } from './tracing.ts';

export interface RequestSummary {
  /** The request's context; absent when the request failed before one was made. */
  context: Context | undefined;
  operationType: string | null;
  operationName: string | null;
  /** `performance.now()` when the request started. */
  startedAt: number;
  /** Request-level errors (parse, validation, limits), as Apollo reports them. */
  requestErrors?: readonly GraphQLError[] | undefined;
  /** The errors of the response, formatted. */
  responseErrors: readonly GraphQLFormattedError[] | undefined;
  hasData: boolean;
  /** Served by the hot path (src/execution/hotPath.ts). */
  hot?: boolean;
}

export interface RequestRecorder {
  operationResolved(operationType: string | null, operationName: string | null): void;
  /** Logs what formatError hides: unexpected errors in full, upstream errors at warn. */
  errorsEncountered(errors: readonly GraphQLError[], context: Context | undefined, operationName: string | null): void;
  responded(summary: RequestSummary): void;
}

export function createRequestRecorder(logger: Logger, metrics: Metrics): RequestRecorder {
  // The request line has a fixed set of fields, none at a redacted path (no headers, variables or
  // credentials), so redaction could never censor anything in it; it is written with one
  // JSON.stringify. Everything else goes through the redacting per-request logger.
  const requestLine = infoLineWriter(logger, 'graphql request');
  return {
    operationResolved(operationType, operationName) {
      const span = activeSpan();
      if (!span) return;
      if (operationType) span.setAttribute('graphql.operation.type', operationType);
      if (operationName) span.setAttribute('graphql.operation.name', operationName);
    },

    errorsEncountered(errors, context, operationName) {
      const log = context?.log ?? logger;
      // An upstream's failure repeats at every item it nulls (a batch of 500 over the call budget
      // made 500 lines): one line per failure, at its first path, with how many items it reached.
      let upstreamFailures:
        Map<string, { fields: Record<string, unknown>; message: string; count: number }> | undefined;
      for (const error of errors) {
        const original = unwrapResolverError(error);
        const fields = { operationName, path: error.path };
        if (isRegistryError(original)) {
          const upstream = original.extensions['upstream'] as { name?: unknown; operation?: unknown } | undefined;
          if (upstream) {
            const key = `${String(original.extensions['code'])}\n${String(upstream.name)}\n${String(upstream.operation)}\n${original.message}`;
            const seen = (upstreamFailures ??= new Map()).get(key);
            if (seen) seen.count += 1;
            else {
              upstreamFailures.set(key, {
                fields: { ...fields, code: original.extensions['code'], upstream },
                message: original.message,
                count: 1,
              });
            }
          }
        } else if (error.path !== undefined) {
          // An argument refused at execution is the client's error, answered BAD_USER_INPUT.
          if (argumentErrorMessage(original) === null)
            log.error({ ...fields, err: original }, 'unexpected resolver error');
        } else if (!isRequestErrorCode(error.extensions['code'])) {
          // Not Apollo's answer to a bad request: a failure of the pipeline, masked for the client.
          log.error({ ...fields, err: original }, 'unexpected request error');
        }
      }
      for (const { fields, message, count } of upstreamFailures?.values() ?? []) {
        log.warn(count > 1 ? { ...fields, items: count } : fields, message);
      }
    },

    responded(summary) {
      if (summary.context) summary.context.recording.done = true;
      const errors = summary.responseErrors ?? [];
      const codes = [...new Set(errors.map((e) => String(e.extensions?.['code'] ?? 'UNKNOWN')))];
      // A request whose client went away is `cancelled`, whatever else failed as its calls stopped.
      const cancelled = codes.includes(ERRORS.REQUEST_CANCELLED.code);
      const outcome = cancelled ? 'cancelled' : codes.length === 0 ? 'success' : summary.hasData ? 'partial' : 'error';
      const span = activeSpan();
      if (span) {
        span.setAttribute('graphql.outcome', outcome);
        // A response without data: the request failed (a partial answer is not an error).
        if (outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR });
      }
      const durationMs = performance.now() - summary.startedAt;
      requestLine({
        requestId: summary.context?.requestId,
        operationName: summary.operationName,
        operationType: summary.operationType,
        durationMs: Math.round(durationMs * 10) / 10,
        waitedMs: summary.context?.waitedMs,
        outcome,
        errorCodes: codes.length > 0 ? codes : undefined,
        upstreamCalls: summary.context?.upstreamCalls?.calls() ?? {},
        hot: summary.hot ? true : undefined,
      });
      // The formatted errors, as the client sees them (an unexpected error is INTERNAL_SERVER_ERROR
      // there, and has no code in Apollo's raw list): the same label on Apollo's path and the hot path.
      const firstCode = (errors.length > 0 ? errors : (summary.requestErrors ?? []))[0]?.extensions?.['code'];
      const failed = (summary.requestErrors?.length ?? 0) > 0 || errors.length > 0;
      const labels = {
        operation_type: summary.operationType ?? 'unknown',
        outcome: cancelled ? 'cancelled' : failed ? (summary.hasData ? 'partial' : outcomeLabel(firstCode)) : 'success',
      };
      metrics.graphqlRequests.inc(labels);
      metrics.graphqlDuration.observe(labels, durationMs / 1000);
    },
  };
}
