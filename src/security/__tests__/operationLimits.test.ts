import { ApolloServer, HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import {
  buildSchema,
  getOperationAST,
  getVariableValues,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createFormatError } from '../../apollo.ts';
import { createSchema } from '../../schema.ts';
import { coerceVariables, createCostEstimator, shapeOf } from '../cost.ts';
import {
  costLimitPlugin,
  countTokens,
  DEFAULT_OPERATION_LIMITS,
  documentDirectives,
  limitParseOptions,
  limitValidationRules,
  measureOperation,
  operationAliases,
  operationCost,
  operationDepth,
  type OperationLimits,
} from '../operationLimits.ts';

// ---------------------------------------------------------------------------------------------
// Operations a router legitimately sends this subgraph.

const CLOUD_CONNECTOR_FIELDS = 'id name description type endpointType lambdaArn';
const DESTINATION_FIELDS = `
  id name description cloudConnectorId
  cloudConnector { ${CLOUD_CONNECTOR_FIELDS} }
  authType
  authConfig {
    oAuth {
      authUrl tokenUrl scope tokenEndpointAuthenticationScheme oAuthCompleteRedirectUrl
      proactiveRefreshTokenRenewal { enabled daysBeforeRenewal }
    }
    generalAuthorization { authMaterialName secretsManager { arn versionId } }
  }
  secretsManager { arn versionId }
  oAuthCompleteRedirectUrl`;
const APP_FIELDS = 'id displayName description iconUrl';
const CONNECTOR_FIELDS = 'id appId displayName description syncStatus syncLastError syncCompletedAt';
const CREDENTIAL_FIELDS = `
  id appId connectorId clientId displayName createdAt updatedAt deletedAt expiresTime lastUsedAt status
  app { ${APP_FIELDS} }
  connector { ${CONNECTOR_FIELDS} }`;

/**
 * A router's entity fetch: every field of every entity type, nested relations included. Fields of
 * one response name with conflicting types across the `_Entity` members are aliased, as the query
 * planner does (`<field>__alias_<n>`): 5 router-inserted aliases.
 */
const ENTITIES_QUERY = `query Router__connector_auth__1($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on ConnectorDestination { __typename ${DESTINATION_FIELDS} }
    ... on CloudConnector { __typename id name__alias_0: name description type endpointType lambdaArn }
    ... on ConnectorCredential { __typename ${CREDENTIAL_FIELDS} }
    ... on ConductorOneApp { __typename ${APP_FIELDS} }
    ... on ConductorOneConnector { __typename ${CONNECTOR_FIELDS} }
    ... on AppAuthorization {
      __typename arn appBundleArn app__alias_1: app tenant { tenantIdentifier tenantDisplayName }
      status__alias_2: status authType__alias_3: authType authUrl persona createdAt updatedAt__alias_4: updatedAt
    }
  }
}`;

const hundredRepresentations = Array.from({ length: 100 }, (_, i) => ({
  __typename: 'ConnectorDestination',
  id: `dest-${i}`,
}));

/** A full page of destinations with both `edges` and `nodes`. */
const CONNECTION_QUERY = `query Router__connector_auth__0 {
  connectorDestinations(first: 100) {
    edges { cursor node { ${DESTINATION_FIELDS} } }
    nodes { ${DESTINATION_FIELDS} }
    pageInfo { hasNextPage endCursor }
  }
}`;

const APP_AUTHORIZATION_FIELDS = `
  arn appBundleArn app tenant { tenantIdentifier tenantDisplayName } status authType authUrl persona createdAt updatedAt`;

/** One fetch with every root field, everything selected, both connections at 100. */
const ALL_ROOTS_QUERY = `query Router__connector_auth__2($id: ID!, $bundle: ID!, $app: ID!, $connector: ID!, $auth: ID!) {
  connectorDestinations(first: 100) {
    edges { cursor node { ${DESTINATION_FIELDS} } }
    nodes { ${DESTINATION_FIELDS} }
    pageInfo { hasNextPage endCursor }
  }
  connectorDestination(id: $id) { ${DESTINATION_FIELDS} }
  connectorCredential(appId: $app, connectorId: $connector, id: $auth) { ${CREDENTIAL_FIELDS} }
  appAuthorization(appBundleIdentifier: $bundle, appAuthorizationIdentifier: $auth) { ${APP_AUTHORIZATION_FIELDS} }
  appAuthorizations(appBundleIdentifier: $bundle, first: 100) {
    edges { cursor node { ${APP_AUTHORIZATION_FIELDS} } }
    nodes { ${APP_AUTHORIZATION_FIELDS} }
    pageInfo { hasNextPage endCursor }
  }
}`;
const allRootsVariables = { id: 'd', bundle: 'b', app: 'a', connector: 'c', auth: 'x' };

// ---------------------------------------------------------------------------------------------
// Abusive operations.

const repeat = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join('\n');

const ALIAS_BOMB = `{ ${repeat(200, (i) => `a${i}: connectorDestinations { nodes { id } }`)} }`;
const DIRECTIVE_BOMB = `{ connectorDestination(id: "d") { ${repeat(100, () => 'id @include(if: true)')} } }`;
const TOKEN_BOMB = `{ connectorDestination(id: "d") { ${repeat(20_000, () => 'id')} } }`;
const COST_BOMB = `{ ${repeat(50, (i) => `c${i}: connectorDestinations(first: 100) { nodes { cloudConnector { id name } } }`)} }`;

/** 20 nested `authConfig { oAuth { ... } }`: not a legal path in this (acyclic) schema. */
const ILLEGAL_DEEP_NESTING = `{ connectorDestination(id: "d") { ${'authConfig { oAuth { '.repeat(10)} authUrl ${'} } '.repeat(10)} } }`;

/** A recursive schema, the only way to write a legal depth-20 operation (this schema has no cycle). */
const RECURSIVE_SDL = `
  type Query { node(id: ID!): Node }
  type Node { id: ID! parent: Node children(first: Int = 10): [Node!]! }
`;
/** Depth 21 through a chain of 20 named fragments, each adding one level. */
const FRAGMENT_CHAIN = `query Chain { node(id: "n") { ...F1 } }
${repeat(20, (i) => `fragment F${i + 1} on Node { id ${i + 1 < 20 ? `parent { ...F${i + 2} }` : ''} }`)}`;
/** Depth 21 through nested inline fragments, each with one field level. */
const INLINE_CHAIN = `{ node(id: "n") { ${'... on Node { parent { '.repeat(19)} id ${'} } '.repeat(19)} } }`;

// ---------------------------------------------------------------------------------------------
// A real Apollo Server with the limits. A stand-in `responseForOperation` answers every operation
// that passes, so no resolver (and no upstream) is involved, and it counts the operations that
// reached execution: a rejected operation must never get there.

const silent = (): void => undefined;
const silentLogger = { debug: silent, info: silent, warn: silent, error: silent };

interface Harness {
  server: ApolloServer;
  reachedExecution: () => number;
}

function harness(
  schema: GraphQLSchema,
  limits: OperationLimits = DEFAULT_OPERATION_LIMITS,
  options: { validationRules?: boolean; plugin?: boolean; formatError?: boolean } = {},
): Harness {
  let reached = 0;
  const standIn: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async responseForOperation() {
          reached += 1;
          return {
            http: { status: 200, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: { data: { ok: true } } },
          };
        },
      };
    },
  };
  const server = new ApolloServer({
    schema,
    parseOptions: limitParseOptions(limits),
    ...(options.validationRules === false ? {} : { validationRules: limitValidationRules(limits) }),
    plugins: [...(options.plugin === false ? [] : [costLimitPlugin(schema, limits)]), standIn],
    includeStacktraceInErrorResponses: false,
    logger: silentLogger,
    ...(options.formatError ? { formatError: createFormatError(false) } : {}),
  });
  return { server, reachedExecution: () => reached };
}

