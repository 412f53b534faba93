/**
 * The real AWS clients against the wire-level simulator, through the subgraph: requests are what
 * the official SDK sends, every declared error maps to its code, retries are bounded and shaped
 * as in the SDK's standard mode, and signatures are really checked.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsSimulator } from '../src/sandbox/aws/awsSimulator.ts';
import { SANDBOX_APP_BUNDLES } from '../src/sandbox/seed.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

let t: TestServer;
let sim: AwsSimulator;
beforeAll(async () => {
  t = await startTestServer({ config: { upstreamTimeouts: { connectMs: 500, headersMs: 400, bodyMs: 300 } } });
  sim = t.sandbox.aws!;
});
afterAll(() => t.close());
beforeEach(() => {
  sim.reset();
  t.resetCalls();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const signedHeaders = (authorization: string | undefined) => /SignedHeaders=([^,]+)/.exec(authorization ?? '')?.[1];
const codeOf = (res: Awaited<ReturnType<TestServer['query']>>) => res.body.errors?.[0]?.extensions?.['code'];

const pending = () => t.sandbox.seed.appFabric.appAuthorizations.find((a) => a.app === 'GOOGLE')!;

describe('requests on the wire', () => {
  it('GetConnectorDestination: GET, label in the path, no body, no content-type, signed headers as the SDK signs them', async () => {
    await t.query('{ connectorDestination(id: "dest-lumen-eu") { id } }');
    const [req] = sim.requests;
    expect(req).toMatchObject({
      operation: 'GetConnectorDestination',
      method: 'GET',
      path: '/connector-destinations/dest-lumen-eu',
      body: '',
    });
    expect(req!.headers['content-type']).toBeUndefined();
    expect(signedHeaders(req!.headers['authorization'])).toBe(
      'amz-sdk-invocation-id;amz-sdk-request;host;x-amz-content-sha256;x-amz-date',
    );
    expect(req!.headers['x-amz-content-sha256']).toBe(sha256(''));
    expect(req!.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIA[0-9A-F]{16}\/\d{8}\/us-east-1\/iotmanagedintegrations\/aws4_request, /,
    );
    expect(req!.headers['amz-sdk-request']).toBe('attempt=1; max=3');
    expect(req!.headers['host']).toBe(new URL(sim.url).host);
  });

  it('ListConnectorDestinations: PascalCase query members, integers as decimal strings', async () => {
    await t.query('{ connectorDestinations(cloudConnectorId: "cc-aqua-leak", first: 2) { nodes { id } } }');
    expect(sim.requests[0]).toMatchObject({
      operation: 'ListConnectorDestinations',
      method: 'GET',
      path: '/connector-destinations',
      query: { CloudConnectorId: 'cc-aqua-leak', MaxResults: '2' },
    });
  });

  it('percent-encodes ARN identifiers as whole path labels', async () => {
    const a = pending();
    await t.query(
      `query ($b: ID!, $a: ID!) { appAuthorization(appBundleIdentifier: $b, appAuthorizationIdentifier: $a) { arn } }`,
      { b: a.appBundleArn, a: a.appAuthorizationArn },
    );
    const encoded = (s: string) => encodeURIComponent(s);
    expect(sim.requests[0]!.path).toBe(
      `/appbundles/${encoded(a.appBundleArn!)}/appauthorizations/${encoded(a.appAuthorizationArn!)}`,
    );
    expect(sim.requests[0]!.path).toContain('arn%3Aaws%3Aappfabric%3Aus-east-1%3A111122223333%3Aappbundle%2F');
  });

  it('ListAppAuthorizations: camelCase query members', async () => {
    await t.query(
      `{ appAuthorizations(appBundleIdentifier: "${SANDBOX_APP_BUNDLES[1]}", first: 3) { nodes { arn } } }`,
    );
    expect(sim.requests[0]).toMatchObject({
      operation: 'ListAppAuthorizations',
      path: `/appbundles/${SANDBOX_APP_BUNDLES[1]}/appauthorizations`,
      query: { maxResults: '3' },
    });
  });

  it('ConnectAppAuthorization: POST with the exact JSON body, content-type and content-length signed', async () => {
    const a = pending();
    const code = `wire-code-${Date.now()}`;
    await t.query(
      'mutation ($input: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $input) { userErrors { code } } }',
      {
        input: {
          appBundleIdentifier: a.appBundleArn,
          appAuthorizationIdentifier: a.appAuthorizationArn,
          authRequest: { redirectUri: 'https://app.example.com/cb', code },
        },
      },
    );
    const req = sim.requests.find((r) => r.operation === 'ConnectAppAuthorization')!;
    const body = JSON.stringify({ authRequest: { redirectUri: 'https://app.example.com/cb', code } });
    expect(req.method).toBe('POST');
    expect(req.path).toMatch(/\/connect$/);
    expect(req.body).toBe(body);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(req.headers['x-amz-content-sha256']).toBe(sha256(body));
    expect(signedHeaders(req.headers['authorization'])).toBe(
      'amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date',
    );
    expect(req.headers['authorization']).toContain('/us-east-1/appfabric/aws4_request');
  });
});

describe('declared errors map to GraphQL codes', () => {
  const destination = '{ connectorDestination(id: "dest-lumen-eu") { id } }';
  const authorization = () =>
    `{ appAuthorization(appBundleIdentifier: "${SANDBOX_APP_BUNDLES[0]}", appAuthorizationIdentifier: "${pending().appAuthorizationArn!.split('/').at(-1)}") { arn } }`;

  it.each([
    [400, 'ValidationException', 'BAD_USER_INPUT', 1],
    [401, 'UnauthorizedException', 'UPSTREAM_ACCESS_DENIED', 1],
    [403, 'AccessDeniedException', 'UPSTREAM_ACCESS_DENIED', 1],
    [429, 'ThrottlingException', 'UPSTREAM_THROTTLED', 3],
    [500, 'InternalServerException', 'UPSTREAM_UNAVAILABLE', 3],
    [503, 'ServiceUnavailableException', 'UPSTREAM_UNAVAILABLE', 3],
  ])('IoT Managed Integrations %d %s → %s after %d attempt(s)', async (status, type, code, attempts) => {
    sim.inject('GetConnectorDestination', { kind: 'error', status, type, times: 5 });
    const res = await t.query(destination);
    expect(res.body.data).toEqual({ connectorDestination: null });
    expect(res.body.errors![0]!.extensions).toEqual({
      code,
      upstream: { name: 'iotManagedIntegrations', operation: 'GetConnectorDestination', status },
    });
    expect(t.calls()['iotManagedIntegrations']).toEqual({ GetConnectorDestination: attempts });
  });

  it.each([
    [400, 'ValidationException', 'BAD_USER_INPUT', 1],
    [400, 'InvalidToken', 'BAD_USER_INPUT', 1],
    [402, 'ServiceQuotaExceededException', 'UPSTREAM_UNAVAILABLE', 1],
    [403, 'AccessDeniedException', 'UPSTREAM_ACCESS_DENIED', 1],
    [409, 'ConflictException', 'UPSTREAM_UNAVAILABLE', 1],
    [429, 'ThrottlingException', 'UPSTREAM_THROTTLED', 3],
    [500, 'InternalServerException', 'UPSTREAM_UNAVAILABLE', 3],
  ])('AppFabric %d %s → %s after %d attempt(s)', async (status, type, code, attempts) => {
    sim.inject('GetAppAuthorization', { kind: 'error', status, type, times: 5 });
    const res = await t.query(authorization());
    expect(codeOf(res)).toBe(code);
    expect(res.body.errors![0]!.extensions!['upstream']).toEqual({
      name: 'appFabric',
      operation: 'GetAppAuthorization',
      status,
    });
    expect(t.calls()['appFabric']).toEqual({ GetAppAuthorization: attempts });
  });

  it.each(['header', 'code', '__type'] as const)('reads the error type from %s', async (typeVia) => {
    sim.inject('GetConnectorDestination', { kind: 'error', status: 403, type: 'AccessDeniedException', typeVia });
    expect(codeOf(await t.query(destination))).toBe('UPSTREAM_ACCESS_DENIED');
  });

  it('answers ResourceNotFoundException with null and no error', async () => {
    sim.inject('GetConnectorDestination', { kind: 'error', status: 404, type: 'ResourceNotFoundException' });
    expect((await t.query(destination)).body).toEqual({ data: { connectorDestination: null } });
  });

  it('never returns upstream messages or request ids', async () => {
    sim.inject('GetConnectorDestination', {
      kind: 'error',
      status: 403,
      type: 'AccessDeniedException',
      message: 'planted-upstream-message-91',
    });
    const res = await t.query(destination);
    expect(res.text).not.toContain('planted-upstream-message-91');
    expect(t.logs.join('\n')).toContain('planted-upstream-message-91');
  });
});

describe('retries', () => {
  it('retries throttling with backoff and succeeds on the third attempt, honouring Retry-After', async () => {
    sim.inject('GetConnectorDestination', { kind: 'throttle', retryAfterSeconds: 1, times: 2 });
    const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { id } }');
    expect(res.body).toEqual({ data: { connectorDestination: { id: 'dest-lumen-eu' } } });
    const attempts = sim.requests.filter((r) => r.operation === 'GetConnectorDestination');
    expect(attempts.map((r) => r.headers['amz-sdk-request'])).toEqual([
      'attempt=1; max=3',
      'attempt=2; max=3',
      'attempt=3; max=3',
    ]);
    expect(new Set(attempts.map((r) => r.headers['amz-sdk-invocation-id'])).size).toBe(1);
    const gaps = attempts.slice(1).map((r, i) => r.receivedAt - attempts[i]!.receivedAt);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('retries a 500 once and then succeeds', async () => {
    sim.inject('GetCloudConnector', { kind: 'error', status: 500, type: 'InternalServerException' });
    const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { cloudConnector { id } } }');
    expect(res.body.errors).toBeUndefined();
    expect(t.calls()['iotManagedIntegrations']).toEqual({ GetConnectorDestination: 1, GetCloudConnector: 2 });
  });

  it('retries a reset connection for reads', async () => {
    sim.inject('GetCloudConnector', { kind: 'reset' });
    const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { cloudConnector { id } } }');
    expect(res.body.errors).toBeUndefined();
    expect(t.calls()['iotManagedIntegrations']!['GetCloudConnector']).toBe(2);
  });

  it('gives up with UPSTREAM_TIMEOUT when the upstream never answers, after the allowed attempts', async () => {
    sim.inject('GetConnectorDestination', { kind: 'hang', times: 3 });
    const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { id } }');
    expect(codeOf(res)).toBe('UPSTREAM_TIMEOUT');
    expect(t.calls()['iotManagedIntegrations']).toEqual({ GetConnectorDestination: 3 });
  });

  it('times out a body that stalls between chunks', async () => {
    sim.inject('GetConnectorDestination', { kind: 'slowBody', chunkDelayMs: 1000, times: 3 });
    expect(codeOf(await t.query('{ connectorDestination(id: "dest-lumen-eu") { id } }'))).toBe('UPSTREAM_TIMEOUT');
  });
});

describe('signatures and credentials', () => {
  it('is refused when the upstream does not know the access key', async () => {
    sim.setCredentials([{ accessKeyId: 'AKIAOTHERKEY00000000', secretAccessKey: 'x' }]);
    try {
      const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { id } }');
      expect(codeOf(res)).toBe('UPSTREAM_ACCESS_DENIED');
      expect(t.calls()['iotManagedIntegrations']).toEqual({ GetConnectorDestination: 1 });
    } finally {
      sim.resetCredentials();
    }
  });

  it('is refused when the secret is wrong (InvalidSignatureException)', async () => {
    const accessKeyId = /Credential=([A-Z0-9]+)\//.exec(
      (await t.query('{ connectorDestination(id: "dest-lumen-eu") { id } }'),
      sim.requests[0]!.headers['authorization']!),
    )![1]!;
    sim.reset();
    sim.setCredentials([{ accessKeyId, secretAccessKey: 'not-the-secret-the-client-uses' }]);
    try {
      const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { id } }');
      expect(codeOf(res)).toBe('UPSTREAM_ACCESS_DENIED');
      expect(sim.responses.at(-1)).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    } finally {
      sim.resetCredentials();
    }
  });

  it('corrects a skewed clock from the Date header and retries once', async () => {
    sim.setClock(() => new Date(Date.now() + 15 * 60_000));
    try {
      const res = await t.query('{ connectorDestination(id: "dest-lumen-eu") { id } }');
      expect(res.body.errors).toBeUndefined();
      expect(t.calls()['iotManagedIntegrations']).toEqual({ GetConnectorDestination: 2 });
    } finally {
      sim.setClock(() => new Date());
      // The client corrects itself back the same way; leave it corrected for the other tests.
      await t.query('{ connectorDestination(id: "dest-lumen-us") { id } }');
    }
  });
});
