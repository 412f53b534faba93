/**
 * The planted-values scan: unique values are planted where secrets live (the upstream's
 * credential `clientSecret`, the ConductorOne client secret, AWS keys, the caller's JWT, OAuth
 * codes); a broad run of queries, including failure paths that echo them back from the
 * upstreams, drives the real process; then every response, log line, error and /metrics scrape is
 * searched. None may contain any planted value.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientCredentialsTokenSource,
  parseClientId,
  parseClientSecret,
} from '../src/adapters/conductorOne/tokenSource.ts';
import { startAwsSimulator, type AwsSimulator } from '../src/sandbox/aws/awsSimulator.ts';
import {
  startConductorOneSimulator,
  type ConductorOneSimulator,
} from '../src/sandbox/conductorOne/conductorOneSimulator.ts';
import { createSandboxSeed } from '../src/sandbox/seed.ts';
import { AUDIENCE, createSigner, ISSUER } from './helpers/jwt.ts';
import { spawnSubgraph, type SpawnedSubgraph } from './helpers/spawnSubgraph.ts';

const tag = randomBytes(6).toString('hex');
const aws = {
  accessKeyId: `AKIAPLANTED${tag.toUpperCase()}`.slice(0, 20),
  secretAccessKey: `plantedAwsSecret/${tag}/${randomBytes(12).toString('base64')}`,
  // Shaped as STS issues them: standard base64, so `/`, `+` and `=` split it into short runs that
  // no "long opaque string" rule would catch; only knowing the value does.
  sessionToken: `FwoGZXIvYXdzE${tag}/${randomBytes(330).toString('base64')}`,
};
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const jwk = privateKey.export({ format: 'jwk' });
const clientSecret = `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;
const clientId = `planted-${tag}@tenant.conductor.one/spc`;
const upstreamClientSecret = `secret-token:conductorone.com:v1:PLANTED-UPSTREAM-${tag}`;
const codes = [`planted-code-a-${tag}`, `planted-code-b-${tag}`, `planted-code-c-${tag}`];
const signer = createSigner();

/** The 16-character windows of `value` found in `haystack` (all of it, for a shorter value). */
function leakedParts(haystack: string, value: string): string[] {
  const windows = Array.from({ length: Math.max(1, value.length - 15) }, (_, i) => value.slice(i, i + 16));
  return windows.filter((window) => haystack.includes(window));
}

