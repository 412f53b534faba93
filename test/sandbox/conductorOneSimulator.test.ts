import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import {
  startConductorOneSimulator,
  type ConductorOneSimulator,
} from '../../src/sandbox/conductorOne/conductorOneSimulator.ts';
import { createSandboxSeed } from '../../src/sandbox/seed.ts';

const AUDIENCE = 'example.conductor.one';
const CLIENT_ID = 'calm-otter-1@example.conductor.one/pcc';
/** Registered with a public JWK rather than a KeyObject. */
const JWK_CLIENT_ID = 'brisk-lynx-2@example.conductor.one/spc';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const keys = generateKeyPairSync('ed25519');
const jwkKeys = generateKeyPairSync('ed25519');
const strangerKeys = generateKeyPairSync('ed25519');

const base = createSandboxSeed(new Date('2026-03-01T10:00:00Z')).conductorOne;
// 5 seed apps plus 225 more, so SearchApps paging and its 10/25/100 page-size rules show.
const extraApps = Array.from({ length: 225 }, (_, i) => ({
  id: `app-extra-${String(i).padStart(3, '0')}`,
  displayName: `Extra ${i}`,
}));
const seed = { ...base, apps: [...base.apps, ...extraApps] };
const allAppIds = seed.apps.map((a) => a.id as string);
const withSecret = seed.credentials.find((c) => c.clientSecret !== undefined)!;
const plainCredential = seed.credentials.find((c) => c.clientSecret === undefined)!;
const connector = seed.connectors[2]!;
const credentialPath = (c: typeof withSecret) =>
  `/api/v1/apps/${c.appId}/connectors/${c.connectorId}/credentials/${c.id}`;
const connectorPath = `/api/v1/apps/${connector.appId}/connectors/${connector.id}`;

let sim: ConductorOneSimulator;
// A separate pool per test file, so destroyed or hung sockets never leak into other requests.
const agent = new Agent({ keepAliveTimeout: 1000 });

// ------------------------------------------------------------------ helpers

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface AssertionInit {
  key?: KeyObject;
  clientId?: string;
  /** Merged over `{ alg: 'EdDSA', nonce }`; `undefined` values drop a member. */
  header?: Record<string, unknown>;
  /** Merged over the standard claims; `undefined` values drop a member. */
  claims?: Record<string, unknown>;
  /** Seconds since the epoch the claims count from. */
  now?: number;
}

/** A client assertion as conductorone-api.md §1.4 describes it, signed with node:crypto. */
function mintAssertion(init: AssertionInit = {}): string {
  const now = init.now ?? Math.floor(Date.now() / 1000);
  const clientId = init.clientId ?? CLIENT_ID;
  const header = { alg: 'EdDSA', nonce: randomBytes(16).toString('hex'), ...init.header };
  const claims = {
    iss: clientId,
    sub: clientId,
    aud: AUDIENCE,
    exp: now + 120,
    nbf: now - 120,
    iat: now,
    ...init.claims,
  };
  const input = `${b64json(header)}.${b64json(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), init.key ?? keys.privateKey).toString('base64url')}`;
}

const assertionForm = (assertion: string, clientId = CLIENT_ID): Record<string, string> => ({
  grant_type: 'client_credentials',
  client_id: clientId,
  client_assertion_type: ASSERTION_TYPE,
  client_assertion: assertion,
});

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