function errorsOf(response: GraphQLResponse): readonly { message: string; extensions?: Record<string, unknown> }[] {
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult.errors ?? [];
}

async function expectRejected(h: Harness, query: string, limit: string, variables?: Record<string, unknown>) {
  const before = h.reachedExecution();
  const response = await h.server.executeOperation({ query, ...(variables ? { variables } : {}) });
  expect(response.http.status).toBe(400);
  const errors = errorsOf(response);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ extensions: { code: 'REQUEST_LIMIT_EXCEEDED' } });
  expect(errors[0]!.message).toContain(`(limit: ${limit})`);
  expect(errors[0]!.message).not.toMatch(/\d/); // neither the limit nor the measured value
  expect(errors[0]).not.toHaveProperty('locations');
  expect(h.reachedExecution()).toBe(before);
  return errors[0]!;
}

async function expectAccepted(h: Harness, query: string, variables?: Record<string, unknown>) {
  const before = h.reachedExecution();
  const response = await h.server.executeOperation({ query, ...(variables ? { variables } : {}) });
  expect(errorsOf(response)).toEqual([]);
  expect(response.http.status ?? 200).toBe(200);
  expect(h.reachedExecution()).toBe(before + 1);
}

const measure = (schema: GraphQLSchema, query: string, variables?: Record<string, unknown>) =>
  measureOperation(schema, parse(query), null, variables ?? null);

