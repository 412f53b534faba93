import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { tracingEnabled, withRequestSpan, withUpstreamSpan } from '../tracing.ts';

// The tests run in this order: the module's tracer is bound to the global provider it was made
// with, so the provider is registered once, in the last test, and never taken back.
afterEach(() => {
  propagation.disable();
});

describe('tracing without an SDK', () => {
  it('is off, and spans cost nothing but still run their work and pass its outcome on', async () => {
    expect(tracingEnabled()).toBe(false);
    const answer = await withRequestSpan(
      'POST',
      'r-1',
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      (span) => {
        expect(span.isRecording()).toBe(false);
        span.setAttribute('graphql.outcome', 'success'); // accepted and dropped
        return withUpstreamSpan(
          'conductorOne GetConnector',
          {},
          async () => 42,
          () => 'X',
        );
      },
      () => 200,
    );
    expect(answer).toBe(42);
    const failure = new Error('upstream down');
    await expect(
      withUpstreamSpan(
        'appFabric GetAppAuthorization',
        {},
        () => Promise.reject(failure),
        () => 'UPSTREAM_UNAVAILABLE',
      ),
    ).rejects.toBe(failure);
  });

  it('turns on when an SDK registers a tracer provider, or a propagator, after start-up', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    expect(tracingEnabled()).toBe(true);
    propagation.disable();
    expect(tracingEnabled()).toBe(false);

    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    expect(tracingEnabled()).toBe(true);
    await withRequestSpan(
      'POST',
      'r-2',
      {},
      async (span) => {
        expect(span.isRecording()).toBe(true);
        return { status: 503 };
      },
      (answer) => answer.status,
    );
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe('POST /graphql');
    expect(span!.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'url.path': '/graphql',
      'request.id': 'r-2',
      'http.response.status_code': 503,
    });
    expect(span!.status.code).toBe(2); // ERROR
  });
});
