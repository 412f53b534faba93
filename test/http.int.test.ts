/**
 * The HTTP surface: routes, readiness and drain, body limits, GET queries, CSRF prevention, no
 * CDN landing page, request ids, error masking and partial results.
 */
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Agent, getGlobalDispatcher, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapters } from '../src/adapters/index.ts';
import { createSigner, jwtAuth } from './helpers/jwt.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

describe('routes', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('answers liveness and readiness', async () => {
    const health = await fetch(`${t.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      upstreams: { iotManagedIntegrations: 'closed', appFabric: 'closed', conductorOne: 'closed' },
    });
  });

  it('answers 404 for unknown paths and 405 for other methods on /graphql', async () => {
    expect((await fetch(`${t.origin}/nope`)).status).toBe(404);
    const put = await fetch(t.url, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('answers the probes and /metrics to GET and HEAD only', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const head = await fetch(`${t.origin}${path}`, { method: 'HEAD' });
      expect(head.status, path).toBe(200);
      expect(await head.text()).toBe('');
      for (const method of ['POST', 'DELETE', 'PUT']) {
        const res = await fetch(`${t.origin}${path}`, { method, body: method === 'DELETE' ? null : '{}' });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, HEAD');
      }
    }
  });

  it('refuses an Accept header that takes no JSON type with 406 before anything runs, a mutation included', async () => {
    t.resetCalls();
    const mutation = `mutation { connectAppAuthorization(input: { appBundleIdentifier: "9d2c7e14-8a3b-4f60-b1c2-d3e4f5a6b7c8",
      appAuthorizationIdentifier: "9e2c4d6f-0a1b-4cf9-9d8e-9f0a1b2c3d4e",
      authRequest: { redirectUri: "https://app.example.com/cb", code: "planted-406-code" } }) { userErrors { code } } }`;
    for (const [accept, body] of [
      ['text/html', { query: mutation }],
      ['text/csv', { query: '{ connectorDestinations(first: 2) { nodes { id } } }' }],
    ] as const) {
      const res = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, 'x-request-id': `accept-${accept.replace('/', '-')}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(406);
      expect(((await res.json()) as any).errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
    }
    expect(t.totalCalls()).toBe(0);
    const lines = t.logs.map((l) => JSON.parse(l)).filter((l) => String(l.requestId).startsWith('accept-'));
    expect(lines.map((l) => [l.msg, l.status])).toEqual([
      ['graphql request refused', 406],
      ['graphql request refused', 406],
    ]);
    // Each JSON type, a wildcard or no header at all is fine.
    for (const accept of ['application/json', 'application/graphql-response+json', 'application/*', '*/*']) {
      const res = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(res.status, accept).toBe(200);
    }
  });

  it('answers its own refusals in the negotiated JSON type, never stored, as Apollo answers its own', async () => {
    const accept = 'application/graphql-response+json';
    const refusals = [
      await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: '{ not json',
      }),
      await fetch(t.url, { method: 'PUT', headers: { accept } }),
      await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: '[{"query":"{ __typename }"}]',
      }),
    ];
    for (const res of refusals) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('private, no-store');
    }
    const plain = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{ x' });
    expect(plain.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it("keeps a bodiless request's connection alive on a 404 and a 405", async () => {
    const agent = new Agent({ keepAliveTimeout: 10_000, connections: 1 });
    try {
      const notFound = await request(`${t.origin}/nope`, { dispatcher: agent });
      await notFound.body.text();
      expect(notFound.statusCode).toBe(404);
      expect(notFound.headers['connection']).toBe('keep-alive');
      const method = await request(t.url, { method: 'DELETE', dispatcher: agent });
      await method.body.text();
      expect(method.statusCode).toBe(405);
      expect(method.headers['connection']).toBe('keep-alive');
    } finally {
      await agent.close();
    }
  });

  it('routes by the path the URL parser resolves', async () => {
    const post = async (path: string) => {
      // The dispatcher sends the path as given: a URL would resolve its dot segments first.
      const res = await getGlobalDispatcher().request({
        origin: t.origin,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ connectorDestination(id: "dest-lumen-eu") { name } }' }),
      });
      return { status: res.statusCode, body: (await res.body.json()) as unknown };
    };
    const answer = { data: { connectorDestination: { name: 'Lumen Lighting Cloud EU' } } };
    for (const path of ['/graphql', '/graphql?', '/graphql?x=1', '/a/../graphql', '/./graphql']) {
      expect(await post(path), path).toEqual({ status: 200, body: answer });
    }
    for (const path of ['/graphql/', '/GRAPHQL', '/graphql%2F']) expect((await post(path)).status, path).toBe(404);
  });

  it('serves queries over GET with a preflight header, and refuses simple GETs (CSRF prevention)', async () => {
    const query = encodeURIComponent('{ connectorDestination(id: "dest-lumen-eu") { name } }');
    const ok = await fetch(`${t.url}?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { connectorDestination: { name: 'Lumen Lighting Cloud EU' } } });
    const simple = await fetch(`${t.url}?query=${query}`);
    expect(simple.status).toBe(400);
  });

  it('refuses a mutation over GET', async () => {
    const mutation = encodeURIComponent(
      'mutation { connectAppAuthorization(input: { appBundleIdentifier: "a", appAuthorizationIdentifier: "b" }) { userErrors { code } } }',
    );
    const res = await fetch(`${t.url}?query=${mutation}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(405);
  });

  it("does not serve Apollo's CDN landing page to browsers", async () => {
    const res = await fetch(t.url, { headers: { accept: 'text/html' } });
    const body = await res.text();
    expect(body).not.toMatch(/apollographql\.com|cdn\./i);
    expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
  });

  it('refuses a body over the limit with 413 before parsing it', async () => {
    const big = JSON.stringify({ query: `{ __typename }`, padding: 'x'.repeat(5 * 1024 * 1024) });
    const res = await request(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.statusCode).toBe(413);
    expect(await res.body.json()).toEqual({
      errors: [{ message: 'Request body too large.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  describe('compressed request bodies, as a router may send them', () => {
    const body = JSON.stringify({
      query: 'query ($id: ID!) { connectorDestination(id: $id) { id } }',
      variables: { id: 'dest-lumen-eu' },
    });
    const post = (data: Buffer | string, encoding: string) =>
      request(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: data,
      });

    it.each([
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['br', brotliCompressSync(body)],
      ['identity', Buffer.from(body)],
      ['GZip', gzipSync(body)],
      ['Identity', Buffer.from(body)],
    ])('answers a %s body', async (encoding, data) => {
      for (let run = 0; run < 4; run++) {
        // Runs 1 to 4: Apollo's pipeline, then the compiled and hot paths.
        const res = await post(data, encoding);
        expect(res.statusCode).toBe(200);
        expect(await res.body.json()).toEqual({ data: { connectorDestination: { id: 'dest-lumen-eu' } } });
      }
    });

    it('refuses a body that decompresses past MAX_REQUEST_BODY_BYTES with 413, however small it is compressed', async () => {
      const bomb = gzipSync(JSON.stringify({ query: '{ __typename }', padding: ' '.repeat(8 * 1024 * 1024) }));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const res = await post(bomb, 'gzip');
      expect(res.statusCode).toBe(413);
      expect(await res.body.json()).toEqual({
        errors: [{ message: 'Request body too large.', extensions: { code: 'BAD_REQUEST' } }],
      });
    });

    it('refuses data that does not decompress with 400, and an encoding it does not know with 415', async () => {
      const broken = await post(Buffer.from('not gzip at all'), 'gzip');
      expect(broken.statusCode).toBe(400);
      expect(await broken.body.json()).toEqual({
        errors: [{ message: 'The request body could not be decompressed.', extensions: { code: 'BAD_REQUEST' } }],
      });
      for (const encoding of ['compress', 'zstd', 'gzip, br']) {
        const unknown = await post(gzipSync(body), encoding);
        expect(unknown.statusCode, encoding).toBe(415);
        await unknown.body.dump();
      }
    });
  });

  it('refuses an operationName over 1024 characters before Apollo quotes it back', async () => {
    const post = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', operationName: ' Did you mean '.repeat(100) }),
    });
    expect(post.status).toBe(400);
    expect(await post.json()).toEqual({
      errors: [{ message: 'operationName is longer than 1024 characters.', extensions: { code: 'BAD_REQUEST' } }],
    });
    const get = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}&operationName=${'x'.repeat(1025)}`);
    expect(get.status).toBe(400);
    await get.body?.cancel();
    // 1024 characters is a name like any other: unknown here, and Apollo says so.
    const longest = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', operationName: 'x'.repeat(1024) }),
    });
    expect(((await longest.json()) as any).errors[0].extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
  });

  it('answers malformed JSON with 400', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":',
    });
    expect(res.status).toBe(400);
  });

  it('refuses batched HTTP operations', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(res.status).toBe(400);
  });

  it('refuses automatic persisted queries: the query text is always needed', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
    });
    expect(((await res.json()) as any).errors).toEqual([
      { message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } },
    ]);
  });

  it('keeps connections alive for 65 s, longer than routers keep theirs idle', async () => {
    const res = await fetch(`${t.origin}/healthz`);
    await res.body?.cancel();
    expect(res.headers.get('keep-alive')).toBe('timeout=65');
  });

  it('echoes a valid x-request-id and generates one otherwise', async () => {
    const echoed = await t.query('{ __typename }', undefined, { 'x-request-id': 'req-123.abc' });
    expect(echoed.headers.get('x-request-id')).toBe('req-123.abc');
    const generated = await t.query('{ __typename }', undefined, { 'x-request-id': 'bad id with spaces' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns inline traces (ftv1) when the router asks for them', async () => {
    const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { id } }', undefined, {
      'apollo-federation-include-trace': 'ftv1',
    });
    expect((res.body as any).extensions?.ftv1).toEqual(expect.any(String));
  });
});

describe('error masking and partial results', () => {
  let t: TestServer;
  const planted = 'planted-internal-detail-7f3a9c';
  beforeAll(async () => {
    t = await startTestServer({
      config: { upstreams: { iotManagedIntegrations: 'sandbox', appFabric: 'unconfigured', conductorOne: 'sandbox' } },
      wrapAdapters: (adapters): Adapters => ({
        ...adapters,
        conductorOne: {
          ...adapters.conductorOne,
          getConnector: async () => {
            throw new Error(`socket exploded: ${planted}`);
          },
        },
      }),
    });
  });
  afterAll(() => t.close());

  it('masks an unexpected error on every path: generic message, no stack, no detail; logs it', async () => {
    const logged = () => t.logs.filter((line) => line.includes('unexpected resolver error') && line.includes(planted));
    const loggedBefore = logged().length;
    for (let run = 0; run < 4; run++) {
      // Runs 1 to 4: graphql-js, compiled, then the hot path twice.
      const res = await t.query(
        '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id status connector { id } } }',
      );
      expect(res.body.data, `run ${run + 1}`).toEqual({
        connectorCredential: { id: 'cred-github-active', status: 'ACTIVE', connector: null },
      });
      expect(res.body.errors).toEqual([
        {
          message: 'Internal server error.',
          locations: expect.any(Array),
          path: ['connectorCredential', 'connector'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      expect(res.text).not.toContain(planted);
      expect(res.text).not.toContain('stacktrace');
    }
    expect(logged().length - loggedBefore).toBe(4);
  });

  it('nulls only the fields of an unconfigured upstream, with UPSTREAM_NOT_CONFIGURED, and keeps the rest', async () => {
    const res = await t.query(`{
      connectorDestination(id: "dest-lumen-eu") { id }
      appAuthorization(appBundleIdentifier: "4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01", appAuthorizationIdentifier: "0b3f5a7c-1d2e-4f60-8a9b-0c1d2e3f4a5b") { arn }
    }`);
    expect(res.body.data).toEqual({ connectorDestination: { id: 'dest-lumen-eu' }, appAuthorization: null });
    expect(res.body.errors).toEqual([
      {
        message: 'The appFabric upstream is not configured in this deployment.',
        locations: expect.any(Array),
        path: ['appAuthorization'],
        extensions: {
          code: 'UPSTREAM_NOT_CONFIGURED',
          upstream: { name: 'appFabric', operation: 'GetAppAuthorization' },
        },
      },
    ]);
  });
});

/** A test server whose GetCloudConnector calls wait until `release` is called. */
async function gatedServer(shutdownDelayMs: number, shutdownTimeoutMs: number) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const t = await startTestServer({
    config: { shutdownDelayMs, shutdownTimeoutMs },
    wrapAdapters: (adapters): Adapters => ({
      ...adapters,
      iotManagedIntegrations: {
        ...adapters.iotManagedIntegrations,
        getCloudConnector: async (id, options) => {
          await gate;
          return adapters.iotManagedIntegrations.getCloudConnector(id, options);
        },
      },
    }),
  });
  return { t, release };
}

describe('drain', () => {
  it('fails readiness first, keeps serving during the delay, finishes in-flight requests, then closes', async () => {
    const { t, release } = await gatedServer(300, 5000);
    const inFlight = t.query('{ c: connectorDestination(id: "dest-lumen-eu") { cloudConnector { name } } }');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const drained = t.server.drain();
    const ready = await fetch(`${t.origin}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'draining' });
    const duringDelay = await t.query('{ connectorDestination(id: "dest-lumen-us") { id } }');
    expect(duringDelay.body.data).toEqual({ connectorDestination: { id: 'dest-lumen-us' } });
    setTimeout(release, 400);
    const finished = await inFlight;
    expect(finished.body.data).toEqual({ c: { cloudConnector: { name: 'Lumen Lighting Cloud' } } });
    await drained;
    await expect(fetch(`${t.origin}/healthz`)).rejects.toThrow();
  });

  it('closes a kept-alive connection after its in-flight response, so the drain ends without the timeout', async () => {
    const { t, release } = await gatedServer(0, 10_000);
    // A pooled keep-alive connection, as a router keeps: one request on it first, then the slow one.
    const agent = new Agent({ keepAliveTimeout: 60_000, connections: 1 });
    const post = (query: string) =>
      request(t.url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
    const warm = await post('{ __typename }');
    expect(warm.headers['connection']).toBe('keep-alive');
    await warm.body.text();
    const inFlight = post('{ c: connectorDestination(id: "dest-lumen-eu") { cloudConnector { name } } }');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const drained = t.server.drain();
    setTimeout(release, 100);
    const finished = await inFlight;
    expect(finished.headers['connection']).toBe('close');
    expect(await finished.body.json()).toEqual({ data: { c: { cloudConnector: { name: 'Lumen Lighting Cloud' } } } });
    await drained;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(t.logs.join('\n')).not.toContain('drain timed out');
    await agent.close();
  });
});

