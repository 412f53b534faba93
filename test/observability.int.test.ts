/**
 * A query's log line, metrics and spans all show its upstream calls; W3C trace context flows from
 * the caller through the subgraph to the upstream request.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFECT_QUERY, withConnectorDefect } from './helpers/injectedDefect.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

const exporter = new InMemorySpanExporter();
/** The detail of the injected defect's error: logged, never answered. */
const PLANTED = 'planted-defect-detail-5c1e';
let t: TestServer;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // As the README's NodeSDK registers them by default: trace context and baggage.
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  t = await startTestServer({ wrapAdapters: withConnectorDefect(PLANTED) });
});
afterAll(async () => {
  await t.close();
  trace.disable();
  propagation.disable();
  context.disable();
});

const QUERY = 'query Lookup { connectorDestination(id: "dest-lumen-eu") { name cloudConnector { name } } }';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('observability of one query', () => {
  it('logs one line with its request id, operation, outcome and upstream calls', async () => {
    await t.query(QUERY, undefined, { 'x-request-id': 'obs-req-1' });
    const line = t.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'graphql request' && l.requestId === 'obs-req-1');
    expect(line).toMatchObject({
      level: 30,
      operationName: 'Lookup',
      operationType: 'query',
      outcome: 'success',
      durationMs: expect.any(Number),
      upstreamCalls: { iotManagedIntegrations: { GetConnectorDestination: 1, GetCloudConnector: 1 } },
    });
  });

  it('records spans for the request and each upstream call, continuing the caller trace and propagating it upstream', async () => {
    exporter.reset();
    t.sandbox.aws!.reset();
    await t.query(QUERY, undefined, { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'POST /graphql')!;
    expect(request.spanContext().traceId).toBe(TRACE_ID);
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'http.response.status_code': 200,
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'Lookup',
      'graphql.outcome': 'success',
    });
    expect(request.status.code).toBe(0); // UNSET: not an error
    const upstream = spans.filter((s) => s.name.startsWith('iotManagedIntegrations '));
    expect(upstream.map((s) => s.name).sort()).toEqual([
      'iotManagedIntegrations GetCloudConnector',
      'iotManagedIntegrations GetConnectorDestination',
    ]);
    expect(
      upstream.every((s) => s.spanContext().traceId === TRACE_ID && s.attributes['upstream.outcome'] === 'OK'),
    ).toBe(true);
    const sent = t.sandbox.aws!.requests.map((r) => r.headers['traceparent']);
    expect(sent).toHaveLength(2);
    for (const header of sent) expect(header).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    // The traceparent is signed like every other header the SDK sends.
    expect(t.sandbox.aws!.requests[0]!.headers['authorization']).toContain('traceparent');
  });

  it('records a span for a request refused before it executed, continuing the caller trace', async () => {
    exporter.reset();
    const traceparent = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
    const notJson = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent, 'x-request-id': 'obs-refused-json' },
      body: '{ not json',
    });
    expect(notJson.status).toBe(400);
    const put = await fetch(t.url, { method: 'PUT', headers: { traceparent, 'x-request-id': 'obs-refused-put' } });
    expect(put.status).toBe(405);
    const spans = exporter.getFinishedSpans();
    const byRequest = (id: string) => spans.find((s) => s.attributes['request.id'] === id)!;
    expect(byRequest('obs-refused-json')).toMatchObject({
      name: 'POST /graphql',
      attributes: { 'http.response.status_code': 400, 'error.type': 'BAD_REQUEST', 'http.route': '/graphql' },
    });
    expect(byRequest('obs-refused-put')).toMatchObject({
      name: 'PUT /graphql',
      attributes: { 'http.response.status_code': 405, 'error.type': 'BAD_REQUEST' },
    });
    for (const id of ['obs-refused-json', 'obs-refused-put']) {
      expect(byRequest(id).spanContext().traceId).toBe(TRACE_ID);
      expect(byRequest(id).status.code).toBe(0); // a 4xx is the client's: not a server error
    }
  });

  it("does not send the caller's baggage upstream: it is the caller's text, and would be signed", async () => {
    t.sandbox.aws!.reset();
    await t.query(QUERY, undefined, {
      traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      baggage: 'user.email=alice%40corp.example,internal.session=PLANTEDBAGGAGE',
    });
    const requests = t.sandbox.aws!.requests;
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request.headers['traceparent']).toMatch(new RegExp(`^00-${TRACE_ID}-`));
      expect(request.headers['baggage']).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain('PLANTEDBAGGAGE');
    }
  });

  it('counts the same upstream calls in /metrics', async () => {
    const text = await (await fetch(`${t.origin}/metrics`)).text();
    expect(text).toMatch(
      /upstream_requests_total\{upstream="iotManagedIntegrations",operation="GetCloudConnector",outcome="ok"\} [1-9]/,
    );
    expect(text).toMatch(/graphql_request_duration_seconds_count\{operation_type="query",outcome="success"\} [1-9]/);
  });

  it("logs an upstream failure with the request's id, next to the request's own line", async () => {
    t.sandbox.aws!.inject('GetConnectorDestination', { kind: 'error', status: 409, type: 'ConflictException' });
    await t.query(QUERY, undefined, { 'x-request-id': 'obs-req-failing' });
    const lines = t.logs.map((l) => JSON.parse(l)).filter((l) => l.requestId === 'obs-req-failing');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'upstream call failed', operation: 'GetConnectorDestination', status: 409 }),
        expect.objectContaining({ msg: 'graphql request', outcome: 'partial' }),
      ]),
    );
  });

  it('logs how many attempts a failed upstream call made and how long it waited between them', async () => {
    const failures = (requestId: string) =>
      t.logs.map((l) => JSON.parse(l)).filter((l) => l.requestId === requestId && l.msg === 'upstream call failed');
    // A service error, then a connection reset (a transport failure), three attempts each.
    t.sandbox.aws!.inject('GetConnectorDestination', {
      kind: 'error',
      status: 500,
      type: 'InternalServerException',
      times: 3,
    });
    await t.query(QUERY, undefined, { 'x-request-id': 'obs-req-retried-500' });
    t.sandbox.aws!.inject('GetConnectorDestination', { kind: 'reset', times: 3 });
    await t.query(QUERY, undefined, { 'x-request-id': 'obs-req-retried-reset' });
    t.sandbox.conductorOne!.inject('GetCredentials', { kind: 'error', status: 503, times: 3 });
    await t.query(
      '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-app-key") { id } }',
      undefined,
      { 'x-request-id': 'obs-req-retried-c1' },
    );
    for (const [requestId, operation] of [
      ['obs-req-retried-500', 'GetConnectorDestination'],
      ['obs-req-retried-reset', 'GetConnectorDestination'],
      ['obs-req-retried-c1', 'GetCredentials'],
    ] as const) {
      expect(failures(requestId), requestId).toEqual([
        expect.objectContaining({ operation, attempts: 3, retryDelayMs: expect.any(Number) }),
      ]);
      expect(failures(requestId)[0].retryDelayMs, requestId).toBeGreaterThan(0);
    }
  });

  const count = async (outcome: string) => {
    const text = await (await fetch(`${t.origin}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`graphql_requests_total{operation_type="query",outcome="${outcome}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const lastRequestSpans = (n: number) =>
    exporter
      .getFinishedSpans()
      .filter((span) => span.name === 'POST /graphql')
      .slice(-n)
      .map((span) => [span.attributes['graphql.outcome'], span.status.code]);

  it('labels a failed operation by its code alike on every path (graphql-js, compiled, hot)', async () => {
    const before = { badInput: await count('bad_user_input'), error: await count('error') };
    for (let run = 0; run < 4; run++) {
      // Runs 1 to 4: graphql-js, compiled, then the hot path twice. The whole field fails: no data.
      const res = await t.query('query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }', {
        r: [{ __typename: 'NoSuchType', id: 'x' }],
      });
      expect(res.body.data, `run ${run + 1}`).toBeNull();
      expect(res.body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
    }
    expect(await count('bad_user_input')).toBe(before.badInput + 4);
    expect(await count('error')).toBe(before.error);
    // Each request's span says it failed, though HTTP said 200.
    expect(lastRequestSpans(4)).toEqual(Array(4).fill(['error', 2]));
  });

  it('masks and logs an unexpected error alike on every path, and labels the request partial', async () => {
    const logged = () => t.logs.filter((line) => line.includes('unexpected resolver error') && line.includes(PLANTED));
    const before = { logged: logged().length, partial: await count('partial') };
    for (let run = 0; run < 4; run++) {
      const res = await t.query(DEFECT_QUERY.query, DEFECT_QUERY.variables);
      expect(res.body, `run ${run + 1}`).toEqual({
        data: { _entities: [null] },
        errors: [
          {
            message: 'Internal server error.',
            locations: expect.any(Array),
            path: ['_entities', 0],
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          },
        ],
      });
      expect(res.text).not.toContain(PLANTED);
    }
    // Each one logged with its detail, which no answer carried.
    expect(logged().length - before.logged).toBe(4);
    expect(await count('partial')).toBe(before.partial + 4);
    // A partial answer is not a failed request: the span's status stays unset.
    expect(lastRequestSpans(4)).toEqual(Array(4).fill(['partial', 0]));
  });
});
