/**
 * The process configured only through its environment, as an operator would run it against real
 * AWS: region, credentials from the default chain (here the environment) and endpoint overrides
 * pointing at a restJson1 server that checks SigV4.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsSimulator, type AwsSimulator } from '../src/sandbox/aws/awsSimulator.ts';
import {
  startConductorOneSimulator,
  type ConductorOneSimulator,
} from '../src/sandbox/conductorOne/conductorOneSimulator.ts';
import { createSandboxSeed } from '../src/sandbox/seed.ts';
import { post, spawnSubgraph, startupFailure, type SpawnedSubgraph } from './helpers/spawnSubgraph.ts';

const credentials = {
  accessKeyId: 'AKIAREALMODETEST0001',
  secretAccessKey: 'real-mode-test-secret-key',
  sessionToken: 'real-mode-session',
};

describe('real AWS mode, configured from the environment', () => {
  let sim: AwsSimulator;
  let subgraph: SpawnedSubgraph;
  const seed = createSandboxSeed();

  beforeAll(async () => {
    sim = await startAwsSimulator({ seed, region: 'eu-west-1', credentials: [credentials] });
    subgraph = await spawnSubgraph({
      NODE_ENV: 'production',
      AUTH_DISABLED: 'true',
      SHUTDOWN_DELAY_MS: '0',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      IOT_MANAGED_INTEGRATIONS_ENDPOINT: sim.url,
      AWS_ENDPOINT_URL_APPFABRIC: sim.url,
    });
  }, 30_000);
  afterAll(async () => {
    const code = await subgraph?.stop();
    await sim?.close();
    expect(code).toBe(0);
  });

  it('serves every IoT Managed Integrations field through signed calls', async () => {
    const res = await post(
      subgraph.url,
      `{ connectorDestinations(first: 3) { nodes { id name description cloudConnectorId authType oAuthCompleteRedirectUrl
           secretsManager { arn versionId }
           authConfig { oAuth { authUrl tokenUrl scope tokenEndpointAuthenticationScheme oAuthCompleteRedirectUrl
                                proactiveRefreshTokenRenewal { enabled daysBeforeRenewal } }
                        generalAuthorization { authMaterialName secretsManager { arn versionId } } }
           cloudConnector { id name description type endpointType lambdaArn } }
         pageInfo { hasNextPage endCursor } }
         connectorDestination(id: "dest-canopy-qa") { id name } }`,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.connectorDestinations.nodes).toHaveLength(3);
    expect(res.body.data.connectorDestinations.nodes[0].authConfig.oAuth.authUrl).toMatch(/^https:\/\//);
    expect(res.body.data.connectorDestination).toEqual({ id: 'dest-canopy-qa', name: 'Canopy Blinds QA' });
    const authorizations = sim.requests.map((r) => r.headers['authorization']);
    expect(
      authorizations.every(
        (a) =>
          a?.includes(`Credential=${credentials.accessKeyId}/`) && a.includes('/eu-west-1/iotmanagedintegrations/'),
      ),
    ).toBe(true);
    expect(sim.requests.every((r) => r.headers['x-amz-security-token'] === credentials.sessionToken)).toBe(true);
  });

  it('serves every AppFabric field, the connect mutation and _entities', async () => {
    const pending = seed.appFabric.appAuthorizations.find((a) => a.app === 'SMARTSHEET')!;
    const res = await post(
      subgraph.url,
      `query ($b: ID!, $a: ID!, $reps: [_Any!]!) {
         appAuthorizations(appBundleIdentifier: $b, first: 2) { nodes { arn app status tenant { tenantIdentifier tenantDisplayName } updatedAt } }
         appAuthorization(appBundleIdentifier: $b, appAuthorizationIdentifier: $a) { arn appBundleArn app status authType authUrl persona createdAt updatedAt }
         _entities(representations: $reps) { ... on AppAuthorization { arn status } ... on CloudConnector { id name } }
       }`,
      {
        b: pending.appBundleArn,
        a: pending.appAuthorizationArn,
        reps: [
          { __typename: 'AppAuthorization', arn: pending.appAuthorizationArn },
          { __typename: 'CloudConnector', id: 'cc-aqua-leak' },
        ],
      },
    );
    expect(res.body.errors?.map((e: { message: string }) => e.message) ?? []).toEqual([]);
    expect(res.body.data.appAuthorization).toMatchObject({
      arn: pending.appAuthorizationArn,
      status: 'PENDING_CONNECT',
      authType: 'OAUTH2',
      persona: 'ADMIN',
    });
    expect(res.body.data._entities).toEqual([
      { arn: pending.appAuthorizationArn, status: 'PENDING_CONNECT' },
      { id: 'cc-aqua-leak', name: 'Aqua Leak Sensors' },
    ]);

    const connect = await post(
      subgraph.url,
      'mutation ($input: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $input) { appAuthorization { arn status } userErrors { code field } } }',
      {
        input: {
          appBundleIdentifier: pending.appBundleArn,
          appAuthorizationIdentifier: pending.appAuthorizationArn,
          authRequest: { redirectUri: 'https://app.example.com/callback', code: 'real-mode-code-1' },
        },
      },
    );
    expect(connect.body.data.connectAppAuthorization).toEqual({
      appAuthorization: { arn: pending.appAuthorizationArn, status: 'CONNECTED' },
      userErrors: [],
    });
    expect(
      sim.requests
        .filter((r) => r.service === 'appFabric')
        .every((r) => r.headers['authorization']?.includes('/eu-west-1/appfabric/')),
    ).toBe(true);
  });
});

describe('npm start with no configuration', () => {
  it('runs the real AWS clients against the embedded simulator', async () => {
    const subgraph = await spawnSubgraph({});
    try {
      const announce = subgraph.output.map((l) => JSON.parse(l)).find((e) => e.msg?.includes('EMBEDDED SANDBOX'));
      expect(announce.awsSimulator).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await post(
        subgraph.url,
        '{ connectorDestination(id: "dest-lumen-eu") { name cloudConnector { name } } }',
      );
      expect(res.body).toEqual({
        data: {
          connectorDestination: { name: 'Lumen Lighting Cloud EU', cloudConnector: { name: 'Lumen Lighting Cloud' } },
        },
      });
    } finally {
      expect(await subgraph.stop()).toBe(0);
    }
  });

  it('drains on SIGTERM, and exits at once on a second signal', async () => {
    // A long readiness delay: the first signal alone would keep the process up for a minute.
    const subgraph = await spawnSubgraph({ SHUTDOWN_DELAY_MS: '60000' });
    const exited = new Promise<number | null>((resolve) => subgraph.child.once('exit', (code) => resolve(code)));
    const started = Date.now();
    subgraph.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(subgraph.child.exitCode).toBeNull();
    subgraph.child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(subgraph.output.join('\n')).toContain('second signal while draining');
  });

  it('exits within its shutdown bounds although a token request to ConductorOne hangs', async () => {
    // A ConductorOne whose token endpoint accepts the request and never answers.
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const { privateKey } = generateKeyPairSync('ed25519');
    const secret = `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' }))).toString('base64url')}`;
    const subgraph = await spawnSubgraph({
      CONDUCTORONE_CLIENT_ID: 'hung-otter@tenant.conductor.one/spc',
      CONDUCTORONE_CLIENT_SECRET: secret,
      CONDUCTORONE_SERVER_URL: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`,
      REQUEST_TIMEOUT_MS: '300',
      UPSTREAM_HEADERS_TIMEOUT_MS: '60000',
      SHUTDOWN_TIMEOUT_MS: '500',
    });
    try {
      // The request gives up at its deadline; the token request it started goes on.
      const res = await post(
        subgraph.url,
        '{ connectorCredential(appId: "app-x", connectorId: "conn-x", id: "cred-x") { id } }',
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
      const exited = new Promise<number | null>((resolve) => subgraph.child.once('exit', (code) => resolve(code)));
      const started = Date.now();
      subgraph.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Not held until the token request's 60 s headers timeout.
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      if (subgraph.child.exitCode === null) subgraph.child.kill('SIGKILL');
      hung.closeAllConnections();
      hung.close();
    }
  });

  it('says in one line which HOST and PORT it could not listen on, and exits 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const failed = await startupFailure({ PORT: String(port) });
      expect(failed.message).toMatch(/^exited with 1:/);
      const fatal = failed!.message
        .split('\n')
        .slice(1)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line['level'] === 60);
      expect(fatal).toEqual([
        expect.objectContaining({
          code: 'EADDRINUSE',
          msg: `cannot listen on HOST=127.0.0.1 PORT=${port} (EADDRINUSE)`,
        }),
      ]);
      expect(failed!.message).not.toMatch(/\n\s+at /); // no raw stack trace
    } finally {
      taken.close();
    }
  });

  it('refuses to start with a bad AWS configuration, naming the problem', async () => {
    const failed = await startupFailure({
      AWS_REGION: 'us-east-1',
      AWS_USE_FIPS_ENDPOINT: 'true',
      APPFABRIC_ENDPOINT: 'http://127.0.0.1:1',
    });
    expect(failed.message).toMatch(/FIPS and custom endpoint are not supported/);
  });
});

describe('real ConductorOne mode, configured from the environment', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const clientSecret = `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;
  const clientId = `planted-otter-${randomUUID().slice(0, 8)}@tenant.conductor.one/spc`;
  const plantedUpstreamSecret = `secret-token:conductorone.com:v1:PLANTED-UPSTREAM-${randomUUID()}`;
  let sim: ConductorOneSimulator;
  let subgraph: SpawnedSubgraph;
  const seed = createSandboxSeed();
  const target = seed.conductorOne.credentials.find((c) => c.id === 'cred-salesforce-active')!;
  target.clientSecret = plantedUpstreamSecret;

  beforeAll(async () => {
    sim = await startConductorOneSimulator({
      seed: seed.conductorOne,
      clients: [{ clientId, publicKey }],
      audience: 'tenant.conductor.one',
    });
    subgraph = await spawnSubgraph({
      NODE_ENV: 'production',
      AUTH_DISABLED: 'true',
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'trace',
      CONDUCTORONE_CLIENT_ID: clientId,
      CONDUCTORONE_CLIENT_SECRET: clientSecret,
      CONDUCTORONE_SERVER_URL: sim.url,
    });
  }, 30_000);
  afterAll(async () => {
    await subgraph?.stop();
    await sim?.close();
  });

  it('serves every ConductorOne field, and no secret appears in any response, error or log line', async () => {
    const fields = `id appId connectorId clientId displayName createdAt updatedAt deletedAt expiresTime lastUsedAt status
      app { id displayName description iconUrl }
      connector { id appId displayName description syncStatus syncLastError syncCompletedAt }`;
    const responses: unknown[] = [];
    const ask = async (query: string, variables?: Record<string, unknown>) => {
      const res = await post(subgraph.url, query, variables);
      responses.push(res.body);
      return res;
    };
    const ok = await ask(
      `{ connectorCredential(appId: "${target.appId}", connectorId: "${target.connectorId}", id: "${target.id}") { ${fields} } }`,
    );
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.connectorCredential).toMatchObject({
      id: target.id,
      status: 'ACTIVE',
      app: { id: 'app-salesforce' },
      connector: { syncStatus: 'DISABLED' },
    });
    const entities = await ask(
      'query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on ConductorOneApp { id displayName } ... on ConductorOneConnector { id syncStatus } } }',
      {
        reps: [
          { __typename: 'ConductorOneApp', id: 'app-snowflake' },
          { __typename: 'ConductorOneConnector', appId: 'app-aws-production', id: 'conn-aws-org' },
        ],
      },
    );
    expect(entities.body.data._entities).toEqual([
      { id: 'app-snowflake', displayName: 'Snowflake' },
      { id: 'conn-aws-org', syncStatus: 'ERROR' },
    ]);
    // Failure paths: upstream errors, a refused token, a token endpoint failure, a masked error.
    sim.inject('GetCredentials', { kind: 'error', status: 500, message: plantedUpstreamSecret, times: 3 });
    await ask(
      `{ connectorCredential(appId: "${target.appId}", connectorId: "${target.connectorId}", id: "${target.id}") { id } }`,
    );
    // The token endpoint failing (asked again by the next call, which gets a second token), then
    // refusing the credential (its answer stands for a few seconds).
    sim.expireAllTokens();
    sim.inject('Token', { kind: 'error', status: 503 });
    await ask(
      `{ connectorCredential(appId: "${target.appId}", connectorId: "${target.connectorId}", id: "${target.id}") { id } }`,
    );
    await ask(
      `{ connectorCredential(appId: "${target.appId}", connectorId: "${target.connectorId}", id: "${target.id}") { id } }`,
    );
    sim.expireAllTokens();
    sim.inject('Token', { kind: 'error', status: 401 });
    await ask(
      `{ connectorCredential(appId: "${target.appId}", connectorId: "${target.connectorId}", id: "${target.id}") { id } }`,
    );

    expect(sim.secretSubmissions()).toBe(0);
    const accessTokens = [
      ...new Set(
        sim.requests
          .map((r) => r.headers['authorization'])
          .filter(Boolean)
          .map((a) => a!.replace(/^Bearer /, '')),
      ),
    ];
    expect(accessTokens.length).toBeGreaterThanOrEqual(2);
    const planted = [
      clientSecret,
      clientSecret.split(':')[3]!,
      jwk.d!,
      plantedUpstreamSecret,
      'PLANTED-UPSTREAM',
      ...accessTokens,
    ];
    const output = await subgraph.settledOutput();
    const seen = [JSON.stringify(responses), ...output].join('\n');
    for (const value of planted) expect(seen, `planted value leaked: ${value.slice(0, 12)}…`).not.toContain(value);
    expect(output.some((line) => line.includes('upstream call failed'))).toBe(true);
  });
});

describe('ConductorOne start-up checks', () => {
  it('fails fast on a malformed client secret without echoing it', async () => {
    const secret = `secret-token:conductorone.com:v2:PLANTED-${randomUUID()}`;
    const error = await startupFailure({
      CONDUCTORONE_CLIENT_ID: 'x@tenant.conductor.one/spc',
      CONDUCTORONE_CLIENT_SECRET: secret,
      // Were the check to pass, nothing could reach past this machine.
      CONDUCTORONE_SERVER_URL: 'http://127.0.0.1:1',
    });
    expect(error.message).toContain('CONDUCTORONE_CLIENT_SECRET is not a valid ConductorOne client secret');
    expect(error.message).not.toContain('PLANTED');
  });
});

describe('AWS credentials expiring while the process runs', () => {
  it('fetches fresh credentials from the chain and keeps answering, with no restart', async () => {
    const issued = [
      {
        AccessKeyId: 'AKIAROTATINGKEY00001',
        SecretAccessKey: 'rotating-secret-one',
        Token: 'rotating-session-one',
        // Good for just over the 15 s before expiry in which they are no longer used.
        ttlMs: 15_800,
      },
      {
        AccessKeyId: 'AKIAROTATINGKEY00002',
        SecretAccessKey: 'rotating-secret-two',
        Token: 'rotating-session-two',
        ttlMs: 3_600_000,
      },
    ];
    let fetches = 0;
    const credentialServer = createServer((_req, res) => {
      const c = issued[Math.min(fetches, issued.length - 1)]!;
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          AccessKeyId: c.AccessKeyId,
          SecretAccessKey: c.SecretAccessKey,
          Token: c.Token,
          Expiration: new Date(Date.now() + c.ttlMs).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => credentialServer.listen(0, '127.0.0.1', resolve));
    const seed = createSandboxSeed();
    const toSim = (c: (typeof issued)[number]) => ({
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.Token,
    });
    const sim = await startAwsSimulator({ seed, region: 'us-east-1', credentials: [toSim(issued[0]!)] });
    const subgraph = await spawnSubgraph({
      NODE_ENV: 'production',
      AUTH_DISABLED: 'true',
      SHUTDOWN_DELAY_MS: '0',
      AWS_REGION: 'us-east-1',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(credentialServer.address() as AddressInfo).port}/creds`,
      AWS_ENDPOINT_URL: sim.url,
    });
    try {
      const query = '{ connectorDestination(id: "dest-lumen-eu") { name } }';
      expect((await post(subgraph.url, query)).body.data).toEqual({
        connectorDestination: { name: 'Lumen Lighting Cloud EU' },
      });
      // The first credentials expire; the upstream now accepts only their successor.
      sim.setCredentials([toSim(issued[1]!)]);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await post(subgraph.url, query)).body).toEqual({
        data: { connectorDestination: { name: 'Lumen Lighting Cloud EU' } },
      });
      // The chain's own background refresh and the signer's forced one may both have asked.
      expect(fetches).toBeGreaterThanOrEqual(2);
      expect(sim.requests.at(-1)!.headers['authorization']).toContain('Credential=AKIAROTATINGKEY00002/');
    } finally {
      await subgraph.stop();
      await sim.close();
      credentialServer.close();
    }
  });
});

describe('an unhandled promise rejection', () => {
  it('is logged and counted, and the process keeps serving', async () => {
    const subgraph = await spawnSubgraph({
      NODE_OPTIONS: `--import ${new URL('./fixtures/unhandledRejection.mjs', import.meta.url).pathname}`,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(subgraph.child.exitCode).toBeNull();
      const logged = subgraph.output.map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return {};
        }
      });
      expect(logged.find((l) => l.msg === 'unhandled promise rejection')).toMatchObject({
        level: 50,
        err: { message: 'planted unhandled rejection' },
      });
      const metrics = await (await fetch(new URL('/metrics', subgraph.url))).text();
      expect(metrics).toMatch(/process_unhandled_rejections_total 1/);
      expect((await post(subgraph.url, '{ connectorDestination(id: "dest-lumen-eu") { name } }')).body.data).toEqual({
        connectorDestination: { name: 'Lumen Lighting Cloud EU' },
      });
    } finally {
      expect(await subgraph.stop()).toBe(0);
    }
  });
});

describe('start-up warnings about running without caller authentication', () => {
  const warnings = (output: string[]) =>
    output
      .map((line) => JSON.parse(line) as { level?: number; msg?: string })
      .filter((line) => line.level === 40)
      .map((line) => line.msg);

  it('warns once when production runs with AUTH_DISABLED=true', async () => {
    const subgraph = await spawnSubgraph({
      NODE_ENV: 'production',
      SANDBOX: 'true',
      AUTH_DISABLED: 'true',
      SHUTDOWN_DELAY_MS: '0',
    });
    try {
      expect(warnings(subgraph.output)).toEqual([
        'AUTH_DISABLED=true: caller authentication is OFF in production; every caller may read every field.',
      ]);
    } finally {
      await subgraph.stop();
    }
  });

  it('warns once when real upstreams are configured without it, and listens on loopback only', async () => {
    // Nothing is sent at start-up; the endpoint is a closed loopback port all the same.
    const subgraph = await spawnSubgraph({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', HOST: '' });
    try {
      expect(warnings(subgraph.output)).toEqual([
        expect.stringMatching(/^Real upstreams without caller authentication/),
      ]);
      expect(new URL(subgraph.url).hostname).toBe('127.0.0.1');
    } finally {
      await subgraph.stop();
    }
  });

  it('does not warn for the embedded sandbox outside production', async () => {
    const subgraph = await spawnSubgraph({});
    try {
      expect(warnings(subgraph.output)).toEqual([]);
    } finally {
      await subgraph.stop();
    }
  });
});
