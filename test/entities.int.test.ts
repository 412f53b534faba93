/**
 * `_entities` for every entity type, as a router sends it, through the real HTTP server. Each
 * batch of N representations must cost one loader batch: N de-duplicated upstream reads where
 * the upstream has no batch read, one search where it has one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());
beforeEach(() => t.resetCalls());

const ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) {
  __typename
  ... on ConnectorDestination { id name destinationAuthType: authType cloudConnector { id } }
  ... on CloudConnector { id connectorName: name lambdaArn }
  ... on ConnectorCredential { id appId connectorId credentialStatus: status }
  ... on ConductorOneApp { id displayName }
  ... on ConductorOneConnector { id appId syncStatus }
  ... on AppAuthorization { arn authorizationStatus: status authType }
} }`;

async function entities(representations: object[]) {
  const res = await t.query(ENTITIES, { representations });
  return { res, list: (res.body.data?.['_entities'] ?? []) as any[] };
}

describe('_entities', () => {
  it('resolves ConnectorDestination references needing detail with one Get each, and their cloud connectors with one list', async () => {
    const seed = t.sandbox.seed.iotManagedIntegrations.connectorDestinations.slice(0, 9);
    const reps = [
      ...seed.map((d) => ({ __typename: 'ConnectorDestination', id: d.Id })),
      { __typename: 'ConnectorDestination', id: seed[0]!.Id },
    ];
    const { res, list } = await entities(reps);
    expect(res.body.errors).toBeUndefined();
    expect(list.map((e) => e.id)).toEqual(reps.map((r) => r.id));
    expect(list[0]).toMatchObject({
      __typename: 'ConnectorDestination',
      destinationAuthType: 'OAUTH',
      cloudConnector: { id: seed[0]!.CloudConnectorId },
    });
    expect(new Set(seed.map((d) => d.CloudConnectorId)).size).toBeGreaterThan(1);
    expect(t.calls()['iotManagedIntegrations']).toEqual({
      GetConnectorDestination: seed.length,
      ListCloudConnectors: 1,
    });
  });

  it('leaves a detail field that @skip or @include turns off out of the plan: one list instead of a Get each', async () => {
    const seed = t.sandbox.seed.iotManagedIntegrations.connectorDestinations.slice(0, 9);
    const representations = seed.map((d) => ({ __typename: 'ConnectorDestination', id: d.Id }));
    const query = `query ($representations: [_Any!]!, $detail: Boolean!) { _entities(representations: $representations) {
      ... on ConnectorDestination { id name authType @include(if: $detail) ... @skip(if: $detail) { description } } } }`;
    for (let run = 0; run < 3; run += 1) {
      // Three runs each way: graphql-js, then compiled, then the hot path, which keep no answer of
      // the first variables for the next.
      for (const detail of [false, true]) {
        t.resetCalls();
        const res = await t.query(query, { representations, detail });
        expect(res.body.errors).toBeUndefined();
        const list = res.body.data?.['_entities'] as Array<Record<string, unknown>>;
        expect(list.map((e) => e['id'])).toEqual(seed.map((d) => d.Id));
        expect('authType' in list[0]!).toBe(detail);
        expect(t.calls()['iotManagedIntegrations']).toEqual(
          detail ? { GetConnectorDestination: seed.length } : { ListConnectorDestinations: 1 },
        );
      }
    }
  });

  it('resolves CloudConnector references with one list, null for a missing one', async () => {
    const { res, list } = await entities([
      { __typename: 'CloudConnector', id: 'cc-lumen-lighting' },
      { __typename: 'CloudConnector', id: 'cc-missing' },
      { __typename: 'CloudConnector', id: 'cc-canopy-blinds' },
    ]);
    expect(res.body.errors).toBeUndefined();
    expect(list).toEqual([
      {
        __typename: 'CloudConnector',
        id: 'cc-lumen-lighting',
        connectorName: 'Lumen Lighting Cloud',
        lambdaArn: expect.stringContaining(':function:lumen-c2c-connector'),
      },
      null,
      expect.objectContaining({ id: 'cc-canopy-blinds' }),
    ]);
    expect(t.calls()['iotManagedIntegrations']).toEqual({ ListCloudConnectors: 1 });
  });

  it('resolves ConnectorCredential references by their composite key', async () => {
    const creds = t.sandbox.seed.conductorOne.credentials.slice(0, 6);
    const { res, list } = await entities(
      creds.map((c) => ({ __typename: 'ConnectorCredential', appId: c.appId, connectorId: c.connectorId, id: c.id })),
    );
    expect(res.body.errors).toBeUndefined();
    expect(list.map((e) => [e.appId, e.connectorId, e.id])).toEqual(creds.map((c) => [c.appId, c.connectorId, c.id]));
    expect(list.map((e) => e.credentialStatus)).toEqual([
      'ACTIVE',
      'EXPIRED',
      'REVOKED',
      'ACTIVE',
      'EXPIRED',
      'REVOKED',
    ]);
    expect(t.calls()['conductorOne']).toEqual({ GetCredentials: 6 });
  });

  it('resolves ConductorOneApp references with one apps search for the whole batch', async () => {
    const apps = t.sandbox.seed.conductorOne.apps;
    const reps = [
      ...apps.map((a) => ({ __typename: 'ConductorOneApp', id: a.id })),
      { __typename: 'ConductorOneApp', id: 'app-missing' },
    ];
    const { res, list } = await entities(reps);
    expect(res.body.errors).toBeUndefined();
    expect(list.map((e) => e?.id ?? null)).toEqual([...apps.map((a) => a.id), null]);
    expect(t.calls()['conductorOne']).toEqual({ SearchApps: 1 });
  });

  it('resolves ConductorOneConnector references, de-duplicated', async () => {
    const connectors = t.sandbox.seed.conductorOne.connectors;
    const reps = [...connectors, connectors[0]!].map((c) => ({
      __typename: 'ConductorOneConnector',
      appId: c.appId,
      id: c.id,
    }));
    const { res, list } = await entities(reps);
    expect(res.body.errors).toBeUndefined();
    expect(list.map((e) => e.syncStatus)).toEqual([
      'DONE',
      'RUNNING',
      'DONE',
      'ERROR',
      'DISABLED',
      'UNSPECIFIED',
      'DONE',
    ]);
    expect(t.calls()['conductorOne']).toEqual({ GetConnector: connectors.length });
  });

  it('resolves AppAuthorization references by ARN, deriving the bundle from the ARN', async () => {
    const auths = t.sandbox.seed.appFabric.appAuthorizations;
    const { res, list } = await entities(
      auths.map((a) => ({ __typename: 'AppAuthorization', arn: a.appAuthorizationArn })),
    );
    expect(res.body.errors).toBeUndefined();
    expect(list.map((e) => e.arn)).toEqual(auths.map((a) => a.appAuthorizationArn));
    expect(list.every((e) => e.authType === 'OAUTH2' || e.authType === 'API_KEY')).toBe(true);
    expect(t.calls()['appFabric']).toEqual({ GetAppAuthorization: auths.length });
  });

  it('resolves a mixed batch of every type in one request', async () => {
    const s = t.sandbox.seed;
    const cred = s.conductorOne.credentials[0]!;
    const { res, list } = await entities([
      { __typename: 'ConnectorDestination', id: s.iotManagedIntegrations.connectorDestinations[0]!.Id },
      { __typename: 'CloudConnector', id: s.iotManagedIntegrations.cloudConnectors[1]!.Id },
      { __typename: 'ConnectorCredential', appId: cred.appId, connectorId: cred.connectorId, id: cred.id },
      { __typename: 'ConductorOneApp', id: s.conductorOne.apps[2]!.id },
      {
        __typename: 'ConductorOneConnector',
        appId: s.conductorOne.connectors[3]!.appId,
        id: s.conductorOne.connectors[3]!.id,
      },
      { __typename: 'AppAuthorization', arn: s.appFabric.appAuthorizations[4]!.appAuthorizationArn },
    ]);
    expect(res.body.errors).toBeUndefined();
    expect(list.map((e) => e.__typename)).toEqual([
      'ConnectorDestination',
      'CloudConnector',
      'ConnectorCredential',
      'ConductorOneApp',
      'ConductorOneConnector',
      'AppAuthorization',
    ]);
    expect(t.calls()).toEqual({
      iotManagedIntegrations: { GetConnectorDestination: 1, GetCloudConnector: 2 },
      conductorOne: { GetCredentials: 1, SearchApps: 1, GetConnector: 1 },
      appFabric: { GetAppAuthorization: 1 },
    });
  });

  it('fails the whole field as BAD_USER_INPUT for a representation of a type that is not an entity, without an upstream call', async () => {
    const cloudConnector = {
      __typename: 'CloudConnector',
      id: t.sandbox.seed.iotManagedIntegrations.cloudConnectors[0]!.Id,
    };
    const cases = [
      { typename: 'NoSuchType', quoted: '"NoSuchType"' },
      // A type of the schema that has no key: not an entity, whatever the representation holds.
      { typename: 'PageInfo', quoted: '"PageInfo"' },
      { typename: 'Query', quoted: '"Query"' },
      { typename: 'x'.repeat(5000), quoted: `"${'x'.repeat(100)}"` },
      { typename: 7, quoted: 'a number' },
    ];
    for (const { typename, quoted } of cases) {
      for (let run = 0; run < 3; run += 1) {
        // Runs 1 and 2 go through graphql-js and graphql-jit; run 3 through the hot path.
        const { res } = await entities([cloudConnector, { __typename: typename, id: 'x' }]);
        expect(res.body.data).toBeNull();
        expect(res.body.errors).toEqual([
          {
            message: `A representation's __typename must name an entity type of this subgraph; ${quoted} does not.`,
            path: ['_entities'],
            locations: expect.any(Array),
            extensions: { code: 'BAD_USER_INPUT', argumentPath: ['representations', '1', '__typename'] },
          },
        ]);
      }
    }
    expect(t.calls()).toEqual({ iotManagedIntegrations: {}, appFabric: {}, conductorOne: {} });
  });

  it('rejects malformed representation keys per entity, without calling upstream for them', async () => {
    const good = t.sandbox.seed.iotManagedIntegrations.connectorDestinations[0]!.Id;
    const { res, list } = await entities([
      { __typename: 'ConnectorDestination', id: 'has spaces/and slashes' },
      { __typename: 'ConnectorDestination', id: good },
      { __typename: 'AppAuthorization', arn: 'arn:aws:s3:::not-an-app-authorization' },
      { __typename: 'ConductorOneConnector', appId: '', id: 'conn-github' },
    ]);
    expect(list[0]).toBeNull();
    expect(list[1]).toMatchObject({ id: good });
    expect(list[2]).toBeNull();
    expect(list[3]).toBeNull();
    const codes = (res.body.errors ?? []).map((e) => [e.path?.join('.'), e.extensions?.['code']]).sort();
    expect(codes).toEqual([
      ['_entities.0', 'BAD_USER_INPUT'],
      ['_entities.2', 'BAD_USER_INPUT'],
      ['_entities.3', 'BAD_USER_INPUT'],
    ]);
    expect(t.calls()).toEqual({
      iotManagedIntegrations: { GetConnectorDestination: 1, GetCloudConnector: 1 },
      conductorOne: {},
      appFabric: {},
    });
  });

  it('checks an AppAuthorization key as the root field does: length, whitespace, unpaired surrogates; no upstream call', async () => {
    const real = t.sandbox.seed.appFabric.appAuthorizations[0]!.appAuthorizationArn!;
    const bundle = real.slice(0, real.indexOf('/appauthorization/'));
    const bad = [
      `${bundle}/appauthorization/\ud800`, // cannot be percent-encoded into a path
      `${bundle}/appauthorization/${'a'.repeat(1100)}`, // beyond AppFabric's 1,011 characters
      `${bundle}/appauthorization/has space`,
      `${bundle}/appauthorization/x y`, // two of one bundle would be read from its list
    ];
    for (const selection of ['arn status', 'arn persona']) {
      t.resetCalls();
      const res = await t.query(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on AppAuthorization { ${selection} } } }`,
        { r: [...bad, real].map((arn) => ({ __typename: 'AppAuthorization', arn })) },
      );
      const list = (res.body.data as any)._entities as unknown[];
      expect(list.slice(0, bad.length)).toEqual(bad.map(() => null));
      expect(list.at(-1)).toMatchObject({ arn: real });
      expect((res.body.errors ?? []).map((e) => [e.path?.join('.'), e.extensions?.['code']])).toEqual(
        bad.map((_, i) => [`_entities.${i}`, 'BAD_USER_INPUT']),
      );
      // Only the good key was read.
      expect(Object.values(t.calls()['appFabric']!).reduce((a, b) => a + b, 0)).toBe(1);
    }
  });

  it("fails only the keys of the app bundle whose list read failed, not the other bundle's", async () => {
    const byBundle = new Map<string, string[]>();
    for (const a of t.sandbox.seed.appFabric.appAuthorizations) {
      byBundle.set(a.appBundleArn!, [...(byBundle.get(a.appBundleArn!) ?? []), a.appAuthorizationArn!]);
    }
    const [first, second] = [...byBundle.values()].map((arns) => arns.slice(0, 2));
    const arns = [...first!, ...second!];
    // One bundle's ListAppAuthorizations (whichever arrives first) fails, and is not retried.
    t.sandbox.aws!.inject('ListAppAuthorizations', { kind: 'error', status: 409, type: 'ConflictException' });
    const res = await t.query(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on AppAuthorization { arn status } } }',
      { r: arns.map((arn) => ({ __typename: 'AppAuthorization', arn })) },
    );
    const list = (res.body.data as any)._entities as Array<{ arn: string } | null>;
    const failed = (res.body.errors ?? []).map((e) => Number(e.path![1]));
    expect(res.body.errors!.every((e) => e.extensions!['code'] === 'UPSTREAM_UNAVAILABLE')).toBe(true);
    // Exactly one bundle's two keys failed; the other bundle's two resolved.
    expect([
      [0, 1],
      [2, 3],
    ]).toContainEqual(failed.sort());
    for (const i of [0, 1, 2, 3].filter((i) => !failed.includes(i))) expect(list[i]).toMatchObject({ arn: arns[i] });
    t.sandbox.aws!.reset();
  });

  it('rejects key fields that are missing, null or not strings as BAD_USER_INPUT, on every path', async () => {
    const good = t.sandbox.seed.iotManagedIntegrations.connectorDestinations[0]!.Id;
    const representations = [
      { __typename: 'ConnectorDestination' },
      { __typename: 'ConnectorDestination', id: null },
      { __typename: 'ConnectorDestination', id: 42 },
      { __typename: 'CloudConnector', id: ['cc'] },
      { __typename: 'ConductorOneApp', id: 7 },
      { __typename: 'ConductorOneConnector', appId: 'app-github-enterprise' },
      { __typename: 'ConnectorCredential', appId: 'a', connectorId: { id: 'c' }, id: 'x' },
      { __typename: 'AppAuthorization', arn: 5 },
      { __typename: 'AppAuthorization' },
      { __typename: 'ConnectorDestination', id: good },
    ];
    for (let run = 0; run < 3; run += 1) {
      t.resetCalls();
      const { res, list } = await entities(representations);
      expect(list.slice(0, -1)).toEqual(Array(representations.length - 1).fill(null));
      expect(list.at(-1)).toMatchObject({ id: good });
      const errors = (res.body.errors ?? []).map((e) => [e.path?.join('.'), e.extensions?.['code']]);
      expect(errors).toEqual(representations.slice(0, -1).map((_, i) => [`_entities.${i}`, 'BAD_USER_INPUT'] as const));
      expect(t.calls()['conductorOne']).toEqual({});
      expect(t.calls()['appFabric']).toEqual({});
    }
  });
});