let schema: GraphQLSchema;
let recursiveSchema: GraphQLSchema;
beforeAll(() => {
  schema = createSchema();
  recursiveSchema = buildSchema(RECURSIVE_SDL);
});

describe('the largest legitimate router operations', () => {
  it('measure well under the defaults', () => {
    const entities = measure(schema, ENTITIES_QUERY, { representations: hundredRepresentations });
    expect(entities).toEqual({ depth: 5, aliases: 5, directives: 0, cost: 3000 });
    expect(countTokens(ENTITIES_QUERY)).toBe(173);

    const connection = measure(schema, CONNECTION_QUERY);
    expect(connection).toEqual({ depth: 7, aliases: 0, directives: 0, cost: 6102 });
    expect(countTokens(CONNECTION_QUERY)).toBe(117);

    // + connectorDestination 30, connectorCredential 11, appAuthorization 2, appAuthorizations 502
    const allRoots = measure(schema, ALL_ROOTS_QUERY, allRootsVariables);
    expect(allRoots).toEqual({ depth: 7, aliases: 0, directives: 0, cost: 6647 });
    expect(countTokens(ALL_ROOTS_QUERY)).toBe(325);
  });

  it('pass through Apollo Server with the default limits', async () => {
    const h = harness(schema);
    await expectAccepted(h, ENTITIES_QUERY, { representations: hundredRepresentations });
    await expectAccepted(h, CONNECTION_QUERY);
    await expectAccepted(h, ALL_ROOTS_QUERY, allRootsVariables);
  });
});