async function send(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
): Promise<Sent> {
  const res = await request(`${sim.url}${path}`, {
    method: method as 'GET',
    headers: init.headers,
    body: init.body,
    dispatcher: agent,
    signal: init.signal,
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

const tokenRequest = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  send('POST', '/auth/v1/token', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

async function getToken(init: AssertionInit = {}): Promise<string> {
  const res = await tokenRequest(assertionForm(mintAssertion(init), init.clientId));
  expect(res.status).toBe(200);
  return res.json.access_token as string;
}

let token: string;

const api = (
  method: string,
  path: string,
  init: { token?: string | null; body?: unknown; signal?: AbortSignal } = {},
) => {
  const bearer = init.token === undefined ? token : init.token;
  return send(method, path, {
    headers: {
      accept: 'application/json',
      ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    signal: init.signal,
  });
};
const search = (body?: unknown) => api('POST', '/api/v1/search/apps', { body });

beforeAll(async () => {
  sim = await startConductorOneSimulator({
    seed,
    audience: AUDIENCE,
    clients: [
      { clientId: CLIENT_ID, publicKey: keys.publicKey },
      { clientId: JWK_CLIENT_ID, publicKey: jwkKeys.publicKey.export({ format: 'jwk' }) },
    ],
  });
  token = await getToken();
});
afterAll(async () => {
  await sim.close();
  await agent.close();
});
beforeEach(() => {
  sim.reset();
});

// ------------------------------------------------------------------ token endpoint

describe('token endpoint: the Ed25519 client assertion', () => {
  it('issues an opaque Bearer token for a valid assertion with aud as a string', async () => {
    const res = await tokenRequest(assertionForm(mintAssertion()));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 600 });
    expect(res.json.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(sim.issuedTokens()).toBe(1);
    expect((await api('GET', connectorPath, { token: res.json.access_token })).status).toBe(200);
  });

  it('accepts aud as a one-element array, and a client registered with a public JWK', async () => {
    expect((await tokenRequest(assertionForm(mintAssertion({ claims: { aud: [AUDIENCE] } })))).status).toBe(200);
    const jwk = mintAssertion({ clientId: JWK_CLIENT_ID, key: jwkKeys.privateKey });
    expect((await tokenRequest(assertionForm(jwk, JWK_CLIENT_ID))).status).toBe(200);
    expect(sim.issuedTokens()).toBe(2);
  });

  it('refuses every bad assertion with 401 invalid_client and a precise reason', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = mintAssertion();
    const [h, , s] = good.split('.');
    const tampered = `${h}.${b64json({ iss: CLIENT_ID, sub: CLIENT_ID, aud: AUDIENCE, exp: now + 200, iat: now })}.${s}`;
    const cases: Array<[string, string, RegExp]> = [
      ['bad signature', tampered, /signature does not verify/],
      ['another key', mintAssertion({ key: strangerKeys.privateKey }), /signature does not verify/],
      ['wrong iss', mintAssertion({ claims: { iss: 'someone@example.conductor.one/pcc' } }), /^iss must equal/],
      ['wrong sub', mintAssertion({ claims: { sub: 'someone@example.conductor.one/pcc' } }), /^sub must equal/],
      ['wrong aud', mintAssertion({ claims: { aud: 'other.conductor.one' } }), /^aud must be "example.conductor.one"/],
      ['aud with a port', mintAssertion({ claims: { aud: `${AUDIENCE}:443` } }), /^aud must be/],
      ['two audiences', mintAssertion({ claims: { aud: [AUDIENCE, 'x'] } }), /one-element array/],
      ['exp 10 min ahead', mintAssertion({ claims: { exp: now + 600 } }), /at most 300 seconds/],
      ['expired exp', mintAssertion({ claims: { exp: now - 5, nbf: now - 300 } }), /has expired/],
      ['no exp', mintAssertion({ claims: { exp: undefined } }), /^exp is required/],
      ['nbf ahead', mintAssertion({ claims: { nbf: now + 60 } }), /not valid yet/],
      ['no iat', mintAssertion({ claims: { iat: undefined } }), /^iat is required/],
      ['alg ES256', mintAssertion({ header: { alg: 'ES256' } }), /alg must be EdDSA, not "ES256"/],
      ['alg none', mintAssertion({ header: { alg: 'none' } }), /alg must be EdDSA/],
      ['no nonce', mintAssertion({ header: { nonce: undefined } }), /nonce must be 32 lower-case/],
      ['upper-case nonce', mintAssertion({ header: { nonce: 'AB'.repeat(16) } }), /nonce must be 32 lower-case/],
      ['not a JWS', 'not-a-jws', /not a compact JWS/],
      ['padded parts', `${good}=`, /base64url without padding/],
    ];
    for (const [name, assertion, reason] of cases) {
      const res = await tokenRequest(assertionForm(assertion));
      expect({ name, status: res.status, error: res.json.error }).toEqual({
        name,
        status: 401,
        error: 'invalid_client',
      });
      expect(res.json.error_description, name).toMatch(reason);
    }
    expect(sim.issuedTokens()).toBe(0);
    expect(sim.responses.every((r) => r.status === 401 && r.errorCode === 'invalid_client')).toBe(true);
  });

  it('accepts no typ requirement and a jti, and checks exp against 300 s with 1 s of slack', async () => {
    const fixed = new Date('2026-03-01T10:00:00Z');
    const t = fixed.getTime() / 1000;
    sim.setClock(() => fixed);
    const at = (exp: number) => tokenRequest(assertionForm(mintAssertion({ now: t, claims: { exp } })));
    expect((await at(t + 300)).status).toBe(200);
    expect((await at(t + 301)).status).toBe(200);
    expect((await at(t + 302)).status).toBe(401);
    expect((await at(t)).json.error_description).toMatch(/has expired/);
    const extra = mintAssertion({ now: t, header: { typ: 'JWT' }, claims: { jti: 'x', nbf: undefined } });
    expect((await tokenRequest(assertionForm(extra))).status).toBe(200);
  });

  it('refuses a replayed nonce', async () => {
    const assertion = mintAssertion();
    expect((await tokenRequest(assertionForm(assertion))).status).toBe(200);
    const replay = await tokenRequest(assertionForm(assertion));
    expect(replay.status).toBe(401);
    expect(replay.json).toEqual({
      error: 'invalid_client',
      error_description: 'JWS header nonce has already been used (replay)',
    });
    const nonce = randomBytes(16).toString('hex');
    expect((await tokenRequest(assertionForm(mintAssertion({ header: { nonce } })))).status).toBe(200);
    expect((await tokenRequest(assertionForm(mintAssertion({ header: { nonce } })))).status).toBe(401);
  });

  it('refuses the plain client-secret grant with 400, and counts every secret submission', async () => {
    const res = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: 'secret-token:conductorone.com:v1:abc',
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: 'invalid_request',
      error_description: 'client_secret is not accepted; use a client assertion',
    });
    // Alongside a valid assertion too, and via HTTP Basic.
    const both = { ...assertionForm(mintAssertion()), client_secret: 'x' };
    expect((await tokenRequest(both)).status).toBe(400);
    const basic = `Basic ${Buffer.from(`${CLIENT_ID}:x`).toString('base64')}`;
    expect((await tokenRequest(assertionForm(mintAssertion()), { authorization: basic })).status).toBe(400);
    expect(sim.secretSubmissions()).toBe(3);
    expect(sim.issuedTokens()).toBe(0);
    expect(sim.requests[0]!.body).toContain('client_secret=');
  });

  it('refuses a malformed form: grant type, missing or repeated fields, extra fields, content type', async () => {
    const good = () => assertionForm(mintAssertion());
    const cases: Array<[Record<string, string> | string, number, string, RegExp, string?]> = [
      [{ ...good(), grant_type: 'password' }, 400, 'unsupported_grant_type', /client_credentials/],
      [{ ...good(), grant_type: '' }, 400, 'invalid_request', /grant_type is required/],
      [{ ...good(), client_id: '' }, 400, 'invalid_request', /client_id is required/],
      [{ ...good(), scope: 'all' }, 400, 'invalid_request', /unexpected parameter: scope/],
      [`${new URLSearchParams(good())}&client_id=${CLIENT_ID}`, 400, 'invalid_request', /repeated: client_id/],
      [{ ...good(), client_assertion_type: 'jwt' }, 401, 'invalid_client', /client_assertion_type must be/],
      [{ ...good(), client_assertion: '' }, 401, 'invalid_client', /client_assertion is required/],
      [{ grant_type: 'client_credentials', client_id: CLIENT_ID }, 401, 'invalid_client', /authentication required/],
      [{ ...good(), client_id: 'nobody@example.conductor.one/pcc' }, 401, 'invalid_client', /unknown client_id/],
      [good(), 400, 'invalid_request', /Content-Type must be/, 'application/json'],
    ];
    for (const [form, status, error, reason, contentType] of cases) {
      const res = await send('POST', '/auth/v1/token', {
        headers: { 'content-type': contentType ?? 'application/x-www-form-urlencoded' },
        body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
      });
      expect([res.status, res.json.error]).toEqual([status, error]);
      expect(res.json.error_description).toMatch(reason);
    }
    expect(sim.issuedTokens()).toBe(0);
  });

  it('follows its clock, its client list and its token lifetime; reset() restores them', async () => {
    sim.setClock(() => new Date(Date.now() + 3_600_000));
    expect((await tokenRequest(assertionForm(mintAssertion()))).json.error_description).toMatch(/has expired/);
    const later = Math.floor(Date.now() / 1000) + 3600;
    expect((await tokenRequest(assertionForm(mintAssertion({ now: later })))).status).toBe(200);

    sim.setClients([{ clientId: CLIENT_ID, publicKey: strangerKeys.publicKey }]);
    sim.setClock(() => new Date());
    expect((await tokenRequest(assertionForm(mintAssertion()))).json.error_description).toMatch(/signature/);
    expect((await tokenRequest(assertionForm(mintAssertion({ key: strangerKeys.privateKey })))).status).toBe(200);
    const jwk = mintAssertion({ clientId: JWK_CLIENT_ID, key: jwkKeys.privateKey });
    expect((await tokenRequest(assertionForm(jwk, JWK_CLIENT_ID))).json.error_description).toBe('unknown client_id');

    sim.setAccessTokenTtl(30);
    expect((await tokenRequest(assertionForm(mintAssertion({ key: strangerKeys.privateKey })))).json.expires_in).toBe(
      30,
    );
    expect(() => sim.setAccessTokenTtl(1.5)).toThrow(RangeError);
    sim.reset();
    const res = await tokenRequest(assertionForm(mintAssertion()));
    expect([res.status, res.json.expires_in]).toEqual([200, 600]);
  });
});

// ------------------------------------------------------------------ bearer tokens

describe('bearer tokens on the API', () => {
  const unauthenticated = (res: Sent, message: RegExp) => {
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ code: 16, message: expect.stringMatching(message), details: [] });
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(res.headers['content-type']).toBe('application/json');
  };

  it('answers 401 UNAUTHENTICATED with no, a malformed or an unknown token', async () => {
    unauthenticated(await api('GET', connectorPath, { token: null }), /missing Authorization/);
    unauthenticated(
      await send('GET', connectorPath, { headers: { authorization: `Basic ${token}` } }),
      /must be "Bearer/,
    );
    unauthenticated(await api('GET', connectorPath, { token: 'not-issued-here' }), /unknown access token/);
    // The scheme is case-insensitive.
    expect((await send('GET', connectorPath, { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
    expect(sim.calls.get('GetConnector')).toBe(4);
  });

  it('refuses a token past its lifetime on the simulator clock', async () => {
    sim.setAccessTokenTtl(60);
    const short = await getToken();
    sim.setClock(() => new Date(Date.now() + 59_000));
    expect((await api('GET', connectorPath, { token: short })).status).toBe(200);
    sim.setClock(() => new Date(Date.now() + 61_000));
    unauthenticated(await api('GET', connectorPath, { token: short }), /access token has expired/);
  });

  it('expireAllTokens refuses every token issued so far; a new one works', async () => {
    const other = await getToken();
    sim.expireAllTokens();
    unauthenticated(await api('GET', connectorPath), /expired/);
    unauthenticated(await api('GET', connectorPath, { token: other }), /expired/);
    token = await getToken();
    expect((await api('GET', connectorPath)).status).toBe(200);
  });
});

// ------------------------------------------------------------------ routes

describe('routes', () => {
  it('GetCredentials answers the credential as seeded, clientSecret included', async () => {
    const res = await api('GET', credentialPath(withSecret));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ credential: JSON.parse(JSON.stringify(withSecret)) });
    expect(res.json.credential.clientSecret).toMatch(/^secret-token:conductorone\.com:v1:/);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const plain = await api('GET', credentialPath(plainCredential));
    expect(plain.json.credential).toEqual(JSON.parse(JSON.stringify(plainCredential)));
    expect(plain.json.credential).not.toHaveProperty('clientSecret');
  });

  it('GetConnector answers a ConnectorView with empty paths and expanded', async () => {
    const res = await api('GET', connectorPath);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      connectorView: {
        connector: JSON.parse(JSON.stringify(connector)),
        appPath: '',
        capabilitiesPath: '',
        usersPath: '',
      },
      expanded: [],
    });
  });

  it('percent-decodes each path segment', async () => {
    const encoded = `/api/v1/apps/${connector.appId}/connectors/${encodeURIComponent(connector.id as string).replace(/^c/, '%63')}`;
    expect((await api('GET', encoded)).status).toBe(200);
    // An encoded slash stays inside its segment: an id "a/b", which does not exist.
    expect((await api('GET', `/api/v1/apps/${connector.appId}/connectors/a%2Fb`)).status).toBe(404);
    const bad = await api('GET', `/api/v1/apps/${connector.appId}/connectors/%zz`);
    expect([bad.status, bad.json.code]).toEqual([400, 3]);
  });

  it('answers 404 NOT_FOUND with a numeric code, or a string code in the string style', async () => {
    const wrongConnector = `/api/v1/apps/${withSecret.appId}/connectors/conn-other/credentials/${withSecret.id}`;
    for (const path of [`${credentialPath(withSecret)}x`, wrongConnector, `/api/v1/apps/app-x/connectors/nope`]) {
      const res = await api('GET', path);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ code: 5, message: expect.stringMatching(/not found/), details: [] });
    }
    sim.setErrorCodeStyle('string');
    const res = await api('GET', '/api/v1/apps/app-x/connectors/nope');
    expect(res.json).toEqual({ code: 'not_found', message: 'connector not found', details: [] });
    unauthenticatedString(await api('GET', connectorPath, { token: 'nope' }));
    expect(sim.responses.map((r) => r.errorCode)).toEqual([5, 5, 5, 'not_found', 'unauthenticated']);
  });

  const unauthenticatedString = (res: Sent) => expect([res.status, res.json.code]).toEqual([401, 'unauthenticated']);

  it('answers an unknown route with 404, before authentication', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/apps'],
      ['DELETE', credentialPath(withSecret)],
      ['GET', '/api/v1/search/apps'],
      ['GET', '/auth/v1/token'],
      ['GET', '/'],
    ] as const) {
      const res = await api(method, path, { token: null });
      expect([res.status, res.json.code]).toEqual([404, 5]);
    }
    expect(sim.calls.snapshot()).toEqual({ UnknownOperation: 5 });
  });

  it('redirects a trailing slash or an empty segment to the parent collection with an empty 301', async () => {
    const cases: Array<[string, string]> = [
      [`${credentialPath(withSecret)}/`, credentialPath(withSecret)],
      ['/api/v1/apps/app-x/connectors/conn-y/credentials/', '/api/v1/apps/app-x/connectors/conn-y/credentials'],
      ['/api/v1/apps/app-x/connectors//credentials/cred-y', '/api/v1/apps/app-x/connectors'],
      ['/api/v1/apps//connectors/conn-y', '/api/v1/apps'],
      ['/api/v1/apps/app-x/connectors/%2F', '/api/v1/apps/app-x/connectors'],
      ['/api/v1/apps/app-x/connectors/.', '/api/v1/apps/app-x/connectors'],
      ['/api/v1/search/apps/?q=1', '/api/v1/search/apps?q=1'],
    ];
    for (const [path, location] of cases) {
      const res = await api('GET', path);
      expect([res.status, res.headers['location'], res.text]).toEqual([301, location, '']);
      expect(res.headers['content-type']).toBeUndefined();
      expect(res.headers['x-request-id']).toBeDefined();
    }
    expect((await api('GET', `${connectorPath}/`, { token: null })).status).toBe(301);
    expect(sim.calls.snapshot()).toEqual({ Redirect: cases.length + 1 });
    expect(sim.responses.every((r) => r.operation === 'Redirect' && r.errorCode === undefined)).toBe(true);
  });
});

