/**
 * OpenTelemetry tracing through `@opentelemetry/api` only: a span per GraphQL request (continuing
 * the caller's W3C `traceparent`) and a span per upstream call (whose context is sent upstream in
 * `traceparent`). Without a registered SDK every call here is a no-op; the README shows how to
 * register one that exports over OTLP.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

export const tracer = trace.getTracer('connector-auth-subgraph', '0.1.0');

/** Runs `fn` in a SERVER span continuing the trace named by the request's headers. */
export function withRequestSpan<T>(
  headers: Record<string, string | string[] | undefined>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(context.active(), headers);
  return context.with(parent, () =>
    tracer.startActiveSpan('graphql.request', { kind: SpanKind.SERVER }, async (span) => {
      try {
        return await fn(span);
      } finally {
        span.end();
      }
    }),
  );
}

/** Runs `fn` in a CLIENT span for one upstream call; its outcome becomes the span's status. */
export function withUpstreamSpan<T>(
  name: string,
  attributes: Attributes,
  fn: () => Promise<T>,
  outcomeOf: (error: unknown) => string,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const result = await fn();
      span.setAttribute('upstream.outcome', 'OK');
      return result;
    } catch (error) {
      const outcome = outcomeOf(error);
      span.setAttribute('upstream.outcome', outcome);
      // The registry code only: never an upstream message, which could carry input.
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Adds `traceparent` (and `tracestate`) for the active span to outgoing headers. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers);
}

/** The active span (the request's, inside Apollo's hooks), if an SDK is registered. */
export function activeSpan(): Span | undefined {
  return trace.getActiveSpan();
}
