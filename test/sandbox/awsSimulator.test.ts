import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { createSigner } from '../../src/adapters/aws/signing.ts';
import { startAwsSimulator, type AwsSimulator, type SimulatorCredential } from '../../src/sandbox/aws/awsSimulator.ts';
import { createSandboxSeed, SANDBOX_APP_BUNDLES } from '../../src/sandbox/seed.ts';

const REGION = 'us-east-1';
const CREDENTIALS: SimulatorCredential = { accessKeyId: 'AKIDSIMULATORTEST', secretAccessKey: 'simulator-test-secret' };
const IMI = 'iotmanagedintegrations';
const AF = 'appfabric';
const IMI_ERROR_SUFFIX = ':http://internal.amazon.com/coral/com.amazon.iotmanagedintegrations/';
const AF_ERROR_SUFFIX = ':http://internal.amazon.com/coral/com.amazon.appfabric/';
const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const seed = createSandboxSeed(new Date('2026-03-01T10:00:00Z'));
const bundle0 = seed.appFabric.appBundleArns[0]!;
const bundle1 = seed.appFabric.appBundleArns[1]!;
const uuidOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
const authorization = (app: string) => seed.appFabric.appAuthorizations.find((a) => a.app === app)!;
const slack = authorization('SLACK'); // oauth2, PendingConnect, bundle 0
const okta = authorization('OKTA'); // apiKey, bundle 0
const enc = (s: string) => encodeURIComponent(s);
const connectPath = (a: typeof slack) =>
  `/appbundles/${uuidOf(a.appBundleArn!)}/appauthorizations/${uuidOf(a.appAuthorizationArn!)}/connect`;

let sim: AwsSimulator;
// A separate pool per test file, so destroyed or hung sockets never leak into other requests.
const agent = new Agent({ keepAliveTimeout: 1000 });