describe('planted-values scan', () => {
  let awsSim: AwsSimulator;
  let c1Sim: ConductorOneSimulator;
  let subgraph: SpawnedSubgraph;
  let jwt: string;
  const seed = createSandboxSeed();
  seed.conductorOne.credentials.find((c) => c.id === 'cred-github-active')!.clientSecret = upstreamClientSecret;
  const texts: string[] = [];

  async function send(query: string, variables?: Record<string, unknown>, token: string | null = jwt) {
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    texts.push(text);
    return { status: res.status, body: JSON.parse(text) as { data?: any; errors?: any[] } };
  }

  /** A production process on the AWS simulator with the planted AWS keys, verifying callers' tokens. */
  const productionEnv = (): Record<string, string> => ({
    NODE_ENV: 'production',
    LOG_LEVEL: 'trace',
    SHUTDOWN_DELAY_MS: '0',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
    AWS_SESSION_TOKEN: aws.sessionToken,
    AWS_ENDPOINT_URL: awsSim.url,
    AUTH_JWT_PUBLIC_KEY: signer.publicKeyPem,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_JWT_ALGORITHMS: 'ES256',
  });

  beforeAll(async () => {
    jwt = await signer.sign({
      scope: 'destinations:read credentials:read app-authorizations:read app-authorizations:connect',
    });
    awsSim = await startAwsSimulator({ seed, region: 'us-east-1', credentials: [aws] });
    c1Sim = await startConductorOneSimulator({
      seed: seed.conductorOne,
      clients: [{ clientId, publicKey }],
      audience: 'tenant.conductor.one',
    });
    subgraph = await spawnSubgraph({
      ...productionEnv(),
      CONDUCTORONE_CLIENT_ID: clientId,
      CONDUCTORONE_CLIENT_SECRET: clientSecret,
      CONDUCTORONE_SERVER_URL: c1Sim.url,
    });
  }, 30_000);

  afterAll(async () => {
    await subgraph?.stop();
    await awsSim?.close();
    await c1Sim?.close();
  });

  it('finds no planted value in any response, error, log line or metric after a broad run', async () => {
    const pending = seed.appFabric.appAuthorizations.filter((a) => a.status === 'PendingConnect');
    const connect = (i: number, code: string) =>
      send(
        'mutation ($i: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $i) { appAuthorization { arn status authType } userErrors { code message field } } }',
        {
          i: {
            appBundleIdentifier: pending[i]!.appBundleArn,
            appAuthorizationIdentifier: pending[i]!.appAuthorizationArn,
            authRequest: { redirectUri: 'https://app.example.com/cb', code },
          },
        },
      );

    // Every root field, every entity type, every relation.
    const everything = await send(`{
      connectorDestinations(first: 5) { nodes { id name authType authConfig { oAuth { authUrl } generalAuthorization { secretsManager { arn } } } secretsManager { arn versionId } cloudConnector { name lambdaArn } } }
      connectorDestination(id: "dest-lumen-eu") { name }
      connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id clientId status app { displayName } connector { syncStatus } }
      appAuthorizations(appBundleIdentifier: "${seed.appFabric.appBundleArns[0]}") { nodes { arn status authType authUrl } }
    }`);
    expect(everything.body.errors).toBeUndefined();
    expect(everything.body.data.connectorCredential.clientId).toMatch(/@example\.conductor\.one/);
    await send(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on ConnectorCredential { id status } ... on ConductorOneApp { displayName } } }',
      {
        r: [
          {
            __typename: 'ConnectorCredential',
            appId: 'app-github-enterprise',
            connectorId: 'conn-github',
            id: 'cred-github-active',
          },
          { __typename: 'ConductorOneApp', id: 'app-okta-workforce' },
        ],
      },
    );

    // The connect step: success, a reused code, a rejection echoing the code, a 500 after consumption.
    expect((await connect(0, codes[0]!)).body.data.connectAppAuthorization.userErrors).toEqual([]);
    await connect(1, codes[0]!);
    awsSim.inject('ConnectAppAuthorization', {
      kind: 'error',
      status: 400,
      type: 'ValidationException',
      message: `invalid code ${codes[1]}`,
      members: { fieldList: [{ name: 'authRequest.code', message: `bad ${codes[1]}` }] },
    });
    await connect(1, codes[1]!);
    awsSim.inject('ConnectAppAuthorization', {
      kind: 'error',
      status: 500,
      type: 'InternalServerException',
      message: `boom ${codes[2]}`,
      afterProcessing: true,
    });
    await connect(2, codes[2]!);

    // Upstream failures whose messages echo the secrets.
    awsSim.inject('GetConnectorDestination', {
      kind: 'error',
      status: 403,
      type: 'AccessDeniedException',
      message: `key ${aws.accessKeyId} token ${aws.sessionToken}`,
    });
    await send('{ connectorDestination(id: "dest-lumen-us") { authType } }');
    c1Sim.inject('GetCredentials', {
      kind: 'error',
      status: 500,
      message: `${upstreamClientSecret} ${clientSecret}`,
      times: 3,
    });
    await send(
      '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-revoked") { id } }',
    );
    c1Sim.expireAllTokens();
    c1Sim.inject('Token', { kind: 'error', status: 401, message: clientSecret });
    await send(
      '{ connectorCredential(appId: "app-okta-workforce", connectorId: "conn-okta-main", id: "cred-okta-main-active") { id } }',
    );

    // Callers with a broken token, or none.
    expect(
      (await send('{ connectorDestination(id: "dest-lumen-eu") { id } }', undefined, `${jwt.slice(0, -4)}AAAA`)).status,
    ).toBe(401);
    expect((await send('{ connectorDestination(id: "dest-lumen-eu") { id } }', undefined, null)).status).toBe(401);

    const metrics = await (await fetch(new URL('/metrics', subgraph.url))).text();
    expect(metrics).toContain('upstream_requests_total');
    const output = await subgraph.settledOutput();
    const haystack = [...texts, metrics, ...output].join('\n');
    // The parts of each secret that only it has (a fixed prefix such as `secret-token:` is left
    // out), searched whole and in every window of 16 characters: a leak of part of one is a leak.
    const tampered = `${jwt.slice(0, -4)}AAAA`;
    const planted = {
      'AWS access key id': aws.accessKeyId.slice('AKIA'.length),
      'AWS secret access key': aws.secretAccessKey,
      'AWS session token': aws.sessionToken,
      'ConductorOne client secret': clientSecret.slice('secret-token:conductorone.com:v1:'.length),
      'its key material': jwk.d!,
      "the upstream credential's clientSecret": upstreamClientSecret.slice('secret-token:conductorone.com:v1:'.length),
      "the caller JWT's claims and signature": jwt.slice(jwt.indexOf('.') + 1),
      "the tampered JWT's claims and signature": tampered.slice(tampered.indexOf('.') + 1),
      ...Object.fromEntries(codes.map((code, i) => [`OAuth code ${i}`, code])),
    };
    for (const [what, value] of Object.entries(planted)) {
      expect(haystack.includes(value), `${what} leaked`).toBe(false);
      expect(leakedParts(haystack, value), `part of ${what} leaked`).toEqual([]);
    }
    // The run did go through the failure paths that echo the secrets: every injected fault was used.
    const awsErrors = awsSim.responses.map((r) => `${r.operation} ${r.status} ${r.errorType}`);
    expect(awsErrors).toEqual(
      expect.arrayContaining([
        'ConnectAppAuthorization 400 ValidationException',
        'ConnectAppAuthorization 500 InternalServerException',
        'GetConnectorDestination 403 AccessDeniedException',
      ]),
    );
    const c1Errors = c1Sim.responses.filter((r) => r.status >= 400).map((r) => `${r.operation} ${r.status}`);
    expect(c1Errors.filter((r) => r === 'GetCredentials 500')).toHaveLength(3);
    expect(c1Errors).toContain('Token 401');
    expect(output.filter((line) => line.includes('upstream call failed')).length).toBeGreaterThanOrEqual(4);
    expect(c1Sim.secretSubmissions()).toBe(0);
  });

  it('finds none either with a pre-exchanged ConductorOne token, a router secret and a cursor secret', async () => {
    // A token the simulator issued, exchanged as an operator would before setting
    // CONDUCTORONE_ACCESS_TOKEN; the process never sees the client secret.
    const pool = new Pool(c1Sim.url);
    const accessToken = await clientCredentialsTokenSource({
      clientId: parseClientId(clientId),
      key: parseClientSecret(clientSecret),
      origin: c1Sim.url,
      dispatcher: pool,
    }).token();
    await pool.close();
    const routerSecret = `planted-router-secret-${tag}-${randomBytes(12).toString('hex')}`;
    const wrongRouterSecret = `planted-wrong-router-${tag}-${randomBytes(12).toString('hex')}`;
    const cursorSecret = `planted-cursor-secret-${tag}-${randomBytes(16).toString('hex')}`;
    const staticToken = await spawnSubgraph({
      ...productionEnv(),
      CONDUCTORONE_ACCESS_TOKEN: `Bearer ${accessToken}`,
      CONDUCTORONE_SERVER_URL: c1Sim.url,
      ROUTER_SECRET: routerSecret,
      CURSOR_SECRET: cursorSecret,
    });
    const answers: string[] = [];
    const ask = async (query: string, variables?: Record<string, unknown>, router: string | null = routerSecret) => {
      const res = await fetch(staticToken.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${jwt}`,
          ...(router === null ? {} : { 'router-authorization': router }),
        },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      answers.push(text);
      return { status: res.status, body: JSON.parse(text) as { data?: any; errors?: any[] } };
    };
    try {
      const credential =
        '{ connectorCredential(appId: "app-github-enterprise", connectorId: "conn-github", id: "cred-github-active") { id app { id } connector { id } } }';
      expect((await ask(credential)).body.errors).toBeUndefined();
      // Pages: every cursor is signed with CURSOR_SECRET.
      const page = (after?: string) =>
        ask(
          'query ($after: String) { connectorDestinations(first: 2, after: $after) { pageInfo { endCursor hasNextPage } } }',
          {
            after,
          },
        );
      const first = await page();
      const second = await page(first.body.data.connectorDestinations.pageInfo.endCursor);
      expect(second.body.errors).toBeUndefined();
      // An upstream echoing the token it was sent, a wrong router secret, none at all, and the
      // token refused: with a pre-exchanged token there is nothing to refresh.
      const echoes = () => c1Sim.responses.filter((r) => r.operation === 'GetCredentials' && r.status === 500).length;
      const echoesBefore = echoes();
      c1Sim.inject('GetCredentials', { kind: 'error', status: 500, message: `echo ${accessToken}`, times: 3 });
      expect((await ask(credential)).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect((await ask(credential, undefined, wrongRouterSecret)).status).toBe(401);
      expect((await ask(credential, undefined, null)).status).toBe(401);
      c1Sim.expireAllTokens();
      expect((await ask(credential)).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ACCESS_DENIED');

      const metrics = await (await fetch(new URL('/metrics', staticToken.url))).text();
      const output = await staticToken.settledOutput();
      const haystack = [...answers, metrics, ...output].join('\n');
      const planted = {
        'the pre-exchanged access token': accessToken,
        'the router secret': routerSecret,
        'a wrong router secret': wrongRouterSecret,
        'the cursor secret': cursorSecret,
        'AWS session token': aws.sessionToken,
      };
      for (const [what, value] of Object.entries(planted)) {
        expect(leakedParts(haystack, value), `part of ${what} leaked`).toEqual([]);
      }
      // The echo and the refusal did reach the process.
      expect(echoes() - echoesBefore).toBe(3);
      expect(output.filter((line) => line.includes('upstream call failed')).length).toBeGreaterThanOrEqual(2);
    } finally {
      await staticToken.stop();
    }
  });
});