describe('SearchApps', () => {
  const ids = (res: Sent) => (res.json.list as Array<{ id: string }>).map((a) => a.id);

  it('answers the apps in seed order, as seeded; appIds filters without reordering', async () => {
    const res = await search({ appIds: ['app-snowflake', 'app-missing', 'app-okta-workforce'] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      list: [base.apps[0], base.apps[4]].map((a) => JSON.parse(JSON.stringify(a))),
      nextPageToken: '',
    });
    expect(res.json.list[0].userCount).toEqual(expect.any(String)); // int64 as a JSON string
    expect(ids(await search({ appIds: [] }))).toEqual(allAppIds.slice(0, 25));
  });

  it('applies the page-size rules: 0 or absent → 25, below 10 → 10, above 100 → 100', async () => {
    const sizes: Array<[unknown, number]> = [
      [undefined, 25],
      [{}, 25],
      [{ pageSize: 0 }, 25],
      [{ pageSize: 1 }, 10],
      [{ pageSize: 9 }, 10],
      [{ pageSize: 10 }, 10],
      [{ pageSize: 42 }, 42],
      [{ pageSize: 100 }, 100],
      [{ pageSize: 101 }, 100],
      [{ pageSize: 5000 }, 100],
      [{ pageSize: '50' }, 50],
      [{ page_size: 12 }, 12],
    ];
    for (const [body, size] of sizes) {
      const res = await search(body);
      expect({ body, size: res.json.list.length }).toEqual({ body, size });
      expect(res.json.nextPageToken).not.toBe('');
    }
  });

  it('walks every page with a small pageSize, the filter kept, until nextPageToken is ""', async () => {
    const walk = async (filter: object, pageSize: number) => {
      const seen: string[] = [];
      let pageToken = '';
      let pages = 0;
      do {
        const res = await search({ ...filter, pageSize, ...(pageToken ? { pageToken } : {}) });
        expect(res.status).toBe(200);
        seen.push(...ids(res));
        pageToken = res.json.nextPageToken;
        pages += 1;
      } while (pageToken !== '');
      return { seen, pages };
    };
    expect(await walk({}, 3)).toEqual({ seen: allAppIds, pages: 23 });
    const wanted = allAppIds.filter((_, i) => i % 9 === 0); // 26 apps
    expect(await walk({ appIds: [...wanted].reverse() }, 10)).toEqual({ seen: wanted, pages: 3 });
    expect(sim.calls.get('SearchApps')).toBe(26);
  });

  it('refuses a foreign or garbled page token and a malformed body with 400 INVALID_ARGUMENT', async () => {
    const first = await search({ appIds: allAppIds.slice(0, 30), pageSize: 10 });
    const foreign = await search({ pageToken: first.json.nextPageToken });
    expect(foreign.status).toBe(400);
    expect(foreign.json).toEqual({ code: 3, message: 'invalid page token', details: [] });
    for (const body of [{ pageToken: 'bm9wZQ' }, { pageSize: -1 }, { pageSize: 1.5 }, { appIds: 'x' }, '{', '[]']) {
      const res = await search(body);
      expect([res.status, res.json.code]).toEqual([400, 3]);
    }
    // The same token under the same filter still works.
    const next = await search({ appIds: allAppIds.slice(0, 30), page_token: first.json.nextPageToken });
    expect(ids(next)).toEqual(allAppIds.slice(10, 30));
  });
});

