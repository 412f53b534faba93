/**
 * Every way an operation can be executed answers the same. Each query below runs four times
 * through the real server: the first on graphql-js, the second compiled (src/execution/
 * jitGateway.ts), the third and fourth on the hot path (src/execution/hotPath.ts). Status, headers,
 * the body byte for byte (cursors aside), the upstream calls and the request log line must match.
 */
import {
  getNamedType,
  isAbstractType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLAbstractType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchema } from '../src/schema.ts';
import { DEFECT_QUERY, withConnectorDefect } from './helpers/injectedDefect.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ wrapAdapters: withConnectorDefect('planted-defect-detail-9b2d') });
});
afterAll(() => t?.close());

// Cursors carry the upstream's page token, which differs per call, and a federated trace its
// timings; compare everything else.
const comparable = (text: string) => text.replace(/"(cursor|endCursor|ftv1)":"[^"]*"/g, '"$1":"<varies>"');
const HEADERS = ['content-type', 'content-length', 'cache-control'];

interface Case {
  query: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** The request's `operationName`, when it sends one. */
  operationName?: string;
  /** Whether the third and later runs are served by the hot path. */
  hot: boolean;
  /** The answer must be complete: HTTP 200 and no error. */
  complete?: boolean;
}

/**
 * A selection of every field of a type that takes no required argument, nested objects down to
 * `depth`. The compiled executor returns enum and built-in scalar values as the resolvers give
 * them (src/execution/jitGateway.ts), so every leaf the subgraph can return is compared with
 * graphql-js's serialized output below.
 */
function everyField(schema: GraphQLSchema, type: GraphQLNamedType, depth: number, aliased = false): string {
  if (isAbstractType(type)) {
    const possible = schema
      .getPossibleTypes(type)
      .map((t) => `... on ${t.name} { ${everyField(schema, t, depth, true)} }`);
    return `__typename ${possible.join(' ')}`;
  }
  if (!isObjectType(type)) return '';
  const fields = Object.values(type.getFields()).filter((f) => !f.args.some((a) => isNonNullType(a.type)));
  return fields
    .map((field) => {
      const named = getNamedType(field.type);
      // Fragments on different types in one selection may not share a response key of another type.
      const key = aliased ? `${type.name}_${field.name}: ${field.name}` : field.name;
      if (isLeafType(named)) return key;
      return depth > 0 ? `${key} { ${everyField(schema, named, depth - 1)} }` : '';
    })
    .filter(Boolean)
    .join(' ');
}

/** A document of two operations (one is chosen by operationName). */
const SEVERAL = `query A { connectorDestination(id: "dest-lumen-eu") { id name } }
        query B { connectorDestination(id: "dest-lumen-eu") { id description } }`;