interface Call {
  query?: Record<string, string>;
  body?: string;
  /** Sent instead of the signed body. */
  sentBody?: string;
  credentials?: SimulatorCredential;
  region?: string;
  date?: Date;
  signal?: AbortSignal;
  unsigned?: boolean;
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Signs with our client's signer (path labels already encoded) and sends with undici. */
async function call(service: string, method: string, path: string, init: Call = {}) {
  const { hostname, port } = new URL(sim.url);
  const query = init.query ?? {};
  const base: Record<string, string> = init.body === undefined ? {} : { 'content-type': 'application/json' };
  const headers = init.unsigned
    ? { ...base, host: `${hostname}:${port}` }
    : await createSigner({ service, region: init.region ?? REGION, credentials: init.credentials ?? CREDENTIALS }).sign(
        { method, protocol: 'http:', hostname, port: Number(port), path, query, headers: base, body: init.body },
        init.date ?? new Date(),
      );
  const qs = Object.entries(query)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const res = await request(`${sim.url}${path}${qs ? `?${qs}` : ''}`, {
    method: method as 'GET',
    headers,
    body: init.sentBody ?? init.body,
    dispatcher: agent,
    signal: init.signal,
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    json: text === '' ? undefined : (JSON.parse(text) as any),
    text,
  };
}

const connect = (a: typeof slack, authRequest?: unknown, init: Call = {}) =>
  call(AF, 'POST', connectPath(a), { body: JSON.stringify(authRequest === undefined ? {} : { authRequest }), ...init });
const getAuthorization = (a: typeof slack) =>
  call(AF, 'GET', `/appbundles/${uuidOf(a.appBundleArn!)}/appauthorizations/${uuidOf(a.appAuthorizationArn!)}`);

beforeAll(async () => {
  sim = await startAwsSimulator({ seed, region: REGION, credentials: [CREDENTIALS] });
});
afterAll(async () => {
  await sim.close();
  await agent.close();
});
beforeEach(() => {
  sim.reset();
  sim.resetState();
  sim.resetCredentials();
  sim.setClock(() => new Date());
});

describe('IoT Managed Integrations routes', () => {
  const destination = seed.iotManagedIntegrations.connectorDestinations[0]!;

  it('GetConnectorDestination answers the full PascalCase shape with the common headers', async () => {
    const res = await call(IMI, 'GET', `/connector-destinations/${destination.Id}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(JSON.parse(JSON.stringify(destination)));
    expect(res.json.AuthConfig.oAuth.proactiveRefreshTokenRenewal).toHaveProperty('DaysBeforeRenewal');
    expect(res.headers['content-type']).toBe('application/json');
    expect(new Date(String(res.headers['date'])).toUTCString()).toBe(res.headers['date']);
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ListConnectorDestinations walks every summary, and filters by CloudConnectorId', async () => {
    const seen: unknown[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await call(IMI, 'GET', '/connector-destinations', {
        query: { MaxResults: '5', ...(token ? { NextToken: token } : {}) },
      });
      expect(res.status).toBe(200);
      seen.push(...res.json.ConnectorDestinationList);
      token = res.json.NextToken;
      if (token) expect(token).toMatch(/^[a-zA-Z0-9=_-]+$/);
      pages += 1;
    } while (token);
    expect(pages).toBe(Math.ceil(seed.iotManagedIntegrations.connectorDestinations.length / 5));
    expect(seen).toEqual(
      seed.iotManagedIntegrations.connectorDestinations.map(({ Name, Description, CloudConnectorId, Id }) => ({
        Name,
        Description,
        CloudConnectorId,
        Id,
      })),
    );

    const filtered = await call(IMI, 'GET', '/connector-destinations', { query: { CloudConnectorId: 'cc-aqua-leak' } });
    expect(filtered.json.ConnectorDestinationList.map((d: any) => d.CloudConnectorId)).toEqual(
      Array(6).fill('cc-aqua-leak'),
    );
    expect(filtered.json).not.toHaveProperty('NextToken');
  });

  it('GetCloudConnector and ListCloudConnectors answer ConnectorItems under Items, filterable by Type', async () => {
    const connector = seed.iotManagedIntegrations.cloudConnectors[0]!;
    expect((await call(IMI, 'GET', `/cloud-connectors/${connector.Id}`)).json).toEqual(connector);
    const first = await call(IMI, 'GET', '/cloud-connectors', { query: { MaxResults: '4' } });
    const second = await call(IMI, 'GET', '/cloud-connectors', {
      query: { MaxResults: '4', NextToken: first.json.NextToken },
    });
    expect([...first.json.Items, ...second.json.Items]).toEqual(seed.iotManagedIntegrations.cloudConnectors);
    const unlisted = await call(IMI, 'GET', '/cloud-connectors', { query: { Type: 'UNLISTED' } });
    expect(unlisted.json.Items.map((c: any) => c.Id)).toEqual(['cc-aqua-leak', 'cc-canopy-blinds']);
  });

  it('answers 404 ResourceNotFoundException with Message, ResourceId and ResourceType', async () => {
    const res = await call(IMI, 'GET', '/connector-destinations/dest-missing');
    expect(res.status).toBe(404);
    expect(res.headers['x-amzn-errortype']).toBe(`ResourceNotFoundException${IMI_ERROR_SUFFIX}`);
    expect(res.json).toEqual({
      Message: expect.any(String),
      ResourceId: 'dest-missing',
      ResourceType: 'ConnectorDestination',
    });
    expect((await call(IMI, 'GET', '/cloud-connectors/cc-missing')).json.ResourceType).toBe('CloudConnector');
  });

  it.each([
    ['an identifier outside the pattern', `/connector-destinations/${enc('bad id!')}`, {}],
    ['an identifier over 64 characters', `/cloud-connectors/${'a'.repeat(65)}`, {}],
    ['MaxResults 0', '/connector-destinations', { MaxResults: '0' }],
    ['MaxResults 1001', '/cloud-connectors', { MaxResults: '1001' }],
    ['a non-integer MaxResults', '/connector-destinations', { MaxResults: 'ten' }],
    ['a NextToken outside the pattern', '/connector-destinations', { NextToken: 'not a token' }],
    ['a NextToken it never issued', '/connector-destinations', { NextToken: 'abc123' }],
    ['an unknown Type', '/cloud-connectors', { Type: 'PUBLIC' }],
  ])('answers 400 ValidationException (Message only) for %s', async (_case, path, query) => {
    const res = await call(IMI, 'GET', path, { query });
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe(`ValidationException${IMI_ERROR_SUFFIX}`);
    expect(Object.keys(res.json)).toEqual(['Message']);
  });

  it('refuses a NextToken issued for another filter', async () => {
    const page = await call(IMI, 'GET', '/connector-destinations', { query: { MaxResults: '2' } });
    const res = await call(IMI, 'GET', '/connector-destinations', {
      query: { CloudConnectorId: 'cc-aqua-leak', NextToken: page.json.NextToken },
    });
    expect(res.status).toBe(400);
  });
});

describe('AppFabric routes', () => {
  it('GetAppBundle answers by UUID and by percent-encoded ARN', async () => {
    for (const id of [SANDBOX_APP_BUNDLES[0], enc(bundle0)]) {
      const res = await call(AF, 'GET', `/appbundles/${id}`);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ appBundle: { arn: bundle0 } });
    }
  });

  it('ListAppAuthorizations walks every summary of the bundle, by UUID or ARN', async () => {
    const expected = seed.appFabric.appAuthorizations
      .filter((a) => a.appBundleArn === bundle0)
      .map((a) => ({
        appAuthorizationArn: a.appAuthorizationArn,
        appBundleArn: a.appBundleArn,
        app: a.app,
        tenant: a.tenant,
        status: a.status,
        updatedAt: a.updatedAt!.toISOString(),
      }));
    for (const id of [SANDBOX_APP_BUNDLES[0], enc(bundle0)]) {
      const seen: unknown[] = [];
      let nextToken: string | undefined;
      do {
        const res = await call(AF, 'GET', `/appbundles/${id}/appauthorizations`, {
          query: { maxResults: '3', ...(nextToken ? { nextToken } : {}) },
        });
        expect(res.status).toBe(200);
        seen.push(...res.json.appAuthorizationSummaryList);
        nextToken = res.json.nextToken;
      } while (nextToken);
      expect(seen).toEqual(expected);
    }
    const all = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[1]}/appauthorizations`);
    expect(all.json.appAuthorizationSummaryList).toHaveLength(4);
    expect(all.json).not.toHaveProperty('nextToken');
  });

  it('GetAppAuthorization answers the full record by UUID or ARN, timestamps as RFC 3339 with milliseconds', async () => {
    for (const path of [
      `/appbundles/${uuidOf(bundle0)}/appauthorizations/${uuidOf(slack.appAuthorizationArn!)}`,
      `/appbundles/${enc(bundle0)}/appauthorizations/${enc(slack.appAuthorizationArn!)}`,
    ]) {
      const res = await call(AF, 'GET', path);
      expect(res.json.appAuthorization).toEqual({
        appAuthorizationArn: slack.appAuthorizationArn,
        appBundleArn: bundle0,
        app: 'SLACK',
        tenant: slack.tenant,
        authType: 'oauth2',
        status: 'PendingConnect',
        persona: 'admin',
        authUrl: slack.authUrl,
        createdAt: slack.createdAt!.toISOString(),
        updatedAt: slack.updatedAt!.toISOString(),
      });
      expect(res.json.appAuthorization.createdAt).toMatch(RFC3339_MS);
    }
  });

  it('answers 404 ResourceNotFoundException with lower-case members for an unknown bundle or authorization', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const bundle = await call(AF, 'GET', `/appbundles/${missing}`);
    expect(bundle.status).toBe(404);
    expect(bundle.headers['x-amzn-errortype']).toBe(`ResourceNotFoundException${AF_ERROR_SUFFIX}`);
    expect(bundle.json).toEqual({ message: expect.any(String), resourceId: missing, resourceType: 'AppBundle' });
    // An authorization of another bundle is not found under this one.
    const foreign = await call(
      AF,
      'GET',
      `/appbundles/${uuidOf(bundle1)}/appauthorizations/${uuidOf(slack.appAuthorizationArn!)}`,
    );
    expect(foreign.json).toEqual({
      message: expect.any(String),
      resourceId: uuidOf(slack.appAuthorizationArn!),
      resourceType: 'AppAuthorization',
    });
  });

  it('answers 400 ValidationException with reason and fieldList for bad identifiers and maxResults', async () => {
    const upper = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0].toUpperCase()}`);
    expect(upper.status).toBe(400);
    expect(upper.headers['x-amzn-errortype']).toBe(`ValidationException${AF_ERROR_SUFFIX}`);
    expect(upper.json).toMatchObject({
      message: expect.any(String),
      reason: 'fieldValidationFailed',
      fieldList: [{ name: 'appBundleIdentifier', message: expect.any(String) }],
    });
    const tooMany = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}/appauthorizations`, {
      query: { maxResults: '101' },
    });
    expect(tooMany.json.fieldList).toEqual([
      { name: 'maxResults', message: expect.stringContaining('between 1 and 100') },
    ]);
  });

  it('refuses an expired or foreign nextToken with InvalidToken', async () => {
    const start = new Date();
    const page = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}/appauthorizations`, {
      query: { maxResults: '2' },
      date: start,
    });
    const foreign = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[1]}/appauthorizations`, {
      query: { nextToken: page.json.nextToken },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.json.message).toContain('InvalidToken');
    const later = new Date(start.getTime() + 25 * 3_600_000);
    sim.setClock(() => later);
    const expired = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}/appauthorizations`, {
      query: { nextToken: page.json.nextToken },
      date: later,
    });
    expect(expired.status).toBe(400);
    expect(expired.json).toMatchObject({
      message: expect.stringContaining('InvalidToken'),
      fieldList: [{ name: 'nextToken' }],
    });
  });
});

describe('ConnectAppAuthorization', () => {
  const authRequest = (code: string, redirectUri = 'https://app.example.com/callback?x=1') => ({ redirectUri, code });

  it('consumes the code, connects the authorization and answers its summary', async () => {
    const before = Date.now();
    const res = await connect(slack, authRequest('code-1'));
    expect(res.status).toBe(200);
    expect(Object.keys(res.json.appAuthorizationSummary).sort()).toEqual([
      'app',
      'appAuthorizationArn',
      'appBundleArn',
      'status',
      'tenant',
      'updatedAt',
    ]);
    expect(res.json.appAuthorizationSummary).toMatchObject({
      appAuthorizationArn: slack.appAuthorizationArn,
      status: 'Connected',
    });
    expect(Date.parse(res.json.appAuthorizationSummary.updatedAt)).toBeGreaterThanOrEqual(before - 1);
    expect((await getAuthorization(slack)).json.appAuthorization.status).toBe('Connected');
    expect(sim.calls.appFabric.get('ConnectAppAuthorization')).toBe(1);
  });

  it('refuses a code already consumed, even on another authorization', async () => {
    await connect(slack, authRequest('code-2'));
    const res = await connect(authorization('ZENDESK'), authRequest('code-2'));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ reason: 'other' });
    // The documented shape names no field for a refused code: none is made up.
    expect(res.json.fieldList).toBeUndefined();
    expect((await getAuthorization(authorization('ZENDESK'))).json.appAuthorization.status).toBe('PendingConnect');
  });

  it('requires authRequest for an oauth2 authorization, not for an apiKey one', async () => {
    const missing = await connect(slack);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ reason: 'fieldValidationFailed', fieldList: [{ name: 'authRequest' }] });
    const apiKey = await connect(okta);
    expect(apiKey.status).toBe(200);
    expect(apiKey.json.appAuthorizationSummary.status).toBe('Connected');
  });

  it.each([
    ['an http redirectUri', authRequest('c', 'http://app.example.com/cb'), 'authRequest.redirectUri'],
    ['a redirectUri with a space', authRequest('c', 'https://app.example.com/a b'), 'authRequest.redirectUri'],
    [
      'a redirectUri over 1024 characters',
      authRequest('c', `https://a.example.com/${'x'.repeat(1010)}`),
      'authRequest.redirectUri',
    ],
    ['an empty code', authRequest(''), 'authRequest.code'],
    ['a code over 2048 characters', authRequest('c'.repeat(2049)), 'authRequest.code'],
  ])('answers fieldValidationFailed for %s, without consuming anything', async (_case, input, field) => {
    const res = await connect(slack, input);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      reason: 'fieldValidationFailed',
      fieldList: [{ name: field, message: expect.any(String) }],
    });
    expect(res.json.message).not.toContain('c'.repeat(100));
    expect((await getAuthorization(slack)).json.appAuthorization.status).toBe('PendingConnect');
  });

  it('resetState restores the seed statuses and forgets consumed codes', async () => {
    await connect(slack, authRequest('code-3'));
    sim.resetState();
    expect((await getAuthorization(slack)).json.appAuthorization.status).toBe('PendingConnect');
    expect((await connect(slack, authRequest('code-3'))).status).toBe(200);
  });
});