describe('refusals do not read what the client still sends', () => {
  const tokens = createSigner();
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { auth: jwtAuth(tokens) } });
  });
  afterAll(() => t.close());

  /** Sends headers announcing `length` bytes and only the first KiB of them; resolves with the raw answer once the server closes. */
  function announce(head: string, length: number): Promise<{ answer: string; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(t.origin).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve({ answer, closed: true }));
      socket.write(`${head}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`);
      socket.write('x'.repeat(1024));
      setTimeout(() => {
        socket.destroy();
        resolve({ answer, closed: false });
      }, 3_000).unref();
    });
  }

  it('logs and counts each refusal, with its request id', async () => {
    const unauthenticated = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'refused-401' },
      body: '{"query":"{ __typename }"}',
    });
    expect(unauthenticated.status).toBe(401);
    const put = await fetch(t.url, { method: 'PUT', headers: { 'x-request-id': 'refused-405' }, body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('x-request-id')).toBe('refused-405');
    const lines = t.logs.filter((line) => line.includes('graphql request refused')).map((line) => JSON.parse(line));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ requestId: 'refused-401', status: 401, code: 'UNAUTHENTICATED' }),
        expect.objectContaining({ requestId: 'refused-405', status: 405, code: 'BAD_REQUEST' }),
      ]),
    );
    const metrics = await (await fetch(`${t.origin}/metrics`)).text();
    expect(metrics).toMatch(/graphql_requests_total\{operation_type="unknown",outcome="unauthenticated"\} [1-9]/);
    expect(metrics).toMatch(/graphql_requests_total\{operation_type="unknown",outcome="bad_request"\} [1-9]/);
  });

  it('logs and counts the requests Apollo refuses before executing them (CSRF prevention, a batch)', async () => {
    const token = await tokens.sign({ scope: 'destinations:read' });
    const send = (contentType: string, body: string, id: string) =>
      fetch(t.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'x-request-id': id },
        body,
      });
    expect((await send('text/plain', '{"query":"{ __typename }"}', 'refused-csrf')).status).toBe(400);
    expect((await send('application/json', '[{"query":"{ __typename }"}]', 'refused-batch')).status).toBe(400);
    const lines = t.logs.filter((line) => line.includes('graphql request refused')).map((line) => JSON.parse(line));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ requestId: 'refused-csrf', status: 400, code: 'BAD_REQUEST' }),
        expect.objectContaining({ requestId: 'refused-batch', status: 400, code: 'BAD_REQUEST' }),
      ]),
    );
    // And a request Apollo executes is recorded once, by Apollo's path only.
    const ok = await send('application/json', '{"query":"{ __typename }"}', 'executed-once');
    expect(ok.status).toBe(200);
    expect(t.logs.filter((line) => line.includes('"executed-once"'))).toHaveLength(1);
  });

  it('does not log a client that leaves in the middle of its body as a failure', async () => {
    const token = await tokens.sign({ scope: 'destinations:read' });
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(t.origin).port), '127.0.0.1', () => {
        socket.write(
          `POST /graphql HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(t.logs.filter((line) => line.includes('request failed'))).toEqual([]);
  });

  it.each([
    ['401 (no credentials)', 'POST /graphql HTTP/1.1\r\nhost: x', '401'],
    ['405 (a PUT)', 'PUT /graphql HTTP/1.1\r\nhost: x', '405'],
    ['404', 'POST /nope HTTP/1.1\r\nhost: x', '404'],
  ])('answers %s and closes the connection instead of reading a 50 MB body', async (_, head, status) => {
    const { answer, closed } = await announce(head, 50 * 1024 * 1024);
    expect(answer).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(closed).toBe(true);
  });
});

describe('a request target the URL parser refuses', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('gets a 400, and no part of it (a token in its query included) reaches the log', async () => {
    const planted = 'planted-token-in-a-bad-target';
    for (const target of [`http://[/graphql?access_token=${planted}`, `http://%zz/graphql?access_token=${planted}`]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(t.origin).port), '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('latin1')));
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
        socket.write(`GET ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('BAD_REQUEST');
      expect(answer).not.toContain(planted);
    }
    expect(t.logs.join('\n')).not.toContain(planted);
    expect(t.logs.filter((line) => line.includes('the request target is not a URL'))).toHaveLength(2);
    expect(t.logs.some((line) => line.includes('"level":50'))).toBe(false);
  });
});

describe('a drain that begins during start-up', () => {
  it('keeps /readyz at 503 once the server listens, and closes each connection after its answer', async () => {
    const t = await startTestServer({
      config: { shutdownDelayMs: 2_000 },
      beforeListen: (server) => void server.drain(),
    });
    try {
      const ready = await fetch(`${t.origin}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { status: string }).status).toBe('draining');
      expect(ready.headers.get('connection')).toBe('close');
    } finally {
      await t.close();
    }
  });
});

