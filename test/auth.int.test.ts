/**
 * Caller authentication and scopes through the real HTTP server: a missing or invalid token is
 * refused with 401 before execution; a token missing a scope sees exactly the fields it may see,
 * and no upstream call is made for the others.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../src/secret.ts';
import { AUDIENCE, createSigner, ISSUER, serveJwks, jwtAuth } from './helpers/jwt.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

const signer = createSigner();
const ALL = 'destinations:read credentials:read app-authorizations:read app-authorizations:connect';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('JWT authentication (PEM key)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      config: {
        auth: jwtAuth(signer, ['ES256', 'RS256']),
      },
    });
  });
  afterAll(() => t.close());
  beforeEach(() => t.resetCalls());

  const query = '{ connectorDestination(id: "dest-lumen-eu") { name } }';

  it('answers a valid token', async () => {
    const res = await t.query(query, undefined, bearer(await signer.sign({ scope: ALL })));
    expect(res.body).toEqual({ data: { connectorDestination: { name: 'Lumen Lighting Cloud EU' } } });
  });

  it.each([
    ['no token', async () => ({})],
    ['a malformed header', async () => ({ authorization: 'Token abc' })],
    ['another key', async () => bearer(await createSigner().sign({ scope: ALL }))],
    [
      'an expired token (beyond 30 s of tolerance)',
      async () => bearer(await signer.sign({ scope: ALL }, { expiresInSeconds: -60 })),
    ],
    ['another issuer', async () => bearer(await signer.sign({ scope: ALL }, { issuer: 'https://evil.example' }))],
    ['another audience', async () => bearer(await signer.sign({ scope: ALL }, { audience: 'other-service' }))],
    [
      'alg none',
      async () =>
        bearer(
          `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: 9e9, scope: ALL })).toString('base64url')}.`,
        ),
    ],
    [
      'HS256 signed with the public key',
      async () =>
        bearer(
          await new SignJWT({ scope: ALL })
            .setProtectedHeader({ alg: 'HS256' })
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setExpirationTime('5m')
            .sign(Buffer.from(signer.publicKeyPem)),
        ),
    ],
    [
      'a token without exp',
      async () =>
        bearer(
          await new SignJWT({ scope: ALL })
            .setProtectedHeader({ alg: 'ES256', kid: signer.kid })
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setIssuedAt()
            .sign(signer.privateKey),
        ),
    ],
  ])('refuses %s with 401 UNAUTHENTICATED before any execution', async (_name, headers) => {
    const sent: Record<string, string> = await headers();
    const res = await t.query(query, undefined, sent);
    expect(res.status).toBe(401);
    // RFC 6750 §3: a token that was sent and failed is invalid_token; no token gets the bare challenge.
    expect(res.headers.get('www-authenticate')).toBe(
      sent['authorization']?.startsWith('Bearer ') ? 'Bearer error="invalid_token"' : 'Bearer',
    );
    expect(res.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(t.totalCalls()).toBe(0);
  });

  it('tolerates 30 s of clock skew', async () => {
    const res = await t.query(query, undefined, bearer(await signer.sign({ scope: ALL }, { expiresInSeconds: -10 })));
    expect(res.status).toBe(200);
  });

  it('never echoes the token', async () => {
    const token = await signer.sign({ scope: ALL }, { audience: 'other-service' });
    const res = await t.query(query, undefined, bearer(token));
    expect(res.text).not.toContain(token);
    expect(t.logs.join('\n')).not.toContain(token);
  });
});

describe('scopes', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      config: {
        auth: jwtAuth(signer),
      },
    });
  });
  afterAll(() => t.close());
  beforeEach(() => t.resetCalls());

  const everything = `{
    connectorDestination(id: "dest-lumen-eu") { name cloudConnector { name } }
    connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id app { id } }
    appAuthorization(appBundleIdentifier: "4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01", appAuthorizationIdentifier: "0b3f5a7c-1d2e-4f60-8a9b-0c1d2e3f4a5b") { app }
  }`;

  it('a token missing one scope sees exactly the fields it may see, and nothing is fetched for the rest', async () => {
    const token = await signer.sign({ scope: 'destinations:read app-authorizations:read' });
    const res = await t.query(everything, undefined, bearer(token));
    expect(res.body.data).toEqual({
      connectorDestination: { name: 'Lumen Lighting Cloud EU', cloudConnector: { name: 'Lumen Lighting Cloud' } },
      connectorCredential: null,
      appAuthorization: { app: 'SLACK' },
    });
    expect(res.body.errors).toEqual([
      {
        // The field and its type both require the scope: it is named once.
        message: "The caller's token lacks the scopes this field requires (credentials:read).",
        locations: expect.any(Array),
        path: ['connectorCredential'],
        extensions: { code: 'FORBIDDEN' },
      },
    ]);
    expect(t.calls()['conductorOne']).toEqual({});
  });

  it('reads scopes from an scp array claim as well', async () => {
    const token = await signer.sign({ scp: ['credentials:read'] });
    const res = await t.query(everything, undefined, bearer(token));
    expect(res.body.data).toMatchObject({
      connectorDestination: null,
      appAuthorization: null,
      connectorCredential: { id: 'cred-github-active' },
    });
    expect(res.body.errors!.map((e) => e.path?.[0]).sort()).toEqual(['appAuthorization', 'connectorDestination']);
  });

  it('checks entity types reached through _entities, one representation at a time', async () => {
    const token = await signer.sign({ scope: 'destinations:read' });
    const res = await t.query(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on CloudConnector { id } ... on ConductorOneApp { id } } }',
      {
        r: [
          { __typename: 'CloudConnector', id: 'cc-aqua-leak' },
          { __typename: 'ConductorOneApp', id: 'app-snowflake' },
        ],
      },
      bearer(token),
    );
    expect((res.body.data as any)._entities).toEqual([{ id: 'cc-aqua-leak' }, null]);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: ['_entities', 1], extensions: { code: 'FORBIDDEN' } }),
    ]);
    expect(t.calls()['conductorOne']).toEqual({});
  });

  it('requires app-authorizations:connect for the mutation and sends nothing without it', async () => {
    const token = await signer.sign({ scope: 'app-authorizations:read' });
    const res = await t.query(
      'mutation ($i: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $i) { userErrors { code } } }',
      {
        i: {
          appBundleIdentifier: '4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01',
          appAuthorizationIdentifier: '0b3f5a7c-1d2e-4f60-8a9b-0c1d2e3f4a5b',
          authRequest: { redirectUri: 'https://a.example/cb', code: 'c' },
        },
      },
      bearer(token),
    );
    expect(res.body.data).toBeNull();
    expect(res.body.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(t.calls()['appFabric']).toEqual({});
  });
});

describe('remote JWKS and the router secret', () => {
  let t: TestServer;
  let jwks: Awaited<ReturnType<typeof serveJwks>>;
  beforeAll(async () => {
    jwks = await serveJwks([signer]);
    t = await startTestServer({
      config: {
        auth: {
          kind: 'jwt',
          key: { jwksUrl: new URL(jwks.url) },
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['ES256'],
        },
        routerSecret: new Secret('router-shared-secret-0123456789'),
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await jwks.close();
  });

  const query = '{ connectorDestination(id: "dest-lumen-eu") { name } }';

  it('verifies tokens against the JWKS, fetching it once and caching it', async () => {
    const headers = {
      ...bearer(await signer.sign({ scope: ALL })),
      'router-authorization': 'router-shared-secret-0123456789',
    };
    for (let i = 0; i < 5; i++) expect((await t.query(query, undefined, headers)).status).toBe(200);
    expect(jwks.fetches()).toBe(1);
  });

  it('refuses a request without the router secret, or with a wrong one, even with a valid token', async () => {
    const token = bearer(await signer.sign({ scope: ALL }));
    for (const res of [
      await t.query(query, undefined, token),
      await t.query(query, undefined, { ...token, 'router-authorization': 'router-shared-secret-0123456780' }),
    ]) {
      expect(res.status).toBe(401);
      // No Bearer challenge (a token would not help), and nothing said about a router secret.
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(res.body).toEqual({
        errors: [{ message: 'The request is not authorized.', extensions: { code: 'UNAUTHENTICATED' } }],
      });
    }
  });
});

describe('iat and AUTH_JWT_TYPE', () => {
  const query = '{ connectorDestination(id: "dest-lumen-eu") { name } }';
  const token = (options: { iat?: number; typ?: string }) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: ALL })
      .setProtectedHeader({ alg: 'ES256', kid: signer.kid, ...(options.typ ? { typ: options.typ } : {}) })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(options.iat ?? now)
      .setExpirationTime(now + 600)
      .sign(signer.privateKey);
  };

  it('refuses a token issued in the future, beyond 30 s of clock skew', async () => {
    const t = await startTestServer({ config: { auth: jwtAuth(signer) } });
    try {
      const now = Math.floor(Date.now() / 1000);
      expect((await t.query(query, undefined, bearer(await token({ iat: now + 20 })))).status).toBe(200);
      expect((await t.query(query, undefined, bearer(await token({ iat: now + 60 })))).status).toBe(401);
      expect((await t.query(query, undefined, bearer(await token({ iat: now + 365 * 86_400 })))).status).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('with AUTH_JWT_TYPE, takes only tokens of that type (another JWT of the same issuer is not an access token)', async () => {
    const t = await startTestServer({ config: { auth: { ...jwtAuth(signer), tokenType: 'at+jwt' } } });
    try {
      expect((await t.query(query, undefined, bearer(await token({ typ: 'at+jwt' })))).status).toBe(200);
      expect((await t.query(query, undefined, bearer(await token({ typ: 'application/at+jwt' })))).status).toBe(200);
      for (const typ of ['JWT', 'logout+jwt', undefined]) {
        expect((await t.query(query, undefined, bearer(await token(typ ? { typ } : {})))).status).toBe(401);
      }
    } finally {
      await t.close();
    }
  });
});

describe('AUTH_MAX_TOKEN_AGE_S', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { auth: { ...jwtAuth(signer), maxTokenAgeS: 60 } } });
  });
  afterAll(() => t.close());
  const query = '{ connectorDestination(id: "dest-lumen-eu") { name } }';
  const token = (issuedAt: number | null) => {
    const jwt = new SignJWT({ scope: ALL })
      .setProtectedHeader({ alg: 'ES256', kid: signer.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h');
    return (issuedAt === null ? jwt : jwt.setIssuedAt(issuedAt)).sign(signer.privateKey);
  };

  it('refuses a token older than the limit although its exp is still ahead, and one without iat', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await t.query(query, undefined, bearer(await token(now - 10)))).status).toBe(200);
    expect((await t.query(query, undefined, bearer(await token(now - 120)))).status).toBe(401);
    expect((await t.query(query, undefined, bearer(await token(null)))).status).toBe(401);
  });
});

describe('the request deadline', () => {
  it("runs from the request's arrival: a caller still waiting for a slow key set at its deadline gets 503, and the fetch goes on", async () => {
    const keys = await serveJwks([signer]);
    // The key set answers after 1.5 s, through a proxy that holds each fetch.
    let fetches = 0;
    const slow = createServer((_req, res) => {
      fetches += 1;
      setTimeout(() => {
        void fetch(keys.url).then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
        });
      }, 1_500);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const t = await startTestServer({
      config: {
        requestTimeoutMs: 1_000,
        auth: {
          kind: 'jwt',
          key: { jwksUrl: new URL(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/jwks.json`) },
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['ES256'],
        },
      },
    });
    try {
      const headers = bearer(await signer.sign({ scope: ALL }));
      const started = Date.now();
      const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { name } }', undefined, headers);
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'AUTHENTICATION_UNAVAILABLE' });
      // Answered at its deadline (1 s), not when the key set came (1.5 s).
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(1_400);
      // The fetch it started went on: once the keys came, the next request is served with them.
      await new Promise((resolve) => setTimeout(resolve, 800));
      const next = await t.query('{ connectorDestination(id: "dest-lumen-eu") { name } }', undefined, headers);
      expect(next.status).toBe(200);
      expect(next.body.data).toEqual({ connectorDestination: { name: expect.any(String) } });
      expect(fetches).toBe(1);
    } finally {
      await t.close();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
      await keys.close();
    }
  });
});

describe('a key set that cannot be read', () => {
  /** A JWKS endpoint that answers as `mode` says; `down` closes it. */
  async function keySet(mode: { status: number; body: string }) {
    let current = mode;
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(current.status).end(current.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`),
      set: (next: { status: number; body: string }) => (current = next),
      requests: () => requests,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  const auth = (jwksUrl: URL) => ({
    kind: 'jwt' as const,
    key: { jwksUrl },
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256'],
  });
  const query = '{ connectorDestination(id: "dest-lumen-eu") { name } }';

  it.each([
    ['an error status', { status: 500, body: 'oops' }],
    ['a body that is not JSON', { status: 200, body: '<html>' }],
    ['a body that is not a key set', { status: 200, body: '{"keys":"none"}' }],
  ])('answers 503 AUTHENTICATION_UNAVAILABLE with Retry-After for %s, not a 401', async (_, mode) => {
    const jwks = await keySet(mode);
    const t = await startTestServer({ config: { auth: auth(jwks.url) } });
    try {
      const token = await signer.sign({ scope: ALL });
      const res = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        body: JSON.stringify({ query }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as any).errors[0].extensions).toEqual({ code: 'AUTHENTICATION_UNAVAILABLE' });
      expect(t.logs.join('\n')).not.toContain(token);
      expect(t.totalCalls()).toBe(0);
    } finally {
      await t.close();
      await jwks.close();
    }
  });

  it('during an outage, fetches once per back-off and logs each failed fetch once, without its message', async () => {
    const jwks = await keySet({ status: 500, body: 'down' });
    const t = await startTestServer({ config: { auth: auth(jwks.url) } });
    try {
      const token = bearer(await signer.sign({ scope: ALL }));
      const statuses = [];
      for (let i = 0; i < 20; i++) statuses.push((await t.query(query, undefined, token)).status);
      expect(new Set(statuses)).toEqual(new Set([503]));
      expect(jwks.requests()).toBe(1);
      const failures = t.logs.filter((line) => line.includes('the key set could not be read'));
      expect(failures).toHaveLength(1);
      const entry = JSON.parse(failures[0]!) as Record<string, unknown>;
      expect(entry).toMatchObject({
        level: 40,
        keySet: { reason: 'status', status: 500 },
        keptKeys: false,
        retryInMs: 1000,
      });
      expect(entry).not.toHaveProperty('err');
      expect(t.logs.join('\n')).not.toContain(jwks.url.href);
    } finally {
      await t.close();
      await jwks.close();
    }
  });

  it('answers 503 when the key set cannot be reached at all, and still 401 for a bad token when it can', async () => {
    // Port 1 of loopback: nothing listens there (a port freed by a closed server could be taken
    // by another test's in the meantime).
    const url = new URL('http://127.0.0.1:1/.well-known/jwks.json');
    const t = await startTestServer({ config: { auth: auth(url) } });
    try {
      const unreachable = await t.query(query, undefined, bearer(await signer.sign({ scope: ALL })));
      expect(unreachable.status).toBe(503);
    } finally {
      await t.close();
    }
    const up = await serveJwks([signer]);
    const u = await startTestServer({ config: { auth: auth(new URL(up.url)) } });
    try {
      const forged = await u.query(query, undefined, bearer(await createSigner().sign({ scope: ALL })));
      expect(forged.status).toBe(401);
    } finally {
      await u.close();
      await up.close();
    }
  });
});
