/**
 * Fault injection against the wire-level simulators: deadlines, retries that never outlive them,
 * the circuit breaker, and partial results with each upstream down in turn.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

const EVERYTHING = `{
  connectorDestination(id: "dest-lumen-eu") { name }
  connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id }
  appAuthorization(appBundleIdentifier: "4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01", appAuthorizationIdentifier: "0b3f5a7c-1d2e-4f60-8a9b-0c1d2e3f4a5b") { app }
}`;

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe('request deadline (REQUEST_TIMEOUT_MS)', () => {
  it('aborts an upstream call past the deadline with UPSTREAM_TIMEOUT, and answers promptly', async () => {
    t = await startTestServer({ config: { requestTimeoutMs: 500 } });
    t.sandbox.aws!.setLatency(3000, 'GetConnectorDestination');
    const { value: res, ms } = await timed(() => t!.query(EVERYTHING));
    expect(ms).toBeLessThan(1500);
    expect(res.body.data).toMatchObject({
      connectorDestination: null,
      connectorCredential: { id: 'cred-github-active' },
      appAuthorization: { app: 'SLACK' },
    });
    expect(res.body.errors!.map((e) => [e.path?.[0], e.extensions?.['code']])).toEqual([
      ['connectorDestination', 'UPSTREAM_TIMEOUT'],
    ]);
    expect(t.calls()['iotManagedIntegrations']).toEqual({ GetConnectorDestination: 1 });
  });

  it('starts no retry that could not finish before the deadline', async () => {
    t = await startTestServer({ config: { requestTimeoutMs: 1000 } });
    t.sandbox.conductorOne!.inject('GetCredentials', { kind: 'throttle', retryAfterSeconds: 5, times: 5 });
    const { value: res, ms } = await timed(() =>
      t!.query(
        '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id } }',
      ),
    );
    expect(ms).toBeLessThan(900);
    expect(res.body.errors![0]!.extensions!['code']).toBe('UPSTREAM_THROTTLED');
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 1 });
  });
});

describe('circuit breaker', () => {
  it('opens after a run of failures, fails fast without calling, shows in /readyz and metrics, and closes after a good probe', async () => {
    t = await startTestServer({ config: { circuit: { failureThreshold: 3, openMs: 400 } } });
    const sim = t.sandbox.aws!;
    sim.inject('GetConnectorDestination', { kind: 'error', status: 500, type: 'InternalServerException', times: 100 });
    for (let i = 0; i < 3; i++) await t.query('{ connectorDestination(id: "dest-lumen-eu") { name } }');
    // A call now would wait 3 s for its answer: an answer within 1.5 s made none.
    sim.setLatency(3000, 'GetConnectorDestination');
    const before = t.totalCalls();
    const { value: fast, ms } = await timed(() => t!.query(EVERYTHING));
    expect(ms).toBeLessThan(1500);
    expect(fast.body.errors).toEqual([
      expect.objectContaining({
        path: ['connectorDestination'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }),
      }),
    ]);
    expect((fast.body.data as any).connectorCredential).toEqual({ id: 'cred-github-active' });
    expect(t.calls()['iotManagedIntegrations']!['GetConnectorDestination']).toBe(9);
    expect(t.totalCalls() - before).toBe(2); // the other two upstreams only

    const ready = await fetch(`${t.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      upstreams: { iotManagedIntegrations: 'open', appFabric: 'closed', conductorOne: 'closed' },
    });
    expect(await (await fetch(`${t.origin}/metrics`)).text()).toContain(
      'upstream_circuit_state{upstream="iotManagedIntegrations"} 2',
    );

    sim.reset();
    await new Promise((resolve) => setTimeout(resolve, 450));
    const probe = await t.query('{ connectorDestination(id: "dest-lumen-eu") { name } }');
    expect(probe.body).toEqual({ data: { connectorDestination: { name: 'Lumen Lighting Cloud EU' } } });
    expect(await (await fetch(`${t.origin}/readyz`)).json()).toMatchObject({
      upstreams: { iotManagedIntegrations: 'closed' },
    });
  });
});

describe('circuit breaker: what does not count', () => {
  it('stays closed through a run of 4xx answers, which the upstream gave because it is up', async () => {
    t = await startTestServer({ config: { circuit: { failureThreshold: 2, openMs: 60_000 } } });
    const sim = t.sandbox.aws!;
    sim.inject('GetConnectorDestination', { kind: 'error', status: 409, type: 'ConflictException', times: 3 });
    sim.inject('GetConnectorDestination', { kind: 'error', status: 400, type: 'InvalidToken', times: 3 });
    for (let i = 0; i < 6; i++) {
      const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { name } }');
      expect(res.body.errors![0]!.extensions!['code']).toBe(i < 3 ? 'UPSTREAM_UNAVAILABLE' : 'BAD_USER_INPUT');
    }
    expect(await (await fetch(`${t.origin}/readyz`)).json()).toMatchObject({
      upstreams: { iotManagedIntegrations: 'closed' },
    });
    const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { name } }');
    expect(res.body).toEqual({ data: { connectorDestination: { name: 'Lumen Lighting Cloud EU' } } });
  });
});

describe('circuit breaker: calls never sent', () => {
  it('does not count calls the deadline stopped before they were sent', async () => {
    t = await startTestServer({ config: { requestTimeoutMs: 500, circuit: { failureThreshold: 10, openMs: 60_000 } } });
    t.sandbox.conductorOne!.setLatency(3_000, 'GetCredentials');
    const credentials = Array.from(
      { length: 12 },
      (_, i) =>
        `c${i}: connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-${i}") { id }`,
    );
    const res = await t.query(`{ ${credentials.join(' ')} }`);
    expect(res.body.errors!.map((e) => e.extensions!['code'])).toEqual(Array(12).fill('UPSTREAM_TIMEOUT'));
    // Fewer than the threshold reached the upstream before the deadline; the rest never left.
    const sent = t.calls()['conductorOne']!['GetCredentials']!;
    expect(sent).toBeLessThan(10);
    expect(await (await fetch(`${t.origin}/readyz`)).json()).toMatchObject({ upstreams: { conductorOne: 'closed' } });
  });
});

describe('partial results: one upstream down at a time', () => {
  const down = {
    iotManagedIntegrations: (s: TestServer) =>
      s.sandbox.aws!.inject('GetConnectorDestination', { kind: 'reset', times: 1000 }),
    appFabric: (s: TestServer) =>
      s.sandbox.aws!.inject('GetAppAuthorization', {
        kind: 'error',
        status: 503,
        type: 'ServiceUnavailableException',
        times: 1000,
      }),
    conductorOne: (s: TestServer) =>
      s.sandbox.conductorOne!.inject('GetCredentials', { kind: 'error', status: 500, times: 1000 }),
  } as const;
  const slow = {
    iotManagedIntegrations: (s: TestServer) => s.sandbox.aws!.setLatency(3000, 'GetConnectorDestination'),
    appFabric: (s: TestServer) => s.sandbox.aws!.setLatency(3000, 'GetAppAuthorization'),
    conductorOne: (s: TestServer) => s.sandbox.conductorOne!.setLatency(3000, 'GetCredentials'),
  } as const;
  const field = {
    iotManagedIntegrations: 'connectorDestination',
    appFabric: 'appAuthorization',
    conductorOne: 'connectorCredential',
  } as const;

  it.each(Object.keys(down) as Array<keyof typeof down>)(
    'with %s down, the other two still answer, then fast once its circuit opens',
    async (upstream) => {
      t = await startTestServer({ config: { circuit: { failureThreshold: 2, openMs: 60_000 } } });
      down[upstream](t);
      const first = await t.query(EVERYTHING);
      expect(first.body.errors!.map((e) => [e.path?.[0], e.extensions?.['code']])).toEqual([
        [field[upstream], 'UPSTREAM_UNAVAILABLE'],
      ]);
      for (const [name, path] of Object.entries(field)) {
        if (name !== upstream) expect((first.body.data as any)[path]).not.toBeNull();
      }
      await t.query(EVERYTHING); // the second failure opens the circuit
      // A call to it now would wait 3 s for its answer: an answer within 1.5 s made none.
      slow[upstream](t);
      const { value: later, ms } = await timed(() => t!.query(EVERYTHING));
      expect((later.body.data as any)[field[upstream]]).toBeNull();
      expect(ms).toBeLessThan(1500);
      const health = await fetch(`${t.origin}/healthz`);
      expect(health.status).toBe(200);
    },
  );
});

describe('bulkhead', () => {
  it('fails fast with UPSTREAM_UNAVAILABLE beyond the in-flight cap and its queue', async () => {
    t = await startTestServer({ config: { upstreamConcurrency: { concurrency: 1, maxQueue: 1 } } });
    t.sandbox.conductorOne!.setLatency(200, 'GetConnector');
    const res = await t.query(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ConductorOneConnector { id } } }`,
      {
        r: t.sandbox.seed.conductorOne.connectors.map((c) => ({
          __typename: 'ConductorOneConnector',
          appId: c.appId,
          id: c.id,
        })),
      },
    );
    const codes = (res.body.errors ?? []).map((e) => e.extensions?.['code']);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['UPSTREAM_UNAVAILABLE']));
    expect(t.calls()['conductorOne']!['GetConnector']).toBe(2);
  });
});

describe('callers that give up', () => {
  it('do not open the circuit of a slow but healthy upstream', async () => {
    t = await startTestServer({ config: { circuit: { failureThreshold: 2, openMs: 60_000 } } });
    t.sandbox.conductorOne!.setLatency(500, 'GetCredentials');
    const query = JSON.stringify({
      query:
        '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id } }',
    });
    for (let i = 0; i < 5; i++) {
      await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: query,
        signal: AbortSignal.timeout(100),
      }).catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await (await fetch(`${t.origin}/readyz`)).json()).toMatchObject({ upstreams: { conductorOne: 'closed' } });
    const res = await t.query(
      '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id } }',
    );
    expect(res.body).toEqual({ data: { connectorCredential: { id: 'cred-github-active' } } });
  });

  it('that disconnect mid-batch are logged and counted as cancelled, not as upstream failures', async () => {
    t = await startTestServer({ config: { upstreamConcurrency: { concurrency: 2, maxQueue: 100 } } });
    t.sandbox.conductorOne!.setLatency(400, 'GetCredentials');
    const representations = t.sandbox.seed.conductorOne.credentials
      .slice(0, 6)
      .map((c) => ({ __typename: 'ConnectorCredential', appId: c.appId, connectorId: c.connectorId, id: c.id }));
    const from = t.logs.length;
    const client = new AbortController();
    const request = fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on ConnectorCredential { id status } } }',
        variables: { r: representations },
      }),
      signal: client.signal,
    }).catch(() => undefined);
    // The client goes away once both slots are taken (the simulator holds each call 400 ms).
    for (let waited = 0; (t.calls()['conductorOne']?.['GetCredentials'] ?? 0) < 2 && waited < 5000; waited += 5)
      await new Promise((resolve) => setTimeout(resolve, 5));
    client.abort();
    await request;
    const lines = () => t!.logs.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>);
    for (let waited = 0; !lines().some((l) => l['msg'] === 'graphql request') && waited < 2000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));

    // Two calls were under way (they are cut short), four waited for a slot (they never start).
    expect(lines().filter((l) => (l['level'] as number) >= 40)).toEqual([]);
    expect(lines().filter((l) => l['msg'] === 'upstream call cancelled')).toHaveLength(2);
    expect(lines().find((l) => l['msg'] === 'graphql request')).toMatchObject({
      outcome: 'cancelled',
      errorCodes: ['REQUEST_CANCELLED'],
    });
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 2 });
    const metrics = await (await fetch(`${t.origin}/metrics`)).text();
    expect(metrics).toContain(
      'upstream_requests_total{upstream="conductorOne",operation="GetCredentials",outcome="request_cancelled"} 6',
    );
    expect(metrics).not.toMatch(/upstream_requests_total\{[^}]*outcome="upstream_/);
    expect(metrics).toMatch(/graphql_requests_total\{operation_type="query",outcome="cancelled"\} 1\b/);
  });
});

describe('work a request started, once it is answered', () => {
  it('stops: a read whose result nothing uses is cancelled, not left to hang, retry or count against the circuit', async () => {
    t = await startTestServer({ config: { circuit: { failureThreshold: 1, openMs: 60_000 } } });
    const c1 = t.sandbox.conductorOne!;
    // The connector's read starts beside the credential's (one round of latency); the credential
    // does not exist, so the answer needs nothing of the connector, whose read hangs.
    c1.inject('GetConnector', { kind: 'hang', times: 1 });
    const from = t.logs.length;
    const { value: res, ms } = await timed(() =>
      t!.query(
        '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-missing") { id connector { id } } }',
      ),
    );
    expect(res.body).toEqual({ data: { connectorCredential: null } });
    expect(ms).toBeLessThan(2_000);
    const lines = () => t!.logs.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>);
    for (let waited = 0; !lines().some((l) => l['msg'] === 'upstream call cancelled') && waited < 3_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines().find((l) => l['msg'] === 'upstream call cancelled')).toMatchObject({
      level: 20,
      operation: 'GetConnector',
    });
    expect(lines().filter((l) => (l['level'] as number) >= 40)).toEqual([]);
    // The circuit (a threshold of 1) was not charged for it.
    expect(await (await fetch(`${t.origin}/readyz`)).json()).toMatchObject({ upstreams: { conductorOne: 'closed' } });
    const next = await t.query(
      '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id connector { id } } }',
    );
    expect(next.body).toEqual({
      data: { connectorCredential: { id: 'cred-github-active', connector: { id: 'conn-github' } } },
    });
  });

  it('stops retrying a read whose result nothing uses', async () => {
    t = await startTestServer();
    const c1 = t.sandbox.conductorOne!;
    c1.inject('GetConnector', { kind: 'error', status: 503, times: 10 });
    c1.setLatency(150, 'GetConnector');
    await t.query(
      '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-missing") { id connector { id } } }',
    );
    const atAnswer = t.calls()['conductorOne']?.['GetConnector'] ?? 0;
    // Retries (with backoff) would come within this; none is made once the request is answered.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(atAnswer).toBe(1);
    expect(t.calls()['conductorOne']?.['GetConnector']).toBe(1);
  });
});