describe('rejections with the default limits', () => {
  for (const withValidationRules of [true, false]) {
    describe(withValidationRules ? 'validation rules and plugin' : 'plugin only', () => {
      let h: Harness;
      beforeAll(() => {
        h = harness(schema, DEFAULT_OPERATION_LIMITS, { validationRules: withValidationRules });
      });

      it('rejects 200 aliased copies of a root field (aliases)', async () => {
        await expectRejected(h, ALIAS_BOMB, 'aliases');
      });

      it('rejects 100 @include directives (directives)', async () => {
        await expectRejected(h, DIRECTIVE_BOMB, 'directives');
      });

      it('rejects a document of 20 000 tokens (tokens), naming the token limit', async () => {
        const error = await expectRejected(h, TOKEN_BOMB, 'tokens');
        expect(error.message).toContain('token limit');
      });

      it('rejects 50 aliased full pages of destinations with their cloud connectors (cost)', async () => {
        expect(operationAliases(parse(COST_BOMB), parse(COST_BOMB).definitions[0] as never)).toBe(50);
        expect(operationCost(schema, parse(COST_BOMB), null, null)).toBe(50 * (1 + 100 * (1 + 5)));
        await expectRejected(h, COST_BOMB, 'cost');
      });
    });
  }

  it('rejects depth 21 through a chain of named fragments and through nested inline fragments', async () => {
    for (const query of [FRAGMENT_CHAIN, INLINE_CHAIN]) {
      expect(measure(recursiveSchema, query)?.depth).toBe(21);
      for (const validationRules of [true, false]) {
        await expectRejected(harness(recursiveSchema, DEFAULT_OPERATION_LIMITS, { validationRules }), query, 'depth');
      }
    }
  });

  it('rejects 20 nested authConfig { oAuth } levels (illegal here: the schema is acyclic)', async () => {
    expect(operationDepth(parse(ILLEGAL_DEEP_NESTING), parse(ILLEGAL_DEEP_NESTING).definitions[0] as never)).toBe(22);
    const response = await harness(schema).server.executeOperation({ query: ILLEGAL_DEEP_NESTING });
    expect(response.http.status).toBe(400);
    const errors = errorsOf(response);
    // Standard validation rejects the unknown fields; the depth rule reports alongside with our code.
    expect(errors.some((e) => e.extensions?.['code'] === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(errors.filter((e) => e.extensions?.['code'] === 'REQUEST_LIMIT_EXCEEDED')).toEqual([
      expect.objectContaining({ message: 'The operation is too deep (limit: depth).' }),
    ]);
  });

  it('answers HTTP 400 on the HTTP path too, for a parse-time and a plugin-time rejection', async () => {
    const { server } = harness(schema);
    await server.start();
    try {
      for (const [query, message] of [
        [TOKEN_BOMB, 'The document exceeds the token limit (limit: tokens).'],
        [COST_BOMB, 'The operation is too expensive (limit: cost).'],
      ] as const) {
        const response = await server.executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            method: 'POST',
            headers: new HeaderMap([['content-type', 'application/json']]),
            search: '',
            body: { query },
          },
          context: async () => ({}),
        });
        expect(response.status).toBe(400);
        if (response.body.kind !== 'complete') throw new Error('expected a complete body');
        expect(JSON.parse(response.body.string)).toEqual({
          errors: [{ message, extensions: { code: 'REQUEST_LIMIT_EXCEEDED' } }],
        });
      }
    } finally {
      await server.stop();
    }
  });

  it("keeps the message and code through the project's formatError", async () => {
    const h = harness(schema, DEFAULT_OPERATION_LIMITS, { formatError: true });
    for (const [query, limit] of [
      [ALIAS_BOMB, 'aliases'],
      [TOKEN_BOMB, 'tokens'],
      [COST_BOMB, 'cost'],
    ] as const) {
      const error = await expectRejected(h, query, limit);
      expect(error.extensions).toEqual({ code: 'REQUEST_LIMIT_EXCEEDED' });
    }
  });

  it('accepts each limit exactly at its value and rejects one above', async () => {
    const limited = (limits: Partial<OperationLimits>) => harness(schema, { ...DEFAULT_OPERATION_LIMITS, ...limits });

    const depth = limited({ maxDepth: 3 });
    await expectAccepted(depth, '{ connectorDestinations { nodes { id } } }');
    await expectRejected(depth, '{ connectorDestinations { nodes { cloudConnector { id } } } }', 'depth');

    const aliases = limited({ maxAliases: 2 });
    await expectAccepted(
      aliases,
      '{ a: connectorDestination(id: "x") { id } b: connectorDestination(id: "y") { id } }',
    );
    await expectRejected(
      aliases,
      '{ a: connectorDestination(id: "x") { i: id } b: connectorDestination(id: "y") { id } }',
      'aliases',
    );

    const directives = limited({ maxDirectives: 2 });
    await expectAccepted(
      directives,
      '{ connectorDestination(id: "x") { id @include(if: true) name @skip(if: false) } }',
    );
    await expectRejected(
      directives,
      '{ connectorDestination(id: "x") { id @include(if: true) name @skip(if: false) description @include(if: true) } }',
      'directives',
    );

    // `{ connectorDestination ( id : "x" ) {` `}` `}` is 10 tokens, plus one per field
    const tokens = limited({ maxTokens: 30 });
    const fields = (n: number) => `{ connectorDestination(id: "x") { ${'id '.repeat(n)}} }`;
    expect(countTokens(fields(20))).toBe(30);
    await expectAccepted(tokens, fields(20));
    await expectRejected(tokens, fields(21), 'tokens');

    // 61 = 1 + 10 * (1 + 5)
    const cost = limited({ maxCost: 61 });
    await expectAccepted(cost, '{ connectorDestinations(first: 10) { nodes { cloudConnector { id } } } }');
    await expectRejected(cost, '{ connectorDestinations(first: 11) { nodes { cloudConnector { id } } } }', 'cost');
  });

  it('uses the variables for the cost: first and representations', async () => {
    const limits: OperationLimits = { ...DEFAULT_OPERATION_LIMITS, maxCost: 33 };
    const h = harness(schema, limits);
    const page = 'query($n: Int) { connectorDestinations(first: $n) { nodes { id } } }';
    await expectAccepted(h, page, { n: 32 }); // 1 + 32
    await expectRejected(h, page, 'cost', { n: 33 });
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ConnectorCredential { app { id } connector { id } } } }`;
    const representation = { __typename: 'ConnectorCredential', appId: 'a', connectorId: 'c', id: 'i' };
    await expectAccepted(h, entities, { r: [representation, representation, representation] }); // 3 * 11
    await expectRejected(h, entities, 'cost', { r: [representation, representation, representation, representation] });
  });
});

describe('what Apollo Server does with limit errors without the plugin', () => {
  it('answers 400 but overwrites the validation error code with GRAPHQL_VALIDATION_FAILED', async () => {
    const { server } = harness(schema, DEFAULT_OPERATION_LIMITS, { plugin: false });
    const response = await server.executeOperation({ query: ALIAS_BOMB });
    expect(response.http.status).toBe(400);
    expect(errorsOf(response)).toEqual([
      {
        message: 'The operation uses too many aliases (limit: aliases).',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
  });

  it("answers 400 GRAPHQL_PARSE_FAILED with graphql-js's message, which names the token limit's value", async () => {
    const { server } = harness(schema, DEFAULT_OPERATION_LIMITS, { plugin: false });
    const response = await server.executeOperation({ query: TOKEN_BOMB });
    expect(response.http.status).toBe(400);
    expect(errorsOf(response)).toEqual([
      expect.objectContaining({
        message: 'Syntax Error: Document contains more that 2000 tokens. Parsing aborted.',
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      }),
    ]);
  });
});

describe('limitValidationRules with graphql-js validate', () => {
  const limits: OperationLimits = {
    maxDepth: 2,
    maxAliases: 1,
    maxDirectives: 1,
    maxTokens: 1000,
    maxCost: 1000,
    maxLength: 65536,
  };

  it('reports each limit once, with our code and without numbers', () => {
    const document = parse(`query A {
      connectorDestinations { nodes { authConfig { oAuth { authUrl } } } }
      a: connectorDestination(id: "x") @include(if: true) { b: id @skip(if: false) }
    }`);
    const errors = validate(schema, document, limitValidationRules(limits));
    expect(errors.map((e) => [e.message, e.extensions['code']])).toEqual([
      ['The operation uses too many directives (limit: directives).', 'REQUEST_LIMIT_EXCEEDED'],
      ['The operation is too deep (limit: depth).', 'REQUEST_LIMIT_EXCEEDED'],
      ['The operation uses too many aliases (limit: aliases).', 'REQUEST_LIMIT_EXCEEDED'],
    ]);
  });

  it('terminates on fragment cycles, which NoFragmentCyclesRule reports', () => {
    const document = parse(`
      query Q { connectorDestination(id: "x") { ...A } }
      fragment A on ConnectorDestination { id ...B }
      fragment B on ConnectorDestination { name ...A }`);
    const operation = document.definitions[0] as never;
    expect(operationDepth(document, operation)).toBe(2);
    expect(operationAliases(document, operation)).toBe(0);
    const errors = validate(schema, document, [...specifiedRules, ...limitValidationRules(limits)]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('Cannot spread fragment "A" within itself')]);
  });
});

describe('measures follow fragments', () => {
  const op = (document: ReturnType<typeof parse>) => document.definitions[0] as never;

  it('depth: named and inline fragments add no level; __typename and introspection are ignored', () => {
    const document = parse(`query Q {
      connectorDestination(id: "x") { ...D ... on ConnectorDestination { authConfig { ...G } } }
      __schema { types { fields { type { ofType { ofType { name } } } } } }
      __type(name: "Query") { name }
    }
    fragment D on ConnectorDestination { id __typename }
    fragment G on ConnectorDestinationAuthConfig { generalAuthorization { secretsManager { arn __typename } } }`);
    expect(operationDepth(document, op(document))).toBe(5);
  });

  it('aliases: counted at every spread of a fragment, __typename aliases included', () => {
    const document = parse(`query Q {
      x: connectorDestination(id: "x") { ...F t: __typename }
      y: connectorDestination(id: "y") { ...F ... on ConnectorDestination { n2: name } }
    }
    fragment F on ConnectorDestination { i: id n: name tn: __typename }`);
    // x, y, i+n+tn and t (in x), i+n+tn (in y), n2
    expect(operationAliases(document, op(document))).toBe(10);
    // Unaliased, as clients and planners select it: not counted.
    const plain = parse('{ connectorDestination(id: "x") { __typename id } __typename }');
    expect(operationAliases(plain, op(plain))).toBe(0);
  });

  it('directives: every use in the document, fragments included', () => {
    const document = parse(`query Q($s: Boolean = false) {
      connectorDestination(id: "x") @skip(if: $s) { ...F @include(if: true) }
    }
    fragment F on ConnectorDestination { id @skip(if: false) }`);
    expect(documentDirectives(document)).toBe(3);
  });
});

describe('operationCost arithmetic', () => {
  const cost = (query: string, variables?: Record<string, unknown>) =>
    operationCost(schema, parse(query), null, variables ?? null);

  it('a connection with first: 10 and a @cost(weight: 5) relation', () => {
    // connection 1 + nodes 10 * (destination 1 + cloudConnector 5); scalars 0
    expect(cost('{ connectorDestinations(first: 10) { nodes { id name cloudConnector { id name } } } }')).toBe(61);
    // edges 10 * (edge 1 + node 1 + cloudConnector 5) + nodes 10 * (1 + 5) + pageInfo 1
    expect(
      cost(`{ connectorDestinations(first: 10) {
        edges { cursor node { cloudConnector { id } } } nodes { cloudConnector { id } } pageInfo { hasNextPage } } }`),
    ).toBe(1 + 70 + 60 + 1);
    // first absent: the argument's schema default, 25
    expect(cost('{ connectorDestinations { nodes { id } } }')).toBe(1 + 25);
    // first from a variable, and from the variable's default
    expect(cost('query($n: Int) { connectorDestinations(first: $n) { nodes { id } } }', { n: 3 })).toBe(1 + 3);
    expect(cost('query($n: Int = 4) { connectorDestinations(first: $n) { nodes { id } } }')).toBe(1 + 4);
  });

  it('_entities with 3 representations, from the variables or a literal', () => {
    const selection = '{ ... on ConnectorCredential { id app { id } connector { id } } }';
    const representation = { __typename: 'ConnectorCredential', appId: 'a', connectorId: 'c', id: 'i' };
    // 3 * (_Entity 1 + app 5 + connector 5)
    expect(
      cost(`query($r: [_Any!]!) { _entities(representations: $r) ${selection} }`, {
        r: [representation, representation, representation],
      }),
    ).toBe(33);
    const literal = '{ __typename: "ConnectorCredential", appId: "a", connectorId: "c", id: "i" }';
    expect(cost(`{ _entities(representations: [${literal}, ${literal}, ${literal}]) ${selection} }`)).toBe(33);
  });

  it('an abstract type costs its most expensive possible type, once per element', () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on ConnectorDestination { cloudConnector { id } }
      ... on ConnectorCredential { app { id } connector { id } }
    } }`;
    // max(cloudConnector 5, app 5 + connector 5) = 10, plus _Entity 1, times 2
    expect(cost(query, { r: [{}, {}] })).toBe(22);
  });

  it('follows named and inline fragments, merges repeated fields and applies @skip/@include', () => {
    expect(
      cost(`{ connectorDestinations(first: 10) { nodes { ...D ... on ConnectorDestination { cloudConnector { name } } } } }
        fragment D on ConnectorDestination { cloudConnector { id } }`),
    ).toBe(61); // cloudConnector selected twice is resolved once
    expect(cost('{ connectorDestinations(first: 10) { nodes { cloudConnector @skip(if: true) { id } } } }')).toBe(11);
    expect(
      cost(
        'query($c: Boolean!) { connectorDestinations(first: 10) { nodes { cloudConnector @include(if: $c) { id } } } }',
        {
          c: false,
        },
      ),
    ).toBe(11);
    // aliases are separate response keys: each costs
    expect(
      cost('{ connectorDestinations(first: 10) { nodes { a: cloudConnector { id } b: cloudConnector { id } } } }'),
    ).toBe(1 + 10 * (1 + 5 + 5));
  });

  it('an unsized list uses the default list size; a mutation adds 10 and its input objects', () => {
    // destination 1 + authConfig 1 + generalAuthorization 10 * (1 + secretsManager 1)
    expect(
      cost('{ connectorDestination(id: "x") { authConfig { generalAuthorization { secretsManager { arn } } } } }'),
    ).toBe(22);
    expect(
      cost(`mutation { connectAppAuthorization(input: {
        appBundleIdentifier: "b", appAuthorizationIdentifier: "a", authRequest: { redirectUri: "https://x", code: "c" } }) {
        appAuthorization { arn tenant { tenantIdentifier } } userErrors { code } } }`),
    ).toBe(10 + (1 + 1) + 1 + (1 + 1) + 10 * 1);
  });
});