describe('faults', () => {
  it('throttle: 429 ThrottlingException with Retry-After, for AppFabric and IMI alike', async () => {
    sim.inject('GetAppBundle', { kind: 'throttle', retryAfterSeconds: 3 });
    sim.inject('GetCloudConnector', { kind: 'throttle', retryAfterSeconds: 1 });
    const af = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`);
    expect(af.status).toBe(429);
    expect(af.headers['retry-after']).toBe('3');
    expect(af.headers['x-amzn-errortype']).toBe(`ThrottlingException${AF_ERROR_SUFFIX}`);
    expect(af.json).toMatchObject({ message: expect.any(String) });
    const imi = await call(IMI, 'GET', '/cloud-connectors/cc-aqua-leak');
    expect([imi.status, imi.headers['retry-after'], Object.keys(imi.json)]).toEqual([429, '1', ['Message']]);
    expect((await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`)).status).toBe(200);
  });

  it('error: status, type, message, members and headers as given, for `times` requests in order', async () => {
    sim.inject('GetCloudConnector', {
      kind: 'error',
      status: 500,
      type: 'InternalServerException',
      message: 'boom',
      headers: { 'retry-after': '2' },
      times: 2,
    });
    sim.inject('GetCloudConnector', { kind: 'error', status: 503, type: 'ServiceUnavailableException' });
    const path = '/cloud-connectors/cc-aqua-leak';
    const first = await call(IMI, 'GET', path);
    expect([first.status, first.headers['x-amzn-errortype'], first.headers['retry-after'], first.json]).toEqual([
      500,
      `InternalServerException${IMI_ERROR_SUFFIX}`,
      '2',
      { Message: 'boom' },
    ]);
    expect((await call(IMI, 'GET', path)).status).toBe(500);
    expect((await call(IMI, 'GET', path)).status).toBe(503);
    expect((await call(IMI, 'GET', path)).status).toBe(200);
    expect(sim.responses.map((r) => [r.status, r.errorType])).toEqual([
      [500, 'InternalServerException'],
      [500, 'InternalServerException'],
      [503, 'ServiceUnavailableException'],
      [200, undefined],
    ]);
  });

  it('error: the type can travel as a body code or __type instead of the header', async () => {
    sim.inject('GetAppBundle', {
      kind: 'error',
      status: 400,
      type: 'ValidationException',
      typeVia: 'code',
      members: { reason: 'other' },
    });
    sim.inject('GetAppBundle', { kind: 'error', status: 403, type: 'AccessDeniedException', typeVia: '__type' });
    const viaCode = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`);
    expect(viaCode.headers['x-amzn-errortype']).toBeUndefined();
    expect(viaCode.json).toEqual({ message: 'ValidationException', code: 'ValidationException', reason: 'other' });
    const viaType = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`);
    expect(viaType.json.__type).toBe('com.amazonaws.appfabric#AccessDeniedException');
  });

  it('afterProcessing error: the code is consumed and the authorization connected before the 500', async () => {
    sim.inject('ConnectAppAuthorization', {
      kind: 'error',
      status: 500,
      type: 'InternalServerException',
      afterProcessing: true,
    });
    const res = await connect(slack, { redirectUri: 'https://app.example.com/cb', code: 'code-after' });
    expect(res.status).toBe(500);
    expect((await getAuthorization(slack)).json.appAuthorization.status).toBe('Connected');
    expect((await connect(slack, { redirectUri: 'https://app.example.com/cb', code: 'code-after' })).json.reason).toBe(
      'other',
    );
  });

  it('reset: the socket closes without an answer; afterProcessing consumes the code first', async () => {
    sim.inject('GetAppBundle', { kind: 'reset' });
    await expect(call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`)).rejects.toThrow();
    sim.inject('ConnectAppAuthorization', { kind: 'reset', afterProcessing: true });
    await expect(connect(slack, { redirectUri: 'https://app.example.com/cb', code: 'code-reset' })).rejects.toThrow();
    expect((await getAuthorization(slack)).json.appAuthorization.status).toBe('Connected');
    expect((await connect(slack, { redirectUri: 'https://app.example.com/cb', code: 'code-reset' })).status).toBe(400);
    expect(sim.calls.appFabric.snapshot()).toEqual({
      GetAppBundle: 1,
      ConnectAppAuthorization: 2,
      GetAppAuthorization: 1,
    });
  });

  it('hang: no answer until the client gives up', async () => {
    sim.inject('GetAppBundle', { kind: 'hang' });
    const started = Date.now();
    await expect(
      call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`, { signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(sim.calls.appFabric.get('GetAppBundle')).toBe(1);
    expect((await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`)).status).toBe(200);
  });

  it('slowBody: the normal answer, written in pieces with pauses', async () => {
    sim.inject('GetAppBundle', { kind: 'slowBody', chunkDelayMs: 20 });
    const started = Date.now();
    const res = await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`);
    const pieces = Math.ceil(res.text.length / 16);
    expect(res.json).toEqual({ appBundle: { arn: bundle0 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual((pieces - 1) * 20 - 5);
  });

  it('setLatency delays one operation or all', async () => {
    sim.setLatency(150, 'GetAppBundle');
    let started = Date.now();
    await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    started = Date.now();
    await call(IMI, 'GET', '/cloud-connectors/cc-aqua-leak');
    expect(Date.now() - started).toBeLessThan(145);
    sim.setLatency(100);
    started = Date.now();
    await call(IMI, 'GET', '/cloud-connectors/cc-aqua-leak');
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('reset() clears faults, latency, counters and logs, not the data', async () => {
    await connect(slack, { redirectUri: 'https://app.example.com/cb', code: 'code-kept' });
    sim.inject('GetAppBundle', { kind: 'throttle' });
    sim.setLatency(500);
    sim.reset();
    expect([sim.calls.appFabric.total(), sim.requests.length, sim.responses.length]).toEqual([0, 0, 0]);
    const started = Date.now();
    expect((await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(400);
    expect((await getAuthorization(slack)).json.appAuthorization.status).toBe('Connected');
  });
});

describe('SigV4 on every request', () => {
  const path = `/appbundles/${SANDBOX_APP_BUNDLES[0]}`;
  const rejected = async (res: Awaited<ReturnType<typeof call>>, type: string, message: RegExp) => {
    expect(res.status).toBe(403);
    expect(res.headers['x-amzn-errortype']).toBe(`${type}${AF_ERROR_SUFFIX}`);
    expect(res.json.message).toMatch(message);
  };

  it('rejects the wrong secret, service, region, an altered body and a date 10 minutes off', async () => {
    await rejected(
      await call(AF, 'GET', path, { credentials: { ...CREDENTIALS, secretAccessKey: 'wrong' } }),
      'InvalidSignatureException',
      /does not match/,
    );
    await rejected(await call(IMI, 'GET', path), 'InvalidSignatureException', /correct service: 'appfabric'/);
    await rejected(await call(AF, 'GET', path, { region: 'eu-west-1' }), 'InvalidSignatureException', /valid region/);
    await rejected(
      await call(AF, 'GET', path, { date: new Date(Date.now() - 10 * 60_000) }),
      'InvalidSignatureException',
      /^Signature expired/,
    );
    await rejected(
      await call(AF, 'GET', path, { date: new Date(Date.now() + 10 * 60_000) }),
      'InvalidSignatureException',
      /^Signature expired/,
    );
    const altered = JSON.stringify({
      authRequest: { redirectUri: 'https://app.example.com/cb', code: 'code-altered' },
    });
    const body = JSON.stringify({ authRequest: { redirectUri: 'https://app.example.com/cb', code: 'code-original' } });
    await rejected(
      await call(AF, 'POST', connectPath(slack), { body, sentBody: altered }),
      'InvalidSignatureException',
      /x-amz-content-sha256/,
    );
    expect((await getAuthorization(slack)).json.appAuthorization.status).toBe('PendingConnect');
    // Counted for their operation anyway.
    expect(sim.calls.appFabric.snapshot()).toEqual({
      GetAppBundle: 5,
      ConnectAppAuthorization: 1,
      GetAppAuthorization: 1,
    });
  });

  it('rejects an IMI route signed for AppFabric, with IMI casing', async () => {
    const res = await call(AF, 'GET', '/cloud-connectors/cc-aqua-leak');
    expect(res.status).toBe(403);
    expect(res.headers['x-amzn-errortype']).toBe(`InvalidSignatureException${IMI_ERROR_SUFFIX}`);
    expect(res.json.Message).toMatch(/correct service: 'iotmanagedintegrations'/);
  });

  it('answers MissingAuthenticationTokenException and UnrecognizedClientException', async () => {
    await rejected(
      await call(AF, 'GET', path, { unsigned: true }),
      'MissingAuthenticationTokenException',
      /Missing Authentication Token/,
    );
    await rejected(
      await call(AF, 'GET', path, { credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } }),
      'UnrecognizedClientException',
      /security token/,
    );
  });

  it('follows the clock it is given: skew, and the date header', async () => {
    const skewed = new Date(Date.now() + 15 * 60_000);
    sim.setClock(() => skewed);
    await rejected(await call(AF, 'GET', path), 'InvalidSignatureException', /^Signature expired/);
    const res = await call(AF, 'GET', path, { date: skewed });
    expect(res.status).toBe(200);
    expect(res.headers['date']).toBe(skewed.toUTCString());
  });

  it('checks session tokens, and setCredentials / resetCredentials swap what it accepts', async () => {
    const session = { accessKeyId: 'ASIASESSION', secretAccessKey: 'session-secret', sessionToken: 'token-1' };
    sim.setCredentials([session]);
    expect((await call(AF, 'GET', path, { credentials: session })).status).toBe(200);
    await rejected(await call(AF, 'GET', path), 'UnrecognizedClientException', /security token/);
    sim.setCredentials([{ ...session, sessionToken: 'token-2' }]);
    await rejected(
      await call(AF, 'GET', path, { credentials: session }),
      'UnrecognizedClientException',
      /security token/,
    );
    sim.resetCredentials();
    expect((await call(AF, 'GET', path)).status).toBe(200);
  });
});

describe('everything else', () => {
  it('answers an unknown route with 404 UnknownOperationException', async () => {
    for (const [method, p] of [
      ['GET', '/nothing-here'],
      ['DELETE', '/connector-destinations/dest-lumen-eu'],
      ['GET', '/appbundles'],
    ]) {
      const res = await call(p!.startsWith('/connector') ? IMI : AF, method!, p!);
      expect(res.status).toBe(404);
      expect(res.headers['x-amzn-errortype']).toBe('UnknownOperationException');
    }
    expect(sim.requests.map((r) => r.operation)).toEqual(['UnknownOperation', 'UnknownOperation', 'UnknownOperation']);
  });

  it('answers 413 for a body over 1 MB', async () => {
    const body = JSON.stringify({
      authRequest: { redirectUri: 'https://a.example.com', code: 'x'.repeat(1024 * 1024) },
    });
    expect((await connect(slack, undefined, { body })).status).toBe(413);
  });

  it('logs each request as received and counts it per service and operation', async () => {
    const arnPath = `/appbundles/${enc(bundle0)}/appauthorizations`;
    await call(AF, 'GET', arnPath, { query: { maxResults: '2' } });
    await call(IMI, 'GET', '/connector-destinations', { query: { CloudConnectorId: 'cc-aqua-leak', MaxResults: '1' } });
    await connect(okta, undefined, { body: '{}' });
    expect(
      sim.requests.map(({ operation, method, path, query, body }) => ({ operation, method, path, query, body })),
    ).toEqual([
      { operation: 'ListAppAuthorizations', method: 'GET', path: arnPath, query: { maxResults: '2' }, body: '' },
      {
        operation: 'ListConnectorDestinations',
        method: 'GET',
        path: '/connector-destinations',
        query: { CloudConnectorId: 'cc-aqua-leak', MaxResults: '1' },
        body: '',
      },
      { operation: 'ConnectAppAuthorization', method: 'POST', path: connectPath(okta), query: {}, body: '{}' },
    ]);
    expect(sim.requests[0]!.path).toContain('arn%3Aaws%3Aappfabric');
    expect(sim.requests[2]!.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 /),
    });
    expect(sim.requests[2]!.receivedAt).toBeGreaterThan(0);
    expect(sim.calls.appFabric.snapshot()).toEqual({ ListAppAuthorizations: 1, ConnectAppAuthorization: 1 });
    expect(sim.calls.iotManagedIntegrations.snapshot()).toEqual({ ListConnectorDestinations: 1 });
    expect(sim.calls.appFabric.total() + sim.calls.iotManagedIntegrations.total()).toBe(3);
  });

  it('keeps only the last 500 requests', async () => {
    for (let i = 0; i < 505; i += 1)
      await call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`, { unsigned: true, query: { n: String(i) } });
    expect(sim.requests).toHaveLength(500);
    expect(sim.requests[0]!.query).toEqual({ n: '5' });
  });

  it('closes promptly with a request hanging', async () => {
    const other = await startAwsSimulator({ seed, region: REGION, credentials: [CREDENTIALS] });
    const previous = sim;
    sim = other;
    try {
      other.inject('GetAppBundle', { kind: 'hang' });
      const pending = call(AF, 'GET', `/appbundles/${SANDBOX_APP_BUNDLES[0]}`);
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