const cases: Array<[string, () => Case]> = [
  [
    'every field of every item of both lists',
    () => {
      const schema = createSchema();
      const connection = (name: string) => everyField(schema, schema.getType(name)!, 4);
      return {
        query: `query ($bundle: ID!) {
          connectorDestinations(first: 100) { ${connection('ConnectorDestinationConnection')} }
          appAuthorizations(appBundleIdentifier: $bundle, first: 100) { ${connection('AppAuthorizationConnection')} } }`,
        variables: { bundle: t.sandbox.seed.appFabric.appBundleArns[0] },
        hot: true,
        complete: true,
      };
    },
  ],
  [
    'every field of every entity of the sandbox, of every type',
    () => {
      const schema = createSchema();
      const { iotManagedIntegrations: iot, conductorOne, appFabric } = t.sandbox.seed;
      // The federation `_Entity` union: every entity type, each field aliased by its type.
      const entity = schema.getType('_Entity')!;
      const representations = [
        ...iot.connectorDestinations.map((d) => ({ __typename: 'ConnectorDestination', id: d.Id })),
        ...iot.cloudConnectors.map((c) => ({ __typename: 'CloudConnector', id: c.Id })),
        ...conductorOne.credentials.map(({ appId, connectorId, id }) => ({
          __typename: 'ConnectorCredential',
          appId,
          connectorId,
          id,
        })),
        ...conductorOne.apps.map((a) => ({ __typename: 'ConductorOneApp', id: a.id })),
        ...conductorOne.connectors.map((c) => ({ __typename: 'ConductorOneConnector', appId: c.appId, id: c.id })),
        ...appFabric.appAuthorizations.map((a) => ({ __typename: 'AppAuthorization', arn: a.appAuthorizationArn })),
      ];
      // A new entity type fails here until the sandbox's items of it are added above.
      expect(new Set(representations.map((r) => r.__typename))).toEqual(
        new Set(schema.getPossibleTypes(entity as GraphQLAbstractType).map((type) => type.name)),
      );
      return {
        query: `query ($representations: [_Any!]!) { _entities(representations: $representations) {
          ${everyField(schema, entity, 3)} } }`,
        variables: { representations },
        hot: true,
        complete: true,
      };
    },
  ],
  [
    'a list with nested relations',
    () => ({
      query: `{ connectorDestinations(first: 7) { edges { cursor node { id name authType authConfig { oAuth { authUrl } }
          cloudConnector { id name endpointType } } } pageInfo { hasNextPage endCursor } } }`,
      hot: true,
    }),
  ],
  [
    '_entities of every type, with malformed and unknown keys among them',
    () => {
      const seed = t.sandbox.seed;
      const credential = seed.conductorOne.credentials[0]!;
      return {
        query: `query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename
          ... on ConnectorDestination { id name cloudConnector { name } }
          ... on CloudConnector { id cloudConnectorName: name }
          ... on ConnectorCredential { id credentialStatus: status app { displayName } connector { syncStatus } }
          ... on ConductorOneApp { id displayName }
          ... on ConductorOneConnector { id appId syncStatus }
          ... on AppAuthorization { arn authorizationStatus: status authType createdAt } } }`,
        variables: {
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
        hot: true,
      };
    },
  ],
  [
    '_entities with a representation of a type that is not an entity (BAD_USER_INPUT failing the whole field)',
    () => ({
      query: `query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename
        ... on CloudConnector { id } } }`,
      variables: {
        representations: [
          { __typename: 'CloudConnector', id: t.sandbox.seed.iotManagedIntegrations.cloudConnectors[0]!.Id },
          { __typename: 'NoSuchType', id: 'x' },
        ],
      },
      hot: true,
    }),
  ],
  ['an unexpected error (a defect in an adapter) at one entity', () => ({ ...DEFECT_QUERY, hot: true })],
  [
    // As a router's query plan sends it: the client's definitions, defaults included, and only the
    // variables the client sent. graphql-jit alone refuses an omitted required variable.
    'omitted required variables with defaults (Boolean!, Int!, ID!) in _entities and a list',
    () => {
      const seed = t.sandbox.seed.iotManagedIntegrations;
      return {
        query: `query ($representations: [_Any!]!, $detail: Boolean! = false, $brief: Boolean! = true, $first: Int! = 2, $id: ID! = "${seed.connectorDestinations[1]!.Id}") {
          _entities(representations: $representations) { ... on ConnectorDestination { id name authType @include(if: $detail) description @skip(if: $brief) } }
          connectorDestinations(first: $first) { nodes { id } }
          connectorDestination(id: $id) { id }
        }`,
        variables: { representations: [{ __typename: 'ConnectorDestination', id: seed.connectorDestinations[0]!.Id }] },
        hot: true,
        complete: true,
      };
    },
  ],
  [
    // Apollo Router's fixed header: Apollo answers it with application/json, as the hot path does.
    "a router's Accept header (application/json, application/graphql-response+json)",
    () => ({
      query: 'query ($id: ID!) { connectorDestination(id: $id) { id name } }',
      variables: { id: t.sandbox.seed.iotManagedIntegrations.connectorDestinations[0]!.Id },
      headers: { accept: 'application/json, application/graphql-response+json' },
      hot: true,
      complete: true,
    }),
  ],
  [
    'a lookup with an invalid argument (BAD_USER_INPUT at the field)',
    () => ({
      query: 'query ($id: ID!) { connectorDestination(id: $id) { id } }',
      variables: { id: 'no spaces' },
      hot: true,
    }),
  ],
  [
    'a named operation of several',
    () => ({
      query: SEVERAL,
      operationName: 'B',
      variables: {},
      headers: {},
      hot: true,
    }),
  ],
  [
    "a document's only operation, named, sent without operationName (as simple clients send it)",
    () => ({
      query: 'query OnlyOne { connectorDestination(id: "dest-lumen-eu") { id description } }',
      complete: true,
      hot: true,
    }),
  ],
  [
    'the operations of several sent without operationName (HTTP 400, answered by Apollo, never hot)',
    () => ({ query: SEVERAL, hot: false }),
  ],
  [
    'an operation name the document does not have (HTTP 400, answered by Apollo, never hot)',
    () => ({ query: SEVERAL, operationName: 'C', hot: false }),
  ],
  [
    "an operation name other than the document's only operation's (HTTP 400, never run)",
    () => ({ query: 'query A { connectorDestination(id: "dest-lumen-eu") { id } }', operationName: 'C', hot: false }),
  ],
  [
    'a variable of the wrong type (HTTP 400, answered by Apollo)',
    () => ({
      query: 'query ($first: Int!) { connectorDestinations(first: $first) { nodes { id } } }',
      variables: { first: 'ten' },
      hot: false,
    }),
  ],
  [
    'an operation over the cost limit (answered by Apollo)',
    () => ({
      query: 'query ($first: Int!) { connectorDestinations(first: $first) { nodes { id cloudConnector { id } } } }',
      variables: { first: 1_000_000 },
      hot: false,
    }),
  ],
  [
    'a request asking for a federated trace (answered by Apollo)',
    () => ({
      query: '{ connectorDestination(id: "dest-lumen-eu") { id } }',
      headers: { 'apollo-federation-include-trace': 'ftv1' },
      hot: false,
    }),
  ],
  [
    'a request accepting application/graphql-response+json (answered by Apollo)',
    () => ({
      query: '{ connectorDestination(id: "dest-lumen-eu") { name } }',
      headers: { accept: 'application/graphql-response+json' },
      hot: false,
    }),
  ],
  [
    '@skip with its variable given null (graphql-js: a field error; run on graphql-js every time)',
    () => ({
      query: 'query ($s: Boolean = false) { connectorDestination(id: "dest-lumen-eu") { id name @skip(if: $s) } }',
      variables: { s: null },
      hot: false,
    }),
  ],
  [
    'the same operation with its @skip variable given a value (compiled, then hot)',
    () => ({
      query: 'query ($s: Boolean = false) { connectorDestination(id: "dest-lumen-eu") { id  name @skip(if: $s) } }',
      variables: { s: true },
      complete: true,
      hot: true,
    }),
  ],
  [
    '@include on a root field with its variable given null',
    () => ({
      query:
        'query ($i: Boolean = true) { connectorDestination(id: "dest-lumen-eu") @include(if: $i) { id } x: __typename }',
      variables: { i: null },
      hot: false,
    }),
  ],
  [
    'a variable inside an _entities representation written inline (never compiled)',
    () => ({
      query: `query ($id: ID!) { _entities(representations: [{__typename: "CloudConnector", id: $id}]) {
          __typename ... on CloudConnector { id name } } }`,
      variables: { id: 'cc-thermia-climate' },
      complete: true,
      hot: false,
    }),
  ],
  [
    'a variable given null inside an input literal, where null is not allowed (the error where graphql-js puts it)',
    () => ({
      query: `mutation ($c: String = "abc") { connectAppAuthorization(input: {appBundleIdentifier: "x",
          appAuthorizationIdentifier: "y", authRequest: {redirectUri: "https://a.example/cb", code: $c}}) {
          userErrors { code field } } }`,
      variables: { c: null },
      hot: false,
    }),
  ],
  [
    'the mutation refused locally (userErrors)',
    () => ({
      query: `mutation ($input: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $input) {
          appAuthorization { arn } userErrors { code message field } } }`,
      variables: {
        input: {
          appBundleIdentifier: t.sandbox.seed.appFabric.appBundleArns[0],
          appAuthorizationIdentifier: t.sandbox.seed.appFabric.appAuthorizations[0]!.appAuthorizationArn,
          authRequest: { redirectUri: 'http://insecure.example.com/cb', code: 'abc' },
        },
      },
      hot: true,
    }),
  ],
];

async function send({ query, variables, headers = {}, operationName }: Case) {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables, ...(operationName ? { operationName } : {}) }),
  });
  const traced = headers['apollo-federation-include-trace'] !== undefined;
  return {
    status: res.status,
    headers: HEADERS.filter((h) => !(traced && h === 'content-length')).map((h) => [h, res.headers.get(h)]),
    text: await res.text(),
  };
}