describe('createCostEstimator (costs remembered by the variable values, or their shapes, they read)', () => {
  const OPERATION = `query Q($first: Int = 10, $withCloud: Boolean!, $skipNodes: Boolean = false, $id: ID!) {
    connectorDestinations(first: $first) {
      nodes @skip(if: $skipNodes) { id cloudConnector @include(if: $withCloud) { id } }
      pageInfo { hasNextPage }
    }
    connectorDestination(id: $id) { id }
  }`;

  function coerce(document: DocumentNode, variables: Record<string, unknown>): Record<string, unknown> {
    const operation = getOperationAST(document)!;
    const result = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    if (result.errors) throw result.errors[0];
    return result.coerced;
  }

  /** Runs `body` with a count of cost walks (each walk starts at the schema's root type). */
  function countingWalks(body: (walks: () => number) => void): void {
    const spy = vi.spyOn(schema, 'getRootType');
    try {
      body(() => spy.mock.calls.length);
    } finally {
      spy.mockRestore();
    }
  }

  /** For any sequence of raw variables, one estimator answers each as a fresh walk would. */
  function expectSameAsWalks(
    source: string,
    raws: fc.Arbitrary<Record<string, unknown>>,
    { maxLength, numRuns }: { maxLength: number; numRuns: number },
  ): void {
    const document = parse(source);
    const operation = getOperationAST(document)!;
    const name = operation.name?.value;
    const estimate = createCostEstimator(schema);
    fc.assert(
      fc.property(fc.array(raws, { minLength: 1, maxLength }), (sequence) => {
        for (const raw of sequence) {
          expect(estimate(document, operation, coerce(document, raw))).toBe(operationCost(schema, document, name, raw));
        }
      }),
      { numRuns },
    );
  }

  it('answers as a walk would, for any sequence of variable values (hits and misses alike)', () => {
    const variables = fc
      .record(
        {
          first: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
          withCloud: fc.boolean(),
          skipNodes: fc.boolean(),
          id: fc.constantFrom('a', 'b', 'c'),
        },
        { requiredKeys: ['withCloud', 'id'] },
      )
      .map((values) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)));
    expectSameAsWalks(OPERATION, variables, { maxLength: 20, numRuns: 200 });
  });

  it('gives a later, different first its own cost (no stale answer)', () => {
    const document = parse(OPERATION);
    const operation = getOperationAST(document)!;
    const estimate = createCostEstimator(schema);
    const small = estimate(document, operation, coerce(document, { first: 1, withCloud: true, id: 'a' }));
    const large = estimate(document, operation, coerce(document, { first: 100, withCloud: true, id: 'a' }));
    expect(large).toBeGreaterThan(small);
    expect(estimate(document, operation, coerce(document, { first: 1, withCloud: true, id: 'b' }))).toBe(small);
  });

  it('remembers an _entities cost by the number of representations, and walks again for another number', () => {
    const document = parse(`query E($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on ConductorOneApp { id displayName } ... on CloudConnector { id } } }`);
    const operation = getOperationAST(document)!;
    const estimate = createCostEstimator(schema);
    const apps = (ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'ConductorOneApp', id })) });
    const expectedThree = operationCost(schema, document, 'E', apps(['a', 'b', 'c']));
    const expectedFive = operationCost(schema, document, 'E', apps(['a', 'b', 'c', 'd', 'e']));
    expect(expectedFive).toBeGreaterThan(expectedThree);
    countingWalks((walks) => {
      expect(estimate(document, operation, coerce(document, apps(['a', 'b', 'c'])))).toBe(expectedThree);
      expect(walks()).toBe(1);
      // Same size, other items: remembered (no walk).
      expect(estimate(document, operation, coerce(document, apps(['x', 'y', 'z'])))).toBe(expectedThree);
      expect(walks()).toBe(1);
      // Another size: walked, and costed for that size.
      expect(estimate(document, operation, coerce(document, apps(['a', 'b', 'c', 'd', 'e'])))).toBe(expectedFive);
      expect(walks()).toBe(2);
    });
  });

  it('answers _entities costs as a walk would, for any sequence of batch sizes', () => {
    const batches = fc.integer({ min: 0, max: 120 }).map((size) => ({
      representations: Array.from({ length: size }, (_, i) => ({ __typename: 'ConnectorDestination', id: `d${i}` })),
    }));
    expectSameAsWalks(
      `query E($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on ConnectorDestination { id cloudConnector { id } } } }`,
      batches,
      { maxLength: 10, numRuns: 100 },
    );
  });

  const CONNECT = `mutation M($input: ConnectAppAuthorizationInput!) {
    connectAppAuthorization(input: $input) { appAuthorization { arn } userErrors { code } } }`;
  const connectInput = (code: string | null, redirectUri = 'https://app.example/callback') => ({
    input: {
      appBundleIdentifier: 'b',
      appAuthorizationIdentifier: 'a',
      ...(code === null ? {} : { authRequest: { redirectUri, code } }),
    },
  });

  it('remembers the mutation by its input shape: another code costs no walk, another shape does', () => {
    const document = parse(CONNECT);
    const operation = getOperationAST(document)!;
    const estimate = createCostEstimator(schema);
    const withCode = operationCost(schema, document, 'M', connectInput('first-code'));
    const withoutCode = operationCost(schema, document, 'M', connectInput(null));
    expect(withCode).toBeGreaterThan(withoutCode);
    countingWalks((walks) => {
      expect(estimate(document, operation, coerce(document, connectInput('first-code')))).toBe(withCode);
      expect(estimate(document, operation, coerce(document, connectInput('second-code', 'https://b')))).toBe(withCode);
      expect(walks()).toBe(1);
      expect(estimate(document, operation, coerce(document, connectInput(null)))).toBe(withoutCode);
      expect(walks()).toBe(2);
    });
  });

  it('answers the mutation as a walk would, for any sequence of inputs', () => {
    const inputs = fc
      .tuple(fc.option(fc.string(), { nil: null }), fc.webUrl())
      .map(([code, redirectUri]) => connectInput(code, redirectUri));
    expectSameAsWalks(CONNECT, inputs, { maxLength: 10, numRuns: 50 });
  });

  it('walks again for variables that did not coerce (their field names are the client’s)', () => {
    const document = parse(CONNECT);
    const operation = getOperationAST(document)!;
    const estimate = createCostEstimator(schema);
    const raw = { input: { appBundleIdentifier: 'b', appAuthorizationIdentifier: 'a', planted_secret_field: 1 } };
    const variables = coerceVariables(schema, operation.variableDefinitions ?? [], raw);
    const cost = operationCost(schema, document, 'M', raw);
    countingWalks((walks) => {
      expect(estimate(document, operation, variables)).toBe(cost);
      expect(estimate(document, operation, variables)).toBe(cost);
      expect(walks()).toBe(2);
    });
  });
});

