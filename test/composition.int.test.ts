/**
 * The SDL the running subgraph serves composes into a supergraph with a neighbour subgraph that references
 * every entity of ours by key; a neighbour that claims one of our fields without @shareable does not.
 */
import { readFileSync } from 'node:fs';
import { composeServices, type CompositionResult } from '@apollo/composition';
import { Kind, parse, type DocumentNode, type ObjectTypeDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

const NEIGHBOUR_SDL = readFileSync(new URL('./fixtures/neighbour.graphql', import.meta.url), 'utf8');
const OUR_URL = 'http://127.0.0.1:4001/graphql';
const NEIGHBOUR_URL = 'http://127.0.0.1:4002/graphql';

/** Our entities and their keys, as the neighbour fixture references them. */
const OUR_ENTITIES: Record<string, string> = {
  ConnectorDestination: 'id',
  CloudConnector: 'id',
  ConnectorCredential: 'appId connectorId id',
  ConductorOneApp: 'id',
  ConductorOneConnector: 'appId id',
  AppAuthorization: 'arn',
};

function compose(ours: string, neighbour: string): CompositionResult {
  return composeServices([
    { name: 'connector-auth', url: OUR_URL, typeDefs: parse(ours) },
    { name: 'neighbour', url: NEIGHBOUR_URL, typeDefs: parse(neighbour) },
  ]);
}

function describeErrors(result: CompositionResult): string {
  return (result.errors ?? []).map((error) => `[${String(error.extensions['code'])}] ${error.message}`).join('\n');
}

function objectType(document: DocumentNode, name: string): ObjectTypeDefinitionNode | undefined {
  return document.definitions.find(
    (definition): definition is ObjectTypeDefinitionNode =>
      definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === name,
  );
}

/** The `@join__type(graph: ..., key: ...)` uses of a supergraph type, as `GRAPH key` strings. */
function joinTypes(type: ObjectTypeDefinitionNode | undefined): string[] {
  return (type?.directives ?? [])
    .filter((directive) => directive.name.value === 'join__type')
    .map((directive) => {
      const arg = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
      const graph = arg('graph');
      const key = arg('key');
      const resolvable = arg('resolvable');
      return [
        graph?.kind === Kind.ENUM ? graph.value : '?',
        key?.kind === Kind.STRING ? `key=${key.value}` : 'no key',
        resolvable?.kind === Kind.BOOLEAN && !resolvable.value ? 'unresolvable' : 'resolvable',
      ].join(' ');
    })
    .sort();
}

describe('composition of the served _service.sdl with a neighbour subgraph', () => {
  let server: TestServer;
  let servedSdl: string;

  beforeAll(async () => {
    server = await startTestServer();
    const response = await server.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(response.body.errors).toBeUndefined();
    servedSdl = response.body.data?._service.sdl ?? '';
    expect(servedSdl).not.toBe('');
  });

  afterAll(async () => {
    await server?.close();
  });

  it('the neighbour fixture references every entity of ours by its key, unresolvably', () => {
    const neighbour = parse(NEIGHBOUR_SDL);
    for (const [name, key] of Object.entries(OUR_ENTITIES)) {
      const type = objectType(neighbour, name);
      expect(type, name).toBeDefined();
      const keys = (type?.directives ?? []).filter((directive) => directive.name.value === 'key');
      expect(keys, name).toHaveLength(1);
      const fields = keys[0]?.arguments?.find((a) => a.name.value === 'fields')?.value;
      const resolvable = keys[0]?.arguments?.find((a) => a.name.value === 'resolvable')?.value;
      expect(fields?.kind === Kind.STRING ? fields.value : undefined, name).toBe(key);
      expect(resolvable?.kind === Kind.BOOLEAN ? resolvable.value : undefined, name).toBe(false);
    }
  });

  it('composes, and the supergraph holds our types, root fields and entities joined to both subgraphs', () => {
    const result = compose(servedSdl, NEIGHBOUR_SDL);
    expect(result.errors, describeErrors(result)).toBeUndefined();
    const supergraphSdl = result.supergraphSdl ?? '';
    const supergraph = parse(supergraphSdl);

    expect(supergraphSdl).toContain(`CONNECTOR_AUTH @join__graph(name: "connector-auth", url: "${OUR_URL}")`);
    expect(supergraphSdl).toContain(`NEIGHBOUR @join__graph(name: "neighbour", url: "${NEIGHBOUR_URL}")`);

    for (const [name, key] of Object.entries(OUR_ENTITIES)) {
      expect(joinTypes(objectType(supergraph, name)), name).toEqual([
        `CONNECTOR_AUTH key=${key} resolvable`,
        `NEIGHBOUR key=${key} unresolvable`,
      ]);
    }
    // Our own fields survive composition, e.g. the ones only we resolve.
    const destinationFields = objectType(supergraph, 'ConnectorDestination')?.fields?.map((f) => f.name.value);
    expect(destinationFields).toEqual(expect.arrayContaining(['id', 'name', 'cloudConnector', 'authConfig']));

    const queryFields = objectType(supergraph, 'Query')?.fields?.map((field) => field.name.value) ?? [];
    expect(queryFields).toEqual(
      expect.arrayContaining([
        'connectorDestination',
        'connectorDestinations',
        'connectorCredential',
        'appAuthorization',
        'appAuthorizations',
        'integration',
        'integrations',
      ]),
    );
    expect(objectType(supergraph, 'Mutation')?.fields?.map((field) => field.name.value)).toEqual([
      'connectAppAuthorization',
    ]);
    // Value types of ours are in the supergraph too; PageInfo is shared by both subgraphs.
    for (const name of ['ConnectorDestinationConnection', 'Tenant', 'ConnectAppAuthorizationPayload']) {
      expect(objectType(supergraph, name), name).toBeDefined();
    }
    expect(joinTypes(objectType(supergraph, 'PageInfo'))).toEqual([
      'CONNECTOR_AUTH no key resolvable',
      'NEIGHBOUR no key resolvable',
    ]);
    // Demand-control directives survive; the subgraph-local @scopes does not (it is not composed).
    expect(supergraphSdl).toContain('@cost(weight: 5)');
    expect(supergraphSdl).toContain('@listSize(');
    expect(supergraphSdl).not.toContain('@scopes');
  });

  it('fails when the neighbour declares PageInfo without @shareable', () => {
    const conflicting = NEIGHBOUR_SDL.replace('type PageInfo @shareable {', 'type PageInfo {');
    expect(conflicting).not.toBe(NEIGHBOUR_SDL);
    const result = compose(servedSdl, conflicting);
    expect(result.supergraphSdl).toBeUndefined();
    expect(result.errors?.length).toBeGreaterThan(0);
    const codes = new Set(result.errors?.map((error) => error.extensions['code']));
    expect([...codes]).toEqual(['INVALID_FIELD_SHARING']);
    expect(describeErrors(result)).toContain('"PageInfo.hasNextPage"');
  });

  it('fails when the neighbour defines Query.connectorDestination again', () => {
    const conflicting = NEIGHBOUR_SDL.replace(
      'type Query {',
      'type Query {\n  connectorDestination(id: ID!): ConnectorDestination',
    );
    expect(conflicting).not.toBe(NEIGHBOUR_SDL);
    const result = compose(servedSdl, conflicting);
    expect(result.supergraphSdl).toBeUndefined();
    expect(result.errors?.map((error) => error.extensions['code'])).toContain('INVALID_FIELD_SHARING');
    expect(describeErrors(result)).toContain('"Query.connectorDestination"');
  });
});