// ------------------------------------------------------------------ faults

describe('faults', () => {
  it('error: a default numeric code and status text, for `times` requests, then normal answers', async () => {
    sim.inject('GetCredentials', { kind: 'error', status: 503, times: 2 });
    for (let i = 0; i < 2; i += 1) {
      const res = await api('GET', credentialPath(withSecret));
      expect(res.status).toBe(503);
      expect(res.json).toEqual({ code: 14, message: 'Service Unavailable', details: [] });
    }
    expect((await api('GET', credentialPath(withSecret))).status).toBe(200);
    sim.inject('GetCredentials', { kind: 'error', status: 500 });
    expect((await api('GET', credentialPath(withSecret))).json.code).toBe(13);
    sim.inject('GetCredentials', { kind: 'error', status: 403 });
    expect((await api('GET', credentialPath(withSecret))).json.code).toBe(7);
  });

  it('error: a chosen string code, message and headers, or a raw non-JSON body', async () => {
    sim.inject('GetConnector', {
      kind: 'error',
      status: 404,
      code: 'not_found',
      message: 'connector gone',
      headers: { 'x-extra': '1' },
    });
    const res = await api('GET', connectorPath);
    expect(res.json).toEqual({ code: 'not_found', message: 'connector gone', details: [] });
    expect(res.headers['x-extra']).toBe('1');
    sim.inject('GetConnector', { kind: 'error', status: 502, body: '<html>Bad Gateway</html>' });
    const raw = await api('GET', connectorPath);
    expect([raw.status, raw.text, raw.headers['content-type']]).toEqual([
      502,
      '<html>Bad Gateway</html>',
      'text/plain; charset=utf-8',
    ]);
    expect(raw.headers['x-request-id']).toBeDefined();
    expect(sim.responses.map((r) => [r.status, r.errorCode])).toEqual([
      [404, 'not_found'],
      [502, undefined],
    ]);
    expect(() => sim.inject('GetConnector', { kind: 'error', status: 200 })).toThrow(RangeError);
  });

  it('error and throttle on Token answer in the OAuth shape, after the assertion verifies', async () => {
    sim.inject('Token', { kind: 'error', status: 503 });
    sim.inject('Token', { kind: 'throttle', retryAfterSeconds: 2 });
    // A refused assertion does not use a fault up.
    expect((await tokenRequest(assertionForm(mintAssertion({ key: strangerKeys.privateKey })))).status).toBe(401);
    const failed = await tokenRequest(assertionForm(mintAssertion()));
    expect([failed.status, failed.json]).toEqual([
      503,
      { error: 'temporarily_unavailable', error_description: 'Service Unavailable' },
    ]);
    const throttled = await tokenRequest(assertionForm(mintAssertion()));
    expect([throttled.status, throttled.json.error, throttled.headers['retry-after']]).toEqual([
      429,
      'temporarily_unavailable',
      '2',
    ]);
    expect(sim.issuedTokens()).toBe(0);
    expect((await tokenRequest(assertionForm(mintAssertion()))).status).toBe(200);
  });

  it('throttle: 429 RESOURCE_EXHAUSTED, with Retry-After when asked', async () => {
    sim.inject('SearchApps', { kind: 'throttle', retryAfterSeconds: 3 });
    sim.inject('SearchApps', { kind: 'throttle' });
    const first = await search({});
    expect([first.status, first.json.code, first.headers['retry-after']]).toEqual([429, 8, '3']);
    const second = await search({});
    expect([second.status, second.headers['retry-after']]).toEqual([429, undefined]);
    expect((await search({})).status).toBe(200);
  });

  it('unauthorized: 401 with a valid token, applied after authentication; a retry succeeds', async () => {
    sim.inject('GetConnector', { kind: 'unauthorized' });
    expect((await api('GET', connectorPath, { token: 'unknown' })).json.message).toBe('unknown access token');
    const res = await api('GET', connectorPath);
    expect([res.status, res.json.code, res.headers['www-authenticate']]).toEqual([
      401,
      16,
      'Bearer error="invalid_token"',
    ]);
    expect((await api('GET', connectorPath)).status).toBe(200);
    sim.inject('Token', { kind: 'unauthorized' });
    expect((await tokenRequest(assertionForm(mintAssertion()))).json.error).toBe('invalid_client');
  });

  it('reset: the socket closes without an answer', async () => {
    sim.inject('GetCredentials', { kind: 'reset' });
    await expect(api('GET', credentialPath(withSecret))).rejects.toThrow();
    expect((await api('GET', credentialPath(withSecret))).status).toBe(200);
    expect(sim.responses).toHaveLength(1);
  });

  it('hang: no answer until the client gives up', async () => {
    sim.inject('SearchApps', { kind: 'hang' });
    const started = Date.now();
    await expect(api('POST', '/api/v1/search/apps', { body: {}, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await search({})).status).toBe(200);
  });

  it('slowBody: the normal answer, written in pieces with pauses', async () => {
    sim.inject('GetConnector', { kind: 'slowBody', chunkDelayMs: 10 });
    const started = Date.now();
    const res = await api('GET', connectorPath);
    expect(res.json.connectorView.connector.id).toBe(connector.id);
    const pieces = Math.ceil(res.text.length / 16);
    expect(Date.now() - started).toBeGreaterThanOrEqual((pieces - 1) * 10 - 5);
  });

  it('setLatency delays one operation or all', async () => {
    sim.setLatency(150, 'GetConnector');
    let started = Date.now();
    await api('GET', connectorPath);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    started = Date.now();
    await search({});
    expect(Date.now() - started).toBeLessThan(145);
    sim.setLatency(100);
    started = Date.now();
    await search({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('reset() clears faults, latency, counters and logs; issued tokens stay valid', async () => {
    await getToken();
    sim.inject('GetConnector', { kind: 'throttle' });
    sim.setLatency(500);
    sim.reset();
    expect([sim.calls.total(), sim.requests.length, sim.responses.length, sim.issuedTokens()]).toEqual([0, 0, 0, 0]);
    const started = Date.now();
    expect((await api('GET', connectorPath)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(400);
  });
});

// ------------------------------------------------------------------ logs and life cycle

describe('logs, counters and life cycle', () => {
  it('logs each request as received and each answer, and counts them per operation', async () => {
    const assertion = mintAssertion();
    await tokenRequest(assertionForm(assertion));
    await api('GET', `${connectorPath}?view=full&view=other`);
    await search({ pageSize: 10 });
    await api('GET', `${connectorPath}/`);
    expect(sim.requests.map(({ operation, method, path, query }) => ({ operation, method, path, query }))).toEqual([
      { operation: 'Token', method: 'POST', path: '/auth/v1/token', query: {} },
      { operation: 'GetConnector', method: 'GET', path: connectorPath, query: { view: 'full' } },
      { operation: 'SearchApps', method: 'POST', path: '/api/v1/search/apps', query: {} },
      { operation: 'Redirect', method: 'GET', path: `${connectorPath}/`, query: {} },
    ]);
    expect(new URLSearchParams(sim.requests[0]!.body).get('client_assertion')).toBe(assertion);
    expect(sim.requests[1]!.headers).toMatchObject({ authorization: `Bearer ${token}`, accept: 'application/json' });
    expect(sim.requests[2]!.body).toBe('{"pageSize":10}');
    expect(sim.requests[3]!.receivedAt).toBeGreaterThan(0);
    expect(sim.responses.map(({ operation, status, errorCode }) => [operation, status, errorCode])).toEqual([
      ['Token', 200, undefined],
      ['GetConnector', 200, undefined],
      ['SearchApps', 200, undefined],
      ['Redirect', 301, undefined],
    ]);
    expect(sim.responses.map((r) => r.requestId)).toEqual(sim.requests.map((r) => r.requestId));
    expect(sim.calls.snapshot()).toEqual({ Token: 1, GetConnector: 1, SearchApps: 1, Redirect: 1 });
  });

  it('keeps only the last 500 requests and responses', async () => {
    for (let i = 0; i < 505; i += 1) await api('GET', `${connectorPath}?n=${i}`, { token: null });
    expect(sim.requests).toHaveLength(500);
    expect(sim.responses).toHaveLength(500);
    expect(sim.requests[0]!.query).toEqual({ n: '5' });
    expect(sim.calls.get('GetConnector')).toBe(505);
  });

  it('answers 413 for a body over 1 MB', async () => {
    const res = await search({ appIds: ['x'.repeat(1024 * 1024)] });
    expect([res.status, res.json.code]).toEqual([413, 8]);
  });

  it('defaults aud to 127.0.0.1, derives the public half of a private key, refuses non-Ed25519 keys', async () => {
    const other = await startConductorOneSimulator({
      seed: base,
      clients: [{ clientId: CLIENT_ID, publicKey: keys.privateKey }],
    });
    const previous = sim;
    sim = other;
    try {
      expect(other.audience).toBe('127.0.0.1');
      expect(other.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await tokenRequest(assertionForm(mintAssertion({ claims: { aud: '127.0.0.1' } })))).status).toBe(200);
      expect((await tokenRequest(assertionForm(mintAssertion()))).status).toBe(401);
    } finally {
      sim = previous;
      await other.close();
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(() => sim.setClients([{ clientId: CLIENT_ID, publicKey: rsa }])).toThrow(/must be Ed25519/);
  });

  it('closes promptly with a request hanging', async () => {
    const other = await startConductorOneSimulator({
      seed: base,
      audience: AUDIENCE,
      clients: [{ clientId: CLIENT_ID, publicKey: keys.publicKey }],
    });
    const previous = sim;
    sim = other;
    try {
      const otherToken = await getToken();
      other.inject('GetConnector', { kind: 'hang' });
      const pending = api('GET', connectorPath, { token: otherToken });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      await other.close();
      expect(Date.now() - started).toBeLessThan(500);
      await expect(pending).rejects.toThrow();
    } finally {
      sim = previous;
    }
  });
});
