/**
 * The real ConductorOne client against the wire-level simulator, through the subgraph: token
 * flow, every endpoint and error mapping, retries, redirects never followed, batching, and a
 * client secret that never leaks.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toSubgraphError } from '../src/adapters/conductorOne/adapter.ts';
import { ConductorOneApiError, ConductorOneClient, segment } from '../src/adapters/conductorOne/client.ts';
import { staticTokenSource } from '../src/adapters/conductorOne/tokenSource.ts';
import type { ConductorOneSimulator } from '../src/sandbox/conductorOne/conductorOneSimulator.ts';
import { SANDBOX_ROTATED_CLIENT_SECRET } from '../src/sandbox/seed.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

let t: TestServer;
let sim: ConductorOneSimulator;
beforeAll(async () => {
  t = await startTestServer({ config: { upstreamTimeouts: { connectMs: 500, headersMs: 400, bodyMs: 300 } } });
  sim = t.sandbox.conductorOne!;
});
afterAll(() => t.close());
beforeEach(() => {
  sim.reset();
  t.resetCalls();
});

const credential = (appId: string, connectorId: string, id: string, fields = 'id status') =>
  t.query(`{ connectorCredential(appId: "${appId}", connectorId: "${connectorId}", id: "${id}") { ${fields} } }`);
const github = (fields?: string) => credential('app-github-enterprise', 'conn-github', 'cred-github-active', fields);
const codeOf = (res: Awaited<ReturnType<TestServer['query']>>) => res.body.errors?.[0]?.extensions?.['code'];

describe("a credential's app and connector", () => {
  it('are read alongside the credential, not after it: the key names them', async () => {
    await github(); // a token first, so that the token request does not order the reads below
    sim.reset();
    sim.setLatency(150, 'GetCredentials');
    const res = await github('id app { id } connector { id }');
    expect(res.body).toEqual({
      data: {
        connectorCredential: {
          id: 'cred-github-active',
          app: { id: 'app-github-enterprise' },
          connector: { id: 'conn-github' },
        },
      },
    });
    const at = (operation: string) => sim.requests.find((r) => r.operation === operation)!.receivedAt;
    // Both were asked before GetCredentials was answered (its answer waits 150 ms): alongside it,
    // not after it.
    expect(at('GetConnector') - at('GetCredentials')).toBeLessThan(150);
    expect(at('SearchApps') - at('GetCredentials')).toBeLessThan(150);
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 1, GetConnector: 1, SearchApps: 1 });
  });

  it('are not read when not selected, nor twice when selected through a batch', async () => {
    await github('id status');
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 1 });
    t.resetCalls();
    const res = await t.query(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on ConnectorCredential { id connector { id } } } }',
      {
        r: [
          {
            __typename: 'ConnectorCredential',
            appId: 'app-github-enterprise',
            connectorId: 'conn-github',
            id: 'cred-github-active',
          },
          {
            __typename: 'ConnectorCredential',
            appId: 'app-github-enterprise',
            connectorId: 'conn-github',
            id: 'cred-github-revoked',
          },
        ],
      },
    );
    expect(res.body.errors).toBeUndefined();
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 2, GetConnector: 1 });
  });
});

describe('requests on the wire', () => {
  it('GetCredentials: GET with Accept and a bearer token, path segments from the key', async () => {
    await github();
    const [req] = sim.requests;
    expect(req).toMatchObject({
      operation: 'GetCredentials',
      method: 'GET',
      path: '/api/v1/apps/app-github-enterprise/connectors/conn-github/credentials/cred-github-active',
      body: '',
    });
    expect(req!.headers['accept']).toBe('application/json');
    expect(req!.headers['authorization']).toMatch(/^Bearer [A-Za-z0-9_-]+$/);
  });

  it('percent-encodes ids in path segments', async () => {
    await credential('app:ü', 'conn%', 'id+1');
    expect(sim.requests[0]!.path).toBe('/api/v1/apps/app%3A%C3%BC/connectors/conn%25/credentials/id%2B1');
  });

  it('searches apps with one POST whose body names the ids', async () => {
    await github('app { id }');
    const search = sim.requests.find((r) => r.operation === 'SearchApps')!;
    expect(search.method).toBe('POST');
    expect(search.headers['content-type']).toBe('application/json');
    expect(JSON.parse(search.body)).toEqual({ appIds: ['app-github-enterprise'], pageSize: 100 });
  });
});

describe('batching', () => {
  it('credentials spread over 5 apps cost one apps search', async () => {
    const creds = t.sandbox.seed.conductorOne.credentials.filter((c) => String(c.id).endsWith('-active'));
    const apps = new Set(creds.map((c) => c.appId));
    expect(apps.size).toBe(5);
    const res = await t.query(
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on ConnectorCredential { id app { id displayName } } } }`,
      {
        reps: creds.map((c) => ({
          __typename: 'ConnectorCredential',
          appId: c.appId,
          connectorId: c.connectorId,
          id: c.id,
        })),
      },
    );
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data as any)._entities.map((e: any) => e.app.id)).toEqual(creds.map((c) => c.appId));
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: creds.length, SearchApps: 1 });
  });
});

describe('token flow through the subgraph', () => {
  it('recovers from a 401 by refreshing the token once and retrying once', async () => {
    sim.inject('GetCredentials', { kind: 'unauthorized' });
    const res = await github();
    expect(res.body.errors).toBeUndefined();
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 2, Token: 1 });
    const [rejected, retried] = sim.requests.filter((r) => r.operation === 'GetCredentials');
    expect(rejected!.headers['authorization']).not.toBe(retried!.headers['authorization']);
  });

  it('recovers when the upstream expired every token', async () => {
    sim.expireAllTokens();
    expect((await github()).body.errors).toBeUndefined();
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 2, Token: 1 });
  });

  it('gives up after one refresh when the API keeps refusing the token', async () => {
    sim.inject('GetCredentials', { kind: 'unauthorized', times: 5 });
    const res = await github();
    expect(codeOf(res)).toBe('UPSTREAM_ACCESS_DENIED');
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 2, Token: 1 });
  });

  it('maps a token endpoint outage to UPSTREAM_UNAVAILABLE', async () => {
    sim.expireAllTokens();
    sim.inject('GetCredentials', { kind: 'unauthorized' });
    sim.inject('Token', { kind: 'error', status: 503 });
    expect(codeOf(await github())).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('shares one token between 100 concurrent queries', async () => {
    sim.expireAllTokens();
    sim.setLatency(20, 'Token');
    const results = await Promise.all(Array.from({ length: 100 }, () => github()));
    expect(results.every((r) => r.body.errors === undefined)).toBe(true);
    expect(sim.calls.get('Token')).toBe(1);
  });
});

describe('errors map to GraphQL codes', () => {
  it.each([
    [403, 'UPSTREAM_ACCESS_DENIED', 1],
    [400, 'BAD_USER_INPUT', 1],
    [429, 'UPSTREAM_THROTTLED', 3],
    [500, 'UPSTREAM_UNAVAILABLE', 3],
    [503, 'UPSTREAM_UNAVAILABLE', 3],
  ])('%d → %s after %d attempt(s)', async (status, code, attempts) => {
    sim.inject('GetCredentials', { kind: 'error', status, times: 5 });
    const res = await github();
    expect(res.body.data).toEqual({ connectorCredential: null });
    expect(res.body.errors![0]!.extensions).toEqual({
      code,
      upstream: { name: 'conductorOne', operation: 'GetCredentials', status },
    });
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: attempts });
  });

  it('answers 404 with null and no error, whether the code is a number or a string', async () => {
    sim.inject('GetCredentials', { kind: 'error', status: 404, code: 'not_found' });
    expect((await github()).body).toEqual({ data: { connectorCredential: null } });
    sim.inject('GetConnector', { kind: 'error', status: 404, code: 5 });
    const res = await github('id connector { id }');
    expect(res.body).toEqual({ data: { connectorCredential: { id: 'cred-github-active', connector: null } } });
  });

  it('parses a non-JSON error body defensively and never returns it', async () => {
    sim.inject('GetCredentials', {
      kind: 'error',
      status: 502,
      body: '<html>planted-proxy-page-5521</html>',
      times: 3,
    });
    const res = await github();
    expect(codeOf(res)).toBe('UPSTREAM_UNAVAILABLE');
    expect(res.text).not.toContain('planted-proxy-page-5521');
  });

  it('honours Retry-After on 429, then succeeds', async () => {
    sim.inject('GetCredentials', { kind: 'throttle', retryAfterSeconds: 1 });
    expect((await github()).body.errors).toBeUndefined();
    const [first, second] = sim.requests.filter((r) => r.operation === 'GetCredentials');
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('retries the apps search (a read) after a 500', async () => {
    sim.inject('SearchApps', { kind: 'error', status: 500 });
    expect((await github('app { id }')).body.errors).toBeUndefined();
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 1, SearchApps: 2 });
  });

  it('retries a reset connection, and times out a hung or stalled upstream', async () => {
    sim.inject('GetCredentials', { kind: 'reset' });
    expect((await github()).body.errors).toBeUndefined();
    sim.inject('GetCredentials', { kind: 'hang', times: 3 });
    expect(codeOf(await github())).toBe('UPSTREAM_TIMEOUT');
    sim.inject('GetCredentials', { kind: 'slowBody', chunkDelayMs: 1000, times: 3 });
    expect(codeOf(await github())).toBe('UPSTREAM_TIMEOUT');
  });

  it('never follows a redirect with the Authorization header', async () => {
    const seen: Array<{ path: string | undefined; authorization: string | undefined }> = [];
    const redirecting = createServer((req, res) => {
      seen.push({ path: req.url, authorization: req.headers['authorization'] });
      res.writeHead(301, { location: '/api/v1/apps' }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const client = new ConductorOneClient({
      origin: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`,
      tokens: staticTokenSource('redirect-test-token'),
      timeouts: { connectMs: 500, headersMs: 500, bodyMs: 500 },
      userAgent: 'test',
    });
    try {
      await expect(client.getCredentials({ appId: 'a', connectorId: 'c', id: 'x' })).rejects.toMatchObject({
        status: 301,
      });
      expect(seen).toEqual([
        { path: '/api/v1/apps/a/connectors/c/credentials/x', authorization: 'Bearer redirect-test-token' },
      ]);
      expect(
        toSubgraphError(
          new ConductorOneApiError({
            status: 301,
            code: undefined,
            upstreamMessage: undefined,
            operation: 'GetCredentials',
            requestId: undefined,
            retryAfterMs: undefined,
          }),
          'GetCredentials',
        ).extensions['code'],
      ).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      await client.close();
      redirecting.close();
    }
  });

  it('writes a segment as encodeURIComponent does, plain ids as they are', () => {
    const ids = ['app-github', 'A_b.c~d-9', 'app:ü', 'conn%', 'id+1', 'a b', 'é', '...x', '\u{1F600}', "it's"];
    for (const id of ids) expect(segment(id, 'id')).toBe(encodeURIComponent(id));
  });

  it('refuses to build a path from an empty or separator-bearing id', () => {
    for (const bad of ['', '.', '..', 'a/b', 'a?b', 'a#b']) expect(() => segment(bad, 'id')).toThrow(TypeError);
  });
});

describe('secrets', () => {
  it('drops the clientSecret the API returns, and never shows the access token', async () => {
    const rotated = t.sandbox.seed.conductorOne.credentials.find((c) => c.clientSecret !== undefined)!;
    const res = await credential(
      String(rotated.appId),
      String(rotated.connectorId),
      String(rotated.id),
      'id clientId status',
    );
    expect(res.body.errors).toBeUndefined();
    const served = sim.requests.at(-1)!;
    const accessToken = served.headers['authorization']!.replace('Bearer ', '');
    const everything = [res.text, ...t.logs].join('\n');
    expect(everything).not.toContain(SANDBOX_ROTATED_CLIENT_SECRET);
    expect(everything).not.toContain(accessToken);
    expect(sim.secretSubmissions()).toBe(0);
  });
});

describe('a timestamp ConductorOne sent that is not one', () => {
  const edit =
    (members: Record<string, unknown>, at: 'credential' | 'connector') =>
    (body: unknown): unknown => {
      const b = body as {
        credential?: Record<string, unknown>;
        connectorView?: { connector: Record<string, unknown> };
      };
      if (at === 'credential') Object.assign(b.credential!, members);
      else Object.assign(b.connectorView!.connector, members);
      return b;
    };

  it('fails its own field only: the rest of the credential is served, and the member is logged by name', async () => {
    // Twice: an operation's first run is on graphql-js, the next ones on its compiled form.
    sim.inject('GetCredentials', { kind: 'edit', edit: edit({ createdAt: 'last tuesday' }, 'credential'), times: 2 });
    const first = await github('id displayName createdAt updatedAt status');
    const res = await github('id displayName createdAt updatedAt status');
    expect(res.body).toEqual(first.body);
    expect(res.body.data).toEqual({
      connectorCredential: {
        id: 'cred-github-active',
        displayName: expect.any(String),
        createdAt: null,
        updatedAt: expect.stringMatching(/^\d{4}-/),
        status: 'ACTIVE',
      },
    });
    expect(res.body.errors).toEqual([
      {
        message: expect.stringContaining('cannot use'),
        path: ['connectorCredential', 'createdAt'],
        locations: expect.any(Array),
        extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }),
      },
    ]);
    const logged = t.logs.filter((line) => line.includes('upstream member unusable'));
    expect(logged.at(-1)).toContain('createdAt is not a timestamp');
    expect(t.logs.join('\n')).not.toContain('last tuesday');
    // A query that does not read it is answered in full.
    sim.inject('GetCredentials', { kind: 'edit', edit: edit({ createdAt: 'last tuesday' }, 'credential') });
    expect((await github('id status')).body).toEqual({
      data: { connectorCredential: { id: 'cred-github-active', status: 'ACTIVE' } },
    });
  });

  it('decides the status when it can: an unreadable deletedAt is still set; an unreadable expiry on a live credential fails the credential', async () => {
    sim.inject('GetCredentials', { kind: 'edit', edit: edit({ deletedAt: 'gone' }, 'credential') });
    const revoked = await github('id status deletedAt');
    expect(revoked.body.data).toEqual({
      connectorCredential: { id: 'cred-github-active', status: 'REVOKED', deletedAt: null },
    });
    expect(revoked.body.errors?.map((e) => e.path)).toEqual([['connectorCredential', 'deletedAt']]);

    sim.inject('GetCredentials', { kind: 'edit', edit: edit({ expiresTime: 'someday' }, 'credential') });
    const unknown = await github('id status');
    expect(unknown.body.data).toEqual({ connectorCredential: null });
    expect(unknown.body.errors?.[0]).toMatchObject({
      path: ['connectorCredential', 'status'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE' },
    });
  });

  it('is logged once a minute per kind, however many a batch carries, with the count not logged', async () => {
    const creds = t.sandbox.seed.conductorOne.credentials.slice(0, 6);
    const logsBefore = t.logs.length;
    sim.inject('GetCredentials', { kind: 'edit', edit: edit({ lastUsedAt: 'recently' }, 'credential'), times: 6 });
    const res = await t.query(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on ConnectorCredential { id lastUsedAt } } }',
      {
        r: creds.map((c) => ({
          __typename: 'ConnectorCredential',
          appId: c.appId,
          connectorId: c.connectorId,
          id: c.id,
        })),
      },
    );
    expect((res.body.data as any)._entities).toEqual(creds.map((c) => ({ id: c.id, lastUsedAt: null })));
    expect(res.body.errors).toHaveLength(6);
    const lines = t.logs.slice(logsBefore).filter((line) => line.includes('upstream member unusable'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      operation: 'GetCredentials',
      member: 'lastUsedAt is not a timestamp',
    });
  });

  it("fails a connector's syncCompletedAt alone", async () => {
    sim.inject('GetConnector', {
      kind: 'edit',
      edit: (body) => {
        const b = body as { connectorView: { connector: { status?: Record<string, unknown> } } };
        b.connectorView.connector.status = { ...b.connectorView.connector.status, completedAt: 'not yet' };
        return b;
      },
    });
    const res = await github('id connector { id displayName syncCompletedAt }');
    expect(res.body.data).toEqual({
      connectorCredential: {
        id: 'cred-github-active',
        connector: { id: 'conn-github', displayName: expect.any(String), syncCompletedAt: null },
      },
    });
    expect(res.body.errors?.map((e) => e.path)).toEqual([['connectorCredential', 'connector', 'syncCompletedAt']]);
  });
});
