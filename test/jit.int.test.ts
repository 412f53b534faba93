/**
 * The compiled executor answers every kind of operation exactly as graphql-js does: each query
 * below runs three times through the real server: the first on graphql-js, the next two compiled
 * (src/execution/jitGateway.ts). Status, data, errors (paths, codes, order) and upstream calls
 * must match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

// Cursors carry the upstream's page token, which differs per call; compare everything else.
const comparable = (text: string) =>
  JSON.parse(text, (key, value: unknown) => (key === 'cursor' || key === 'endCursor' ? '<cursor>' : value));

describe('the compiled executor', () => {
  const cases: Array<[string, () => [string, Record<string, unknown>?]]> = [
    [
      'a list with nested relations',
      () => [
        `{ connectorDestinations(first: 7) { edges { cursor node { id name authType authConfig { oAuth { authUrl } }
            cloudConnector { id name endpointType } } } pageInfo { hasNextPage endCursor } } }`,
      ],
    ],
    [
      '_entities of every type, with malformed and unknown keys among them',
      () => {
        const seed = t.sandbox.seed;
        const credential = seed.conductorOne.credentials[0]!;
        return [
          `query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename
            ... on ConnectorDestination { id name cloudConnector { name } }
            ... on CloudConnector { id cloudConnectorName: name }
            ... on ConnectorCredential { id credentialStatus: status app { displayName } connector { syncStatus } }
            ... on ConductorOneApp { id displayName }
            ... on ConductorOneConnector { id appId syncStatus }
            ... on AppAuthorization { arn authorizationStatus: status authType createdAt } } }`,
          {
            representations: [
              { __typename: 'ConnectorDestination', id: 'has spaces/and slashes' },
              { __typename: 'ConnectorDestination', id: seed.iotManagedIntegrations.connectorDestinations[1]!.Id },
              { __typename: 'ConnectorDestination', id: 'dest-missing' },
              { __typename: 'CloudConnector', id: seed.iotManagedIntegrations.cloudConnectors[0]!.Id },
              {
                __typename: 'ConnectorCredential',
                appId: credential.appId,
                connectorId: credential.connectorId,
                id: credential.id,
              },
              { __typename: 'ConductorOneApp', id: seed.conductorOne.apps[0]!.id },
              { __typename: 'ConductorOneConnector', appId: '', id: 'conn-github' },
              { __typename: 'AppAuthorization', arn: seed.appFabric.appAuthorizations[0]!.appAuthorizationArn },
              { __typename: 'AppAuthorization', arn: 'arn:aws:s3:::not-an-app-authorization' },
            ],
          },
        ];
      },
    ],
    [
      'a lookup with an invalid argument',
      () => ['query ($id: ID!) { connectorDestination(id: $id) { id } }', { id: 'no spaces allowed' }],
    ],
    [
      'a variable of the wrong type (HTTP 400)',
      () => ['query ($first: Int!) { connectorDestinations(first: $first) { nodes { id } } }', { first: 'ten' }],
    ],
    [
      'the mutation refused locally (userErrors)',
      () => [
        `mutation ($input: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $input) {
            appAuthorization { arn } userErrors { code message field } } }`,
        {
          input: {
            appBundleIdentifier: t.sandbox.seed.appFabric.appBundleArns[0],
            appAuthorizationIdentifier: t.sandbox.seed.appFabric.appAuthorizations[0]!.appAuthorizationArn,
            authRequest: { redirectUri: 'http://insecure.example.com/cb', code: 'abc' },
          },
        },
      ],
    ],
  ];

  it.each(cases)('%s', async (_name, build) => {
    const [query, variables] = build();
    const runs = [];
    for (let run = 0; run < 3; run += 1) {
      t.resetCalls();
      const res = await t.query(query, variables);
      runs.push({ status: res.status, body: comparable(res.text), calls: t.calls() });
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });
});