describe('a client that sends its request slowly', () => {
  it('is answered 408 once the receive timeout passes, within a sixth of it, headers or body', async () => {
    const t = await startTestServer({ receiveTimeoutMs: 1_200 });
    try {
      const port = Number(new URL(t.origin).port);
      const trickle = (first: string, drip: string) =>
        new Promise<{ answer: string; ms: number }>((resolve, reject) => {
          const started = performance.now();
          const socket = connect(port, '127.0.0.1');
          let answer = '';
          socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
          socket.on('error', reject);
          socket.on('close', () => {
            clearInterval(timer);
            resolve({ answer, ms: performance.now() - started });
          });
          socket.write(first);
          const timer = setInterval(() => socket.write(drip), 100);
        });
      const headers = await trickle('POST /graphql HTTP/1.1\r\nhost: x\r\n', 'x-slow: 1\r\n');
      const body = await trickle(
        'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n',
        ' ',
      );
      for (const { answer, ms } of [headers, body]) {
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(ms).toBeGreaterThanOrEqual(1_150);
        expect(ms).toBeLessThan(1_200 + 200 + 400);
      }
    } finally {
      await t.close();
    }
  });

  it('is answered 408, not cut off in silence, when it stops sending altogether and the deadline is short', async () => {
    // No timeout closes the connection of a request still arriving before the receive timeout's
    // check, however short the deadline and the stall timeout.
    const t = await startTestServer({
      receiveTimeoutMs: 1_200,
      stallTimeoutMs: 300,
      config: { requestTimeoutMs: 100 },
    });
    try {
      const port = Number(new URL(t.origin).port);
      const stall = (first: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          let answer = '';
          socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
          socket.on('error', reject);
          socket.on('close', () => resolve(answer));
          socket.write(first);
        });
      const [headers, body] = await Promise.all([
        stall('POST /graphql HTTP/1.1\r\nhost: x\r\n'),
        stall('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{'),
      ]);
      expect(headers).toMatch(/^HTTP\/1\.1 408 /);
      expect(body).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await t.close();
    }
  });
});

