/**
 * Every root field of the contract through the real HTTP server against the sandbox, with the
 * expected values taken from the sandbox's own wire-shaped seed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_APP_BUNDLES, SANDBOX_ROTATED_CLIENT_SECRET } from '../src/sandbox/seed.ts';
import { FIXED_NOW, startTestServer, type TestServer } from './helpers/startTestServer.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());
beforeEach(() => t.resetCalls());

describe('connectorDestination', () => {
  it('returns a destination with every member mapped from GetConnectorDestination', async () => {
    const wire = t.sandbox.seed.iotManagedIntegrations.connectorDestinations[1]!;
    const res = await t.query(
      `query ($id: ID!) { connectorDestination(id: $id) {
        id name description cloudConnectorId authType oAuthCompleteRedirectUrl
        secretsManager { arn versionId }
        authConfig {
          oAuth { authUrl tokenUrl scope tokenEndpointAuthenticationScheme oAuthCompleteRedirectUrl
                  proactiveRefreshTokenRenewal { enabled daysBeforeRenewal } }
          generalAuthorization { authMaterialName secretsManager { arn versionId } }
        }
        cloudConnector { id name description type endpointType lambdaArn }
      } }`,
      { id: wire.Id },
    );
    expect(res.body.errors).toBeUndefined();
    const oAuth = wire.AuthConfig!.oAuth!;
    const connector = t.sandbox.seed.iotManagedIntegrations.cloudConnectors.find(
      (c) => c.Id === wire.CloudConnectorId,
    )!;
    expect(res.body.data!['connectorDestination']).toEqual({
      id: wire.Id,
      name: wire.Name,
      description: wire.Description,
      cloudConnectorId: wire.CloudConnectorId,
      authType: 'OAUTH',
      oAuthCompleteRedirectUrl: wire.OAuthCompleteRedirectUrl,
      secretsManager: wire.SecretsManager,
      authConfig: {
        oAuth: {
          authUrl: oAuth.authUrl,
          tokenUrl: oAuth.tokenUrl,
          scope: oAuth.scope ?? null,
          tokenEndpointAuthenticationScheme: oAuth.tokenEndpointAuthenticationScheme,
          oAuthCompleteRedirectUrl: oAuth.oAuthCompleteRedirectUrl,
          proactiveRefreshTokenRenewal: {
            enabled: oAuth.proactiveRefreshTokenRenewal!.enabled,
            daysBeforeRenewal: oAuth.proactiveRefreshTokenRenewal!.DaysBeforeRenewal,
          },
        },
        generalAuthorization: wire.AuthConfig!.GeneralAuthorization!.map((m) => ({
          authMaterialName: m.AuthMaterialName,
          secretsManager: m.SecretsManager,
        })),
      },
      cloudConnector: {
        id: connector.Id,
        name: connector.Name,
        description: connector.Description,
        type: connector.Type,
        endpointType: 'LAMBDA',
        lambdaArn: connector.EndpointConfig!.lambda!.arn,
      },
    });
    expect(t.calls()['iotManagedIntegrations']).toEqual({ GetConnectorDestination: 1, GetCloudConnector: 1 });
  });

  it('answers the rest of a destination when one nested member is in a shape the schema cannot carry', async () => {
    // AWS adds a token endpoint scheme this schema does not know: only authConfig.oAuth fails.
    const destination = t.sandbox.seed.iotManagedIntegrations.connectorDestinations.find((d) => d.AuthConfig?.oAuth)!;
    const newScheme = (body: unknown) => {
      (
        body as { AuthConfig: { oAuth: { tokenEndpointAuthenticationScheme: string } } }
      ).AuthConfig.oAuth.tokenEndpointAuthenticationScheme = 'PRIVATE_KEY_JWT';
      return body;
    };
    t.sandbox.aws!.inject('GetConnectorDestination', { kind: 'edit', edit: newScheme, times: 2 });
    try {
      const res = await t.query(
        `{ connectorDestination(id: "${destination.Id}") { id name authType
            authConfig { oAuth { tokenUrl tokenEndpointAuthenticationScheme } generalAuthorization { authMaterialName } } } }`,
      );
      expect(res.body.data).toEqual({
        connectorDestination: {
          id: destination.Id,
          name: destination.Name,
          authType: 'OAUTH',
          authConfig: {
            oAuth: null,
            generalAuthorization: (destination.AuthConfig!.GeneralAuthorization ?? []).map((g) => ({
              authMaterialName: g.AuthMaterialName,
            })),
          },
        },
      });
      expect(res.body.errors).toEqual([
        {
          message: expect.stringContaining('cannot use'),
          path: ['connectorDestination', 'authConfig', 'oAuth'],
          locations: expect.any(Array),
          extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }),
        },
      ]);
      const logged = t.logs.filter((line) => line.includes('upstream member unusable'));
      expect(logged.length).toBeGreaterThanOrEqual(1);
      expect(logged[0]).toContain('oAuth.tokenEndpointAuthenticationScheme');
      // A query that does not read the member is answered in full, without an error.
      const name = await t.query(`{ connectorDestination(id: "${destination.Id}") { name authType } }`);
      expect(name.body).toEqual({ data: { connectorDestination: { name: destination.Name, authType: 'OAUTH' } } });
    } finally {
      t.sandbox.aws!.reset();
    }
  });

  it('is null without an error when the destination does not exist', async () => {
    const res = await t.query('{ connectorDestination(id: "dest-does-not-exist") { id } }');
    expect(res.body).toEqual({ data: { connectorDestination: null } });
  });
});

describe('connectorDestinations', () => {
  const all = () => t.sandbox.seed.iotManagedIntegrations.connectorDestinations;

  it('pages through every destination with opaque cursors, one list call per page', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res: any = await t.query(
        'query ($after: String) { connectorDestinations(first: 10, after: $after) { edges { cursor node { id } } nodes { id } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(res.body.errors).toBeUndefined();
      const conn = res.body.data.connectorDestinations;
      expect(conn.nodes.map((n: any) => n.id)).toEqual(conn.edges.map((e: any) => e.node.id));
      seen.push(...conn.nodes.map((n: any) => n.id));
      after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null && pages < 10);
    expect(seen).toEqual(all().map((d) => d.Id));
    expect(pages).toBe(Math.ceil(all().length / 10));
    expect(t.calls()['iotManagedIntegrations']).toEqual({ ListConnectorDestinations: pages });
  });

  it('resumes after any edge cursor, not only the end cursor', async () => {
    const first = await t.query('{ connectorDestinations(first: 5) { edges { cursor node { id } } } }');
    const edges = (first.body.data as any).connectorDestinations.edges;
    const res = await t.query(
      'query ($after: String) { connectorDestinations(first: 3, after: $after) { nodes { id } } }',
      {
        after: edges[1].cursor,
      },
    );
    expect((res.body.data as any).connectorDestinations.nodes.map((n: any) => n.id)).toEqual(
      all()
        .slice(2, 5)
        .map((d) => d.Id),
    );
  });

  it('filters by cloud connector and defaults first to 25', async () => {
    const res = await t.query(
      '{ connectorDestinations(cloudConnectorId: "cc-thermia-climate") { nodes { id cloudConnectorId } pageInfo { hasNextPage } } }',
    );
    const expected = all().filter((d) => d.CloudConnectorId === 'cc-thermia-climate');
    expect((res.body.data as any).connectorDestinations).toEqual({
      nodes: expected.map((d) => ({ id: d.Id, cloudConnectorId: 'cc-thermia-climate' })),
      pageInfo: { hasNextPage: false },
    });
    const unfiltered = await t.query('{ connectorDestinations { nodes { id } } }');
    expect((unfiltered.body.data as any).connectorDestinations.nodes).toHaveLength(25);
  });

  it('reads detail fields of listed items with one GetConnectorDestination each, and all their cloud connectors with one list', async () => {
    const res = await t.query('{ connectorDestinations(first: 12) { nodes { id authType cloudConnector { id } } } }');
    expect(res.body.errors).toBeUndefined();
    const listed = all().slice(0, 12);
    expect(new Set(listed.map((d) => d.CloudConnectorId)).size).toBeGreaterThan(1);
    expect(t.calls()['iotManagedIntegrations']).toEqual({
      ListConnectorDestinations: 1,
      GetConnectorDestination: 12,
      ListCloudConnectors: 1,
    });
  });

  it('serves summary fields and a repeated reference from the list alone', async () => {
    const res = await t.query(
      '{ connectorDestinations(first: 5) { nodes { id name } } again: connectorDestination(id: "dest-lumen-eu") { name } }',
    );
    expect(res.body.errors).toBeUndefined();
    expect(t.calls()['iotManagedIntegrations']).toEqual({ ListConnectorDestinations: 1 });
  });

  it('rejects a cursor reused with other arguments', async () => {
    const first = await t.query('{ connectorDestinations(first: 2) { pageInfo { endCursor } } }');
    const cursor = (first.body.data as any).connectorDestinations.pageInfo.endCursor;
    t.resetCalls();
    const res = await t.query(
      'query ($after: String) { connectorDestinations(cloudConnectorId: "cc-aqua-leak", after: $after) { nodes { id } } }',
      { after: cursor },
    );
    expect(res.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(t.totalCalls()).toBe(0);
  });
});

describe('connectorCredential', () => {
  const credentialQuery = `query ($appId: ID!, $connectorId: ID!, $id: ID!) {
    connectorCredential(appId: $appId, connectorId: $connectorId, id: $id) {
      id appId connectorId clientId displayName createdAt updatedAt deletedAt expiresTime lastUsedAt status
      app { id displayName description iconUrl }
      connector { id appId displayName description syncStatus syncLastError syncCompletedAt }
    } }`;

  it.each([
    ['active', 'ACTIVE'],
    ['expired', 'EXPIRED'],
    ['revoked', 'REVOKED'],
  ])('derives status %s → %s from the timestamps', async (suffix, status) => {
    const wire = t.sandbox.seed.conductorOne.credentials.find(
      (c) => String(c.id).endsWith(`-${suffix}`) && c.connectorId === 'conn-aws-org',
    )!;
    const res = await t.query(credentialQuery, { appId: wire.appId, connectorId: wire.connectorId, id: wire.id });
    expect(res.body.errors).toBeUndefined();
    const credential = (res.body.data as any).connectorCredential;
    expect(credential.status).toBe(status);
    expect(credential).toMatchObject({
      id: wire.id,
      appId: wire.appId,
      connectorId: 'conn-aws-org',
      clientId: wire.clientId,
    });
    expect(credential.connector).toEqual({
      id: 'conn-aws-org',
      appId: 'app-aws-production',
      displayName: 'AWS Organizations',
      description: expect.any(String),
      syncStatus: 'ERROR',
      syncLastError: 'AccessDenied: sts:AssumeRole on the audit role',
      syncCompletedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    });
    expect(credential.app).toMatchObject({ id: 'app-aws-production', displayName: 'AWS Production' });
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 1, GetConnector: 1, SearchApps: 1 });
  });

  it('treats empty strings from ConductorOne as absent', async () => {
    const res = await t.query(credentialQuery, {
      appId: 'app-okta-workforce',
      connectorId: 'conn-okta-main',
      id: 'cred-okta-main-expired',
    });
    const credential = (res.body.data as any).connectorCredential;
    expect(credential.deletedAt).toBeNull(); // the seed sends deletedAt: ""
    expect(credential.connector.syncLastError).toBeNull(); // and lastError: ""
    expect(credential.status).toBe('EXPIRED');
  });

  it('never returns the client secret the upstream sent with a rotated credential', async () => {
    const wire = t.sandbox.seed.conductorOne.credentials.find((c) => c.clientSecret !== undefined)!;
    expect(wire.clientSecret).toBe(SANDBOX_ROTATED_CLIENT_SECRET);
    const res = await t.query(credentialQuery, { appId: wire.appId, connectorId: wire.connectorId, id: wire.id });
    expect((res.body.data as any).connectorCredential.id).toBe(wire.id);
    expect(res.text).not.toContain(SANDBOX_ROTATED_CLIENT_SECRET);
    expect(res.text).not.toContain('secret-token:');
    expect(t.logs.join('\n')).not.toContain(SANDBOX_ROTATED_CLIENT_SECRET);
  });

  it('is null without an error when the credential does not exist', async () => {
    const res = await t.query(credentialQuery, {
      appId: 'app-okta-workforce',
      connectorId: 'conn-okta-main',
      id: 'cred-nope',
    });
    expect(res.body).toEqual({ data: { connectorCredential: null } });
  });

  it('serializes every timestamp as RFC 3339 UTC', async () => {
    const res = await t.query(credentialQuery, {
      appId: 'app-github-enterprise',
      connectorId: 'conn-github',
      id: 'cred-github-active',
    });
    const credential = (res.body.data as any).connectorCredential;
    for (const field of ['createdAt', 'updatedAt', 'expiresTime', 'lastUsedAt']) {
      expect(credential[field]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
    expect(Date.parse(credential.expiresTime)).toBeGreaterThan(FIXED_NOW.getTime());
  });
});

describe('appAuthorization', () => {
  const fields =
    'arn appBundleArn app tenant { tenantIdentifier tenantDisplayName } status authType authUrl persona createdAt updatedAt';

  it('reads an authorization by UUIDs and by ARNs alike', async () => {
    const wire = t.sandbox.seed.appFabric.appAuthorizations[0]!;
    const authorizationId = wire.appAuthorizationArn!.split('/').at(-1)!;
    const byUuid = await t.query(
      `query ($b: ID!, $a: ID!) { appAuthorization(appBundleIdentifier: $b, appAuthorizationIdentifier: $a) { ${fields} } }`,
      { b: SANDBOX_APP_BUNDLES[0], a: authorizationId },
    );
    const byArn = await t.query(
      `query ($b: ID!, $a: ID!) { appAuthorization(appBundleIdentifier: $b, appAuthorizationIdentifier: $a) { ${fields} } }`,
      { b: wire.appBundleArn, a: wire.appAuthorizationArn },
    );
    expect(byUuid.body.errors).toBeUndefined();
    expect(byUuid.body.data).toEqual(byArn.body.data);
    expect((byUuid.body.data as any).appAuthorization).toEqual({
      arn: wire.appAuthorizationArn,
      appBundleArn: wire.appBundleArn,
      app: 'SLACK',
      tenant: wire.tenant,
      status: 'PENDING_CONNECT',
      authType: 'OAUTH2',
      authUrl: wire.authUrl,
      persona: 'ADMIN',
      createdAt: wire.createdAt!.toISOString().replace('.000Z', 'Z'),
      updatedAt: wire.updatedAt!.toISOString().replace('.000Z', 'Z'),
    });
  });

  it('is null without an error when it does not exist', async () => {
    const res = await t.query(
      '{ appAuthorization(appBundleIdentifier: "4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01", appAuthorizationIdentifier: "00000000-0000-4000-8000-000000000000") { arn } }',
    );
    expect(res.body).toEqual({ data: { appAuthorization: null } });
  });
});

describe('appAuthorizations', () => {
  it('lists one bundle, mapping every status, with summary fields from one list call', async () => {
    const res = await t.query(
      `{ appAuthorizations(appBundleIdentifier: "${SANDBOX_APP_BUNDLES[0]}", first: 100) { nodes { arn app status updatedAt tenant { tenantDisplayName } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const conn = (res.body.data as any).appAuthorizations;
    const expected = t.sandbox.seed.appFabric.appAuthorizations.filter((a) =>
      a.appBundleArn!.endsWith(SANDBOX_APP_BUNDLES[0]),
    );
    expect(conn.nodes.map((n: any) => n.arn)).toEqual(expected.map((a) => a.appAuthorizationArn));
    expect(new Set(conn.nodes.map((n: any) => n.status))).toEqual(
      new Set(['PENDING_CONNECT', 'CONNECTED', 'CONNECTION_VALIDATION_FAILED', 'TOKEN_AUTO_ROTATION_FAILED']),
    );
    expect(conn.pageInfo.hasNextPage).toBe(false);
    expect(t.calls()['appFabric']).toEqual({ ListAppAuthorizations: 1 });
  });

  it('costs one GetAppAuthorization per listed item only when a non-summary field is selected', async () => {
    const res = await t.query(
      `{ appAuthorizations(appBundleIdentifier: "${SANDBOX_APP_BUNDLES[1]}", first: 3) { nodes { arn authType persona createdAt } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const nodes = (res.body.data as any).appAuthorizations.nodes;
    expect(nodes).toHaveLength(3);
    expect(nodes.every((n: any) => n.authType !== null && n.createdAt !== null)).toBe(true);
    expect(t.calls()['appFabric']).toEqual({ ListAppAuthorizations: 1, GetAppAuthorization: 3 });
  });

  it('returns an empty page for a bundle with no authorizations', async () => {
    const res = await t.query(
      '{ appAuthorizations(appBundleIdentifier: "11111111-2222-4333-8444-555555555555") { nodes { arn } pageInfo { hasNextPage endCursor } } }',
    );
    expect(res.body).toEqual({
      data: { appAuthorizations: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } },
    });
  });
});

describe('connectAppAuthorization', () => {
  const mutation = `mutation ($input: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $input) {
    appAuthorization { arn status tenant { tenantDisplayName } }
    userErrors { code message field } } }`;

  it('connects a pending oauth2 authorization once, and answers the same code again without sending it', async () => {
    const wire = t.sandbox.seed.appFabric.appAuthorizations.find((a) => a.app === 'ZENDESK')!;
    const input = {
      appBundleIdentifier: wire.appBundleArn,
      appAuthorizationIdentifier: wire.appAuthorizationArn,
      authRequest: { redirectUri: 'https://app.example.com/oauth/callback', code: 'sandbox-code-zendesk-1' },
    };
    const first = await t.query(mutation, { input });
    expect(first.body.data!['connectAppAuthorization']).toEqual({
      appAuthorization: {
        arn: wire.appAuthorizationArn,
        status: 'CONNECTED',
        tenant: { tenantDisplayName: 'Example Corp Zendesk' },
      },
      userErrors: [],
    });
    // A client that lost the answer sends it again: the authorization's status, the code not resent.
    const again = await t.query(mutation, { input });
    expect(again.body.data!['connectAppAuthorization']).toEqual(first.body.data!['connectAppAuthorization']);
    expect(again.text).not.toContain('sandbox-code-zendesk-1');
    expect(t.logs.join('\n')).not.toContain('sandbox-code-zendesk-1');
    expect(t.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1, GetAppAuthorization: 1 });
  });

  it('reports an unknown authorization as NOT_FOUND', async () => {
    const res = await t.query(mutation, {
      input: {
        appBundleIdentifier: SANDBOX_APP_BUNDLES[0],
        appAuthorizationIdentifier: '00000000-0000-4000-8000-000000000000',
        authRequest: { redirectUri: 'https://app.example.com/cb', code: 'c' },
      },
    });
    expect(res.body.data!['connectAppAuthorization'].userErrors).toEqual([
      { code: 'NOT_FOUND', message: expect.any(String), field: null },
    ]);
  });

  it('validates the input locally and sends nothing when it is malformed', async () => {
    const res = await t.query(mutation, {
      input: {
        appBundleIdentifier: 'NOT-A-UUID',
        appAuthorizationIdentifier: '0b3f5a7c-1d2e-4f60-8a9b-0c1d2e3f4a5b',
        authRequest: { redirectUri: 'http://insecure.example.com/cb', code: '' },
      },
    });
    expect(res.body.data!['connectAppAuthorization']).toEqual({
      appAuthorization: null,
      userErrors: [
        { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'appBundleIdentifier'] },
        { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'authRequest', 'redirectUri'] },
        { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'authRequest', 'code'] },
      ],
    });
    expect(t.totalCalls()).toBe(0);
  });

  it('maps a missing authRequest for an oauth2 authorization to its field', async () => {
    const wire = t.sandbox.seed.appFabric.appAuthorizations.find((a) => a.app === 'SMARTSHEET')!;
    const res = await t.query(mutation, {
      input: { appBundleIdentifier: wire.appBundleArn, appAuthorizationIdentifier: wire.appAuthorizationArn },
    });
    expect(res.body.data!['connectAppAuthorization'].userErrors).toEqual([
      { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'authRequest'] },
    ]);
  });
});