describe('graphql-js, the compiled executor and the hot path', () => {
  it.each(cases)('%s', async (_name, build) => {
    const c = build();
    const runs = [];
    for (let run = 0; run < 4; run += 1) {
      t.resetCalls();
      const logsBefore = t.logs.length;
      const res = await send(c);
      const line = t.logs
        .slice(logsBefore)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l['msg'] === 'graphql request');
      expect(line, 'a request log line').toBeDefined();
      const { hot, durationMs, time, requestId, ...logged } = line!;
      expect(typeof durationMs).toBe('number');
      expect(typeof requestId).toBe('string');
      void time;
      if (c.complete) expect([res.status, JSON.parse(res.text).errors]).toEqual([200, undefined]);
      expect(hot ?? false, `run ${run + 1} on the hot path`).toBe(c.hot && run >= 2);
      runs.push({ status: res.status, headers: res.headers, body: comparable(res.text), calls: t.calls(), logged });
    }
    for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
  });

  it('answers an unknown operation name with OPERATION_RESOLUTION_FAILURE every time, and runs nothing', async () => {
    const query = 'query A { connectorDestination(id: "dest-lumen-eu") { id } }';
    for (let run = 0; run < 4; run += 1) {
      t.resetCalls();
      const res = await send({ query, operationName: 'C', hot: false });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toEqual({
        errors: [{ message: 'Unknown operation named "C".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }],
      });
      expect(Object.values(t.calls()).flatMap((byOperation) => Object.keys(byOperation))).toEqual([]);
    }
  });

  it('keeps no hot operation when turned off', async () => {
    const off = await startTestServer({ hotPath: false });
    try {
      const logsBefore = off.logs.length;
      for (let run = 0; run < 4; run += 1) {
        const res = await off.query('{ connectorDestination(id: "dest-lumen-eu") { id } }');
        expect(res.status).toBe(200);
      }
      const lines = off.logs
        .slice(logsBefore)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['msg'] === 'graphql request');
      expect(lines).toHaveLength(4);
      expect(lines.some((l) => l['hot'])).toBe(false);
    } finally {
      await off.close();
    }
  });
});