describe('a client that stops reading its responses', () => {
  it('loses its connection once its responses have made no progress for the stall timeout; a connection in use keeps it', async () => {
    const t = await startTestServer({ stallTimeoutMs: 500, config: { graphiql: true } });
    try {
      const port = Number(new URL(t.origin).port);
      // GraphiQL's largest script: more, pipelined 40 times, than the loopback socket buffers hold.
      const page = await (await fetch(`${t.origin}/graphql`, { headers: { accept: 'text/html' } })).text();
      const scripts = [...page.matchAll(/<script src="([^"]+)"/g)].map(([, src]) => src!);
      const sizes = await Promise.all(
        scripts.map(async (src) => (await (await fetch(new URL(src, t.origin))).arrayBuffer()).byteLength),
      );
      const size = Math.max(...sizes);
      const path = scripts[sizes.indexOf(size)]!;
      expect(size).toBeGreaterThan(500_000);
      const pipelined = 40;

      /** Sends the requests, reads nothing for `stallMs`, then reads to the end (or all it was sent). */
      const stall = (stallMs: number) =>
        new Promise<{ received: number; ended: boolean }>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          let received = 0;
          const finish = (ended: boolean) => {
            socket.destroy();
            resolve({ received, ended });
          };
          socket.on('error', reject);
          socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`.repeat(pipelined));
          setTimeout(() => {
            socket.on('data', (chunk: Buffer) => {
              received += chunk.length;
              // Everything arrived: the connection was kept (it stays open, keep-alive).
              if (received >= pipelined * size) finish(false);
            });
            socket.on('end', () => finish(true));
          }, stallMs);
        });

      const stalled = await stall(1_500);
      expect(stalled.ended).toBe(true);
      expect(stalled.received).toBeLessThan(pipelined * size);

      // Silent for less than the timeout: every response arrives.
      const paused = await stall(200);
      expect(paused).toMatchObject({ ended: false });
      expect(paused.received).toBeGreaterThanOrEqual(pipelined * size);
    } finally {
      await t.close();
    }
  });
});

describe('MAX_CONNECTIONS', () => {
  it('closes a connection beyond it as it is accepted, counts it, and takes new ones once a connection closes', async () => {
    const t = await startTestServer({ config: { maxConnections: 2 } });
    try {
      const port = Number(new URL(t.origin).port);
      let dropped = 0;
      /**
       * Sends one kept-alive GET on the socket (a new connection by default): resolves with the
       * answer's status line and body so far, or a null status when the connection was closed unanswered.
       */
      const ask = (path = '/healthz', socket = connect(port, '127.0.0.1')) =>
        new Promise<{ socket: ReturnType<typeof connect>; status: string | null; text: string }>((resolve) => {
          let text = '';
          const onData = (chunk: Buffer) => {
            text += chunk.toString('latin1');
            const head = text.indexOf('\r\n\r\n');
            const length = /content-length: (\d+)/i.exec(text.slice(0, head))?.[1];
            const whole =
              length === undefined ? text.endsWith('\r\n0\r\n\r\n') : text.length >= head + 4 + Number(length);
            if (head >= 0 && whole) {
              socket.off('data', onData);
              socket.off('close', onClose);
              resolve({ socket, status: text.slice(0, text.indexOf('\r\n')), text });
            }
          };
          socket.on('data', onData);
          const onClose = () => {
            dropped += 1;
            resolve({ socket, status: null, text });
          };
          socket.once('close', onClose);
          socket.on('error', () => undefined);
          socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
        });
      /** Asks on new connections until one is answered: Node counts a closed connection only once it has seen the close. */
      const askUntilTaken = async (path?: string) => {
        for (let tries = 0; tries < 100; tries++) {
          const answer = await ask(path);
          if (answer.status !== null) return answer;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error('no connection was taken within 2 s');
      };
      const first = await ask();
      const second = await ask();
      expect([first.status, second.status]).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
      // Both are kept alive: a third is one too many.
      expect((await ask()).status).toBeNull();
      expect(dropped).toBe(1);
      first.socket.destroy();
      const fourth = await askUntilTaken();
      expect(fourth.status).toBe('HTTP/1.1 200 OK');
      // The kept-alive connections still serve.
      expect((await ask('/healthz', second.socket)).status).toBe('HTTP/1.1 200 OK');
      second.socket.destroy();
      const metrics = await askUntilTaken('/metrics');
      fourth.socket.destroy();
      metrics.socket.destroy();
      // Every connection closed unanswered was one the server dropped, and counted.
      expect(metrics.text).toMatch(new RegExp(`^http_connections_dropped_total ${dropped}$`, 'm'));
    } finally {
      await t.close();
    }
  });
});