describe('shapeOf (what a remembered cost keeps of a variable)', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(
        fc.string({ minLength: 1, maxLength: 8 }).filter((k) => /^[A-Za-z_]\w*$/.test(k)),
        tie('value'),
        {
          maxKeys: 4,
        },
      ),
    ),
  })).value;

  it('keeps no string value: a planted code never appears in a shape', () => {
    const code = 'planted-oauth-code-7f3a9c';
    const shape = shapeOf({ authRequest: { code, redirectUri: `https://x/${code}` }, list: [code, { code }] });
    expect(String(shape)).not.toContain('planted');
    expect(shapeOf(code)).not.toBe(code);
  });

  it('gives values with strings swapped the same shape, and keeps numbers, booleans and null as they are', () => {
    const swapStrings = (value: unknown): unknown =>
      typeof value === 'string'
        ? `${value}!`
        : Array.isArray(value)
          ? value.map(swapStrings)
          : value !== null && typeof value === 'object'
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swapStrings(v)]))
            : value;
    fc.assert(
      fc.property(json, (value) => {
        expect(shapeOf(swapStrings(value))).toBe(shapeOf(value));
      }),
    );
    for (const primitive of [0, 7, true, false, null, undefined]) expect(shapeOf(primitive)).toBe(primitive);
  });

  it('tells apart list lengths, field sets and kinds', () => {
    const shapes = [
      [],
      ['a'],
      ['a', 'b'],
      {},
      { code: 'a' },
      { code: null },
      { code: 1 },
      { uri: 'a' },
      'a',
      [[]],
      [{}],
    ];
    expect(new Set(shapes.map(shapeOf)).size).toBe(shapes.length);
  });
});
