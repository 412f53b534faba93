/**
 * The running subgraph serves (through HTTP, `_service { sdl }`) every element of the public contract in
 * test/contract/schema.graphql, and the comparison that checks it can fail.
 */
import { readFileSync } from 'node:fs';
import { Kind, parse, visit, type ASTNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffContract, emptyCounts, formatContractDiff, type CheckedCounts } from './helpers/contractDiff.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

const CONTRACT = readFileSync(new URL('./contract/schema.graphql', import.meta.url), 'utf8');

/** Replaces exactly one occurrence, so a fixture edit that stops matching fails loudly. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) {
    throw new Error(`expected exactly one occurrence of ${JSON.stringify(from)}`);
  }
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** Removes the single match of a multi-line pattern. */
function removeOnce(text: string, pattern: RegExp): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags}g`));
  if (matches?.length !== 1) throw new Error(`expected exactly one match of ${String(pattern)}`);
  return text.replace(pattern, '');
}

function edit(text: string, edits: ReadonlyArray<readonly [string, string]>): string {
  return edits.reduce((current, [from, to]) => replaceOnce(current, from, to), text);
}

/** Counts the contract's elements independently of the comparison, with graphql-js `visit`. */
function countElements(sdl: string): CheckedCounts {
  const counts: CheckedCounts = emptyCounts();
  const typeKinds = new Set<string>([
    Kind.OBJECT_TYPE_DEFINITION,
    Kind.OBJECT_TYPE_EXTENSION,
    Kind.INTERFACE_TYPE_DEFINITION,
    Kind.INTERFACE_TYPE_EXTENSION,
    Kind.UNION_TYPE_DEFINITION,
    Kind.UNION_TYPE_EXTENSION,
    Kind.ENUM_TYPE_DEFINITION,
    Kind.ENUM_TYPE_EXTENSION,
    Kind.INPUT_OBJECT_TYPE_DEFINITION,
    Kind.INPUT_OBJECT_TYPE_EXTENSION,
    Kind.SCALAR_TYPE_DEFINITION,
    Kind.SCALAR_TYPE_EXTENSION,
  ]);
  const document = parse(sdl);
  visit(document, {
    enter(node, _key, _parent, _path, ancestors) {
      const owner = ancestors[ancestors.length - 1] as ASTNode | readonly ASTNode[] | undefined;
      const ownerKind = owner && !Array.isArray(owner) ? (owner as ASTNode).kind : undefined;
      if (typeKinds.has(node.kind)) counts.types += 1;
      if (node.kind === Kind.FIELD_DEFINITION) counts.fields += 1;
      if (node.kind === Kind.ENUM_VALUE_DEFINITION) counts.enumValues += 1;
      if (node.kind === Kind.DIRECTIVE) counts.directiveUses += 1;
      if (node.kind === Kind.DIRECTIVE_DEFINITION) counts.directiveDefinitions += 1;
      if (node.kind === Kind.INPUT_VALUE_DEFINITION) {
        if (ownerKind === Kind.INPUT_OBJECT_TYPE_DEFINITION || ownerKind === Kind.INPUT_OBJECT_TYPE_EXTENSION) {
          counts.inputFields += 1;
        } else {
          counts.arguments += 1;
        }
      }
      if (
        node.kind === Kind.NAMED_TYPE &&
        (ownerKind === Kind.UNION_TYPE_DEFINITION || ownerKind === Kind.UNION_TYPE_EXTENSION)
      ) {
        counts.unionMembers += 1;
      }
      if (
        node.kind === Kind.NAMED_TYPE &&
        (ownerKind === Kind.OBJECT_TYPE_DEFINITION ||
          ownerKind === Kind.OBJECT_TYPE_EXTENSION ||
          ownerKind === Kind.INTERFACE_TYPE_DEFINITION ||
          ownerKind === Kind.INTERFACE_TYPE_EXTENSION)
      ) {
        counts.interfaces += 1;
      }
      return undefined;
    },
  });
  // Root operation types: explicit ones, or the conventionally named types.
  const explicit = document.definitions.flatMap((definition) =>
    definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION
      ? (definition.operationTypes ?? []).map((operationType) => operationType.operation as string)
      : [],
  );
  const names = new Set(document.definitions.map((definition) => ('name' in definition ? definition.name?.value : '')));
  for (const [operation, name] of [
    ['query', 'Query'],
    ['mutation', 'Mutation'],
    ['subscription', 'Subscription'],
  ]) {
    if (explicit.includes(operation!) || names.has(name)) counts.operationTypes += 1;
  }
  return counts;
}

describe('public contract (test/contract/schema.graphql) against the served _service.sdl', () => {
  let server: TestServer;
  let servedSdl: string;

  beforeAll(async () => {
    server = await startTestServer();
    const response = await server.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    servedSdl = response.body.data?._service.sdl ?? '';
  });

  afterAll(async () => {
    await server?.close();
  });

  it('serves a parseable Federation 2 SDL', () => {
    expect(servedSdl).not.toBe('');
    expect(() => parse(servedSdl)).not.toThrow();
    expect(servedSdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.9"');
  });

  it('provides every type, field, argument, default, enum value, key, directive use and definition', () => {
    const diff = diffContract(CONTRACT, servedSdl);
    expect(diff.differences, formatContractDiff(diff)).toEqual([]);
  });

  it('compares every element of the contract (the walk is exhaustive)', () => {
    const diff = diffContract(CONTRACT, servedSdl);
    const expected = countElements(CONTRACT);
    expect(diff.checked).toEqual(expected);
    // The contract is not trivially small: a regression that empties it would show here.
    expect(expected.types).toBeGreaterThanOrEqual(30);
    expect(expected.fields).toBeGreaterThanOrEqual(80);
    expect(expected.directiveUses).toBeGreaterThanOrEqual(20);
  });
});

describe('contract comparison (self-test)', () => {
  it('finds no difference between the contract and itself', () => {
    const diff = diffContract(CONTRACT, CONTRACT);
    expect(diff.differences).toEqual([]);
  });

  it('allows additions: descriptions, fields, types, optional arguments, imports, keys, extensions', () => {
    const extended =
      edit(CONTRACT, [
        ['type Tenant {', '"A described tenant."\ntype Tenant {'],
        [
          '  lambdaArn: String\n',
          '  lambdaArn: String\n  "An added field."\n  runtime: String @tag(name: "internal")\n',
        ],
        [
          'connectorDestination(id: ID!)',
          'connectorDestination(id: ID!, includeDeleted: Boolean, locale: String! = "en")',
        ],
        ['"@listSize"]', '"@listSize", "@override"]'],
        [
          'type CloudConnector @key(fields: "id")',
          'type CloudConnector @key(fields: "id") @key(fields: "name", resolvable: false)',
        ],
        ['input AuthRequestInput {', 'input AuthRequestInput {\n  state: String\n'],
      ]) + '\ntype AddedType {\n  a: Int\n}\n\nextend type Query {\n  added: AddedType\n}\n';
    const diff = diffContract(CONTRACT, extended);
    expect(diff.differences, formatContractDiff(diff)).toEqual([]);
  });

  it('reports every loosening, removal, rename and restriction of a deliberately altered copy', () => {
    const altered = edit(CONTRACT, [
      // Nullability and list wrapping.
      [
        '  name: String!\n  description: String\n  type: CloudConnectorType',
        '  name: String\n  description: String\n  type: CloudConnectorType',
      ],
      ['generalAuthorization: [GeneralAuthorization!]!', 'generalAuthorization: [GeneralAuthorization!]'],
      ['  code: String!\n}', '  code: String\n}'],
      ['cloudConnector: CloudConnector @cost(weight: 5)', 'cloudConnector: CloudConnector!'],
      // Enum values.
      ['  EXPIRED\n  REVOKED\n', '  EXPIRED\n'],
      ['  ADMIN\n  END_USER\n', '  ADMIN\n  END_USER\n  SERVICE\n'],
      ['enum CloudConnectorEndpointType {\n  LAMBDA\n}', 'scalar CloudConnectorEndpointType'],
      // Keys and directive uses.
      ['type ConductorOneConnector @key(fields: "appId id")', 'type ConductorOneConnector @key(fields: "id")'],
      ['type PageInfo @shareable {', 'type PageInfo {'],
      ['@scopes(anyOf: [["app-authorizations:connect"]])', '@scopes(anyOf: [["app-authorizations:read"]])'],
      [
        'AppAuthorizationConnection!\n    @scopes(anyOf: [["app-authorizations:read"]])\n    @listSize(slicingArguments: ["first"], sizedFields: ["edges", "nodes"]',
        'AppAuthorizationConnection!\n    @scopes(anyOf: [["app-authorizations:read"]])\n    @listSize(slicingArguments: ["first"], sizedFields: ["edges"]',
      ],
      ['  iconUrl: String\n', '  iconUrl: String @inaccessible\n'],
      // Arguments: defaults, presence, types, added required ones.
      ['cloudConnectorId: ID, first: Int = 25', 'cloudConnectorId: ID, first: Int = 50'],
      [
        'connectorCredential(appId: ID!, connectorId: ID!, id: ID!)',
        'connectorCredential(appId: ID!, connectorId: ID!)',
      ],
      ['appAuthorizationIdentifier: ID!): AppAuthorization', 'appAuthorizationIdentifier: String!): AppAuthorization'],
      ['  hasNextPage: Boolean!', '  hasNextPage(strict: Boolean!): Boolean!'],
      // Renames.
      ['type Tenant {', 'type SaasTenant {'],
      ['  versionId: String!', '  version: String!'],
      // The directive definition and the federation link.
      [
        'directive @scopes(anyOf: [[String!]!]!) on FIELD_DEFINITION | OBJECT',
        'directive @scopes(anyOf: [[String!]]!) on FIELD_DEFINITION',
      ],
      ['"@cost", "@listSize"]', '"@cost"]'],
    ]);
    const diff = diffContract(CONTRACT, altered);
    const link = '@link(url: "https://specs.apollo.dev/federation/v2.9")';
    expect([...diff.differences].sort()).toEqual(
      [
        `schema ${link}: import "@listSize" missing`,
        '@scopes: locations FIELD_DEFINITION | OBJECT expected, got FIELD_DEFINITION',
        '@scopes(anyOf:): type [[String!]!]! expected, got [[String!]]!',
        'Query.connectorDestinations(first:): default value 25 expected, got 50',
        'Query.connectorCredential(id:): argument missing',
        'Query.appAuthorization(appAuthorizationIdentifier:): type ID! expected, got String!',
        'Query.appAuthorizations: directive @listSize(requireOneSlicingArgument: false, sizedFields: ["edges", "nodes"], slicingArguments: ["first"]) expected, got @listSize(requireOneSlicingArgument: false, sizedFields: ["edges"], slicingArguments: ["first"])',
        'Mutation.connectAppAuthorization: directive @scopes(anyOf: [["app-authorizations:connect"]]) expected, got @scopes(anyOf: [["app-authorizations:read"]])',
        'PageInfo: directive @shareable expected, got none',
        'PageInfo.hasNextPage(strict:): unexpected required argument of type Boolean!',
        'ConnectorDestination.cloudConnector: type CloudConnector expected, got CloudConnector!',
        'ConnectorDestination.cloudConnector: directive @cost(weight: 5) expected, got none',
        'ConnectorDestinationAuthConfig.generalAuthorization: type [GeneralAuthorization!]! expected, got [GeneralAuthorization!]',
        'SecretsManagerReference.versionId: field missing',
        'CloudConnector.name: type String! expected, got String',
        'CloudConnectorEndpointType: enum expected, got scalar',
        'ConnectorCredentialStatus.REVOKED: enum value missing',
        'ConductorOneApp.iconUrl: unexpected directive @inaccessible (not in the contract)',
        'ConductorOneConnector: directive @key(fields: "appId id") expected, got @key(fields: "id")',
        'Tenant: object type missing',
        'AppAuthorizationPersona.SERVICE: enum value not in the contract',
        'AuthRequestInput.code: type String! expected, got String',
      ].sort(),
    );
  });

  it('reports a different federation version, a missing directive definition and a missing root type', () => {
    let altered = replaceOnce(CONTRACT, 'federation/v2.9', 'federation/v2.8');
    altered = removeOnce(altered, /^"""\nScopes a caller[\s\S]*?^directive @scopes[^\n]*\n/m);
    altered = removeOnce(altered, /^type Mutation \{[\s\S]*?\n\}\n/m);
    const diff = diffContract(CONTRACT, altered);
    expect(diff.differences).toEqual([
      'schema: mutation root type Mutation expected, got none',
      'schema: @link(url: "https://specs.apollo.dev/federation/v2.9") expected, got @link(url: "https://specs.apollo.dev/federation/v2.8")',
      '@scopes: directive definition missing',
      'Mutation: object type missing',
    ]);
  });

  it('fills in directive-definition defaults and ignores argument order and FieldSet whitespace', () => {
    const definitions =
      'directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT\n' +
      'directive @listSize(slicingArguments: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION\n';
    const contract =
      definitions +
      'type T @key(fields: "a b") { a: ID! b: ID! list(first: Int): [T!]! @listSize(slicingArguments: ["first"]) }';
    const same =
      definitions +
      'type T @key(resolvable: true, fields: " a  b ") { a: ID! b: ID! list(first: Int): [T!]! @listSize(requireOneSlicingArgument: true, slicingArguments: ["first"]) }';
    expect(diffContract(contract, same).differences).toEqual([]);
    const different =
      definitions +
      'type T @key(fields: "a b", resolvable: false) { a: ID! b: ID! list(first: Int): [T!]! @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false) }';
    expect(diffContract(contract, different).differences).toEqual([
      'T: directive @key(fields: "a b", resolvable: true) expected, got @key(fields: "a b", resolvable: false)',
      'T.list: directive @listSize(requireOneSlicingArgument: true, slicingArguments: ["first"]) expected, got @listSize(requireOneSlicingArgument: false, slicingArguments: ["first"])',
    ]);
  });
});
