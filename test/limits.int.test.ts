/**
 * Upstream-call limits through the real server: a per-operation budget that keeps partial data,
 * and caching signals on every response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

describe('MAX_UPSTREAM_REQUESTS_PER_OPERATION', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { maxUpstreamRequestsPerOperation: 5 } });
  });
  afterAll(() => t.close());

  it('nulls the fields past the budget with REQUEST_LIMIT_EXCEEDED and keeps the rest', async () => {
    t.resetCalls();
    const res = await t.query('{ connectorDestinations(first: 12) { nodes { id name authType } } }');
    const nodes = (res.body.data as any).connectorDestinations.nodes as Array<{
      id: string;
      name: string;
      authType: string | null;
    }>;
    expect(nodes).toHaveLength(12);
    expect(nodes.every((n) => n.id && n.name)).toBe(true);
    expect(nodes.filter((n) => n.authType === 'OAUTH')).toHaveLength(4); // 1 list + 4 Gets = the 5 allowed
    const limited = res.body.errors!.filter((e) => e.extensions?.['code'] === 'REQUEST_LIMIT_EXCEEDED');
    expect(limited).toHaveLength(8);
    expect(limited[0]!.path).toEqual(['connectorDestinations', 'nodes', expect.any(Number), 'authType']);
    expect(limited[0]!.message).not.toContain('5');
    expect(t.totalCalls()).toBe(5);
  });

  it('logs the budget running out once per request, with how many items it nulled', async () => {
    const logsBefore = t.logs.length;
    const res = await t.query('{ connectorDestinations(first: 12) { nodes { id authType } } }', undefined, {
      'x-request-id': 'budget-once',
    });
    expect(res.body.errors!.filter((e) => e.extensions?.['code'] === 'REQUEST_LIMIT_EXCEEDED')).toHaveLength(8);
    const lines = t.logs
      .slice(logsBefore)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['code'] === 'REQUEST_LIMIT_EXCEEDED');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        requestId: 'budget-once',
        items: 8,
        path: ['connectorDestinations', 'nodes', expect.any(Number), 'authType'],
      }),
    ]);
  });

  it('counts per operation: the next request has a fresh budget', async () => {
    const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { authType } }');
    expect(res.body).toEqual({ data: { connectorDestination: { authType: 'OAUTH' } } });
  });
});

describe('caching signals', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('marks every GraphQL response private and not storable, errors included', async () => {
    const ok = await t.query(
      '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id } }',
    );
    expect(ok.headers.get('cache-control')).toBe('private, no-store');
    const bad = await t.query('{ nope }');
    expect(bad.headers.get('cache-control')).toBe('private, no-store');
  });
});

describe('the N+1 baseline switch (batching: false)', () => {
  it('makes the same query cost one upstream call per item', async () => {
    const query = '{ connectorDestinations(first: 10) { nodes { id cloudConnector { name } } } }';
    const batched = await startTestServer();
    const naive = await startTestServer({ batching: false });
    try {
      const [a, b] = [await batched.query(query), await naive.query(query)];
      expect(a.body).toEqual(b.body);
      expect(batched.calls()['iotManagedIntegrations']).toEqual({
        ListConnectorDestinations: 1,
        ListCloudConnectors: 1,
      });
      expect(naive.calls()['iotManagedIntegrations']).toEqual({ ListConnectorDestinations: 1, GetCloudConnector: 10 });
    } finally {
      await batched.close();
      await naive.close();
    }
  });
});

describe('operation limits, before any upstream call', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it.each([
    [
      'an alias bomb',
      `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: connectorDestination(id: "dest-lumen-eu") { id }`).join(' ')} }`,
      'aliases',
    ],
    // The one response key cost does not price: 600 of these fit the token limit.
    [
      'a __typename alias bomb',
      `{ ${Array.from({ length: 60 }, (_, i) => `t${i}: __typename`).join(' ')} }`,
      'aliases',
    ],
    [
      'a cost bomb',
      `{ ${Array.from({ length: 50 }, (_, i) => `c${i}: connectorDestinations(first: 100) { nodes { cloudConnector { name } } }`).join(' ')} }`,
      'cost',
    ],
    [
      'a directive flood',
      `{ connectorDestination(id: "dest-lumen-eu") { ${Array.from({ length: 100 }, () => 'id @include(if: true)').join(' ')} } }`,
      'directives',
    ],
    ['a token flood', `{ connectorDestination(id: "dest-lumen-eu") { ${'id '.repeat(5000)} } }`, 'tokens'],
    // Comments are not tokens: without a length limit this would pass every other one.
    ['a query padded with a comment', `{ __typename } #${'x'.repeat(64 * 1024)}`, 'length'],
  ])('rejects %s with 400 REQUEST_LIMIT_EXCEEDED naming the limit, not its value', async (_name, query, limit) => {
    t.resetCalls();
    const res = await t.query(query);
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions!['code']).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(res.body.errors![0]!.message).toContain(limit === 'tokens' ? 'token' : limit);
    expect(res.body.errors![0]!.message).not.toMatch(/\d/);
    expect(t.totalCalls()).toBe(0);
  });
});

describe('MAX_QUERY_LENGTH', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('takes a query text of exactly the limit, and refuses one character more, twice (hot path included)', async () => {
    const padded = (length: number) => {
      const head = '{ __typename } #';
      return head + 'x'.repeat(length - head.length);
    };
    for (let run = 0; run < 3; run++) {
      expect((await t.query(padded(64 * 1024))).body).toEqual({ data: { __typename: 'Query' } });
      const refused = await t.query(padded(64 * 1024 + 1));
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        errors: [
          { message: 'The document is too long (limit: length).', extensions: { code: 'REQUEST_LIMIT_EXCEEDED' } },
        ],
      });
    }
  });
});

describe('/metrics', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('counts GraphQL requests, upstream calls and batch sizes with fixed labels only', async () => {
    await t.query('{ connectorDestinations(first: 5) { nodes { id cloudConnector { name } } } }');
    await t.query('{ connectorDestination(id: "dest-never-seen-id-481") { id } }');
    const text = await (await fetch(`${t.origin}/metrics`)).text();
    expect(text).toMatch(/graphql_requests_total\{operation_type="query",outcome="success"\} \d+/);
    expect(text).toMatch(
      /upstream_requests_total\{upstream="iotManagedIntegrations",operation="ListConnectorDestinations",outcome="ok"\} 1/,
    );
    expect(text).toMatch(/dataloader_batch_size_count\{loader="cloudConnectorById"\} 1/);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toContain('dest-never-seen-id-481');
  });
});
