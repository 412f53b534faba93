/**
 * OpenTelemetry tracing through `@opentelemetry/api` only: a span per GraphQL request (continuing
 * the caller's W3C `traceparent`) and a span per upstream call (whose context is sent upstream in
 * `traceparent`). Without a registered SDK every call here is a no-op; the README shows how to
 * register one that exports over OTLP.
 */
import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';

export const tracer = trace.getTracer('connector-auth-subgraph', '0.1.0');

/** The API's no-op provider: what the global provider delegates to until an SDK registers one. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
/** The span `fn` gets when nothing traces. */
const NON_RECORDING_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether an SDK registered a tracer provider or a propagator. When neither is, every span and
 * context operation is a no-op, and skipping them saves their allocations on every request and
 * upstream call. Checked per call, so an SDK registered after start-up takes effect at once.
 */
export function tracingEnabled(): boolean {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate !== NOOP_PROVIDER || propagation.fields().length > 0;
}

/**
 * Runs `fn` in a SERVER span continuing the trace named by the request's headers. The span is
 * named and described as OpenTelemetry's HTTP conventions say (`POST /graphql`, the method, the
 * route, the response status); `statusOf` reads the HTTP status from what `fn` returns. A 5xx, or a
 * GraphQL outcome of `error` (src/requestRecorder.ts), marks the span as failed.
 */
export function withRequestSpan<T>(
  method: string,
  requestId: string,
  headers: Record<string, string | string[] | undefined>,
  fn: (span: Span) => Promise<T>,
  statusOf: (result: T) => number,
): Promise<T> {
  // Positional arguments: nothing is allocated for the span while tracing is off.
  if (!tracingEnabled()) return fn(NON_RECORDING_SPAN);
  const parent = propagation.extract(context.active(), headers);
  const attributes = {
    'http.request.method': method,
    'http.route': '/graphql',
    'url.path': '/graphql',
    'request.id': requestId,
  };
  return context.with(parent, () =>
    tracer.startActiveSpan(`${method} /graphql`, { kind: SpanKind.SERVER, attributes }, async (span) => {
      try {
        const result = await fn(span);
        const status = statusOf(result);
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return result;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    }),
  );
}

/**
 * A SERVER span for a request refused before it executed (a 401, a 400 for a body that is not
 * JSON, a 405, a 503 for a request shed or a key set that could not be read), continuing the
 * caller's trace as {@link withRequestSpan} does: from its arrival (`startedAt`, in
 * `performance.now()` time) to now, with its status and the refusal's code as `error.type`.
 */
export function recordRefusedRequest(
  method: string,
  requestId: string,
  headers: Record<string, string | string[] | undefined>,
  startedAt: number,
  /** Null when nothing was answered (the client went away). */
  status: number | null,
  code: string,
): void {
  if (!tracingEnabled()) return;
  const parent = propagation.extract(context.active(), headers);
  const span = tracer.startSpan(
    `${method} /graphql`,
    {
      kind: SpanKind.SERVER,
      startTime: performance.timeOrigin + startedAt,
      attributes: {
        'http.request.method': method,
        'http.route': '/graphql',
        'url.path': '/graphql',
        'request.id': requestId,
        ...(status === null ? {} : { 'http.response.status_code': status }),
        'error.type': code,
      },
    },
    parent,
  );
  if (status !== null && status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.end();
}

/** Runs `fn` in a CLIENT span for one upstream call; its outcome becomes the span's status. */
export function withUpstreamSpan<T>(
  name: string,
  attributes: Attributes,
  fn: () => Promise<T>,
  outcomeOf: (error: unknown) => string,
): Promise<T> {
  if (!tracingEnabled()) return fn();
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

/**
 * Adds `traceparent` (and `tracestate`) for the active span to outgoing headers. Never `baggage`:
 * a registered baggage propagator (NodeSDK's default) would otherwise send the caller's baggage,
 * text the caller chose, to AWS and ConductorOne, signed with the rest.
 */
export function injectTraceHeaders(headers: Record<string, string>): void {
  const active = context.active();
  propagation.inject(propagation.getBaggage(active) ? propagation.deleteBaggage(active) : active, headers);
}

/** The active span (the request's, inside Apollo's hooks), if an SDK is registered. */
export function activeSpan(): Span | undefined {
  return trace.getActiveSpan();
}
