/**
 * A federated gateway in front of the real subgraph, for tests that query as a frontend does: the
 * neighbour fixture subgraph (`test/fixtures/neighbour.graphql`, an "integrations" service that
 * references every entity of ours by key) runs as a small Apollo Server, and an `@apollo/gateway`
 * `ApolloGateway` serves the supergraph composed in-process from the neighbour's SDL and the SDL
 * our subgraph serves at `_service { sdl }`. The gateway plans `_entities` fetches to our subgraph
 * exactly as it would in production; its data sources forward nothing but the operation.
 *
 * Everything listens on 127.0.0.1, port 0.
 */
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import type { SandboxSeed } from '../../src/sandbox/seed.ts';
import { seedKeys, type Representation, type SeedKeys } from './minimalCalls.ts';
import type { GraphQLResponse } from './startTestServer.ts';

/** The neighbour fixture's SDL. */
export const NEIGHBOUR_SDL = readFileSync(new URL('../fixtures/neighbour.graphql', import.meta.url), 'utf8');

/** Subgraph names in the composed supergraph. */
export const OUR_SUBGRAPH = 'connector-auth';
export const NEIGHBOUR_SUBGRAPH = 'neighbour';

/** How many integrations the neighbour serves; `integrations(first)` pages through them. */
export const INTEGRATION_COUNT = 200;

type Ref<T extends Representation['__typename']> = Extract<Representation, { __typename: T }>;

/** The keys an integration references our entities by, in the router's representation format. */
export interface IntegrationRefs {
  destination: Ref<'ConnectorDestination'>;
  cloudConnector: Ref<'CloudConnector'>;
  credential: Ref<'ConnectorCredential'>;
  conductorOneApp: Ref<'ConductorOneApp'>;
  conductorOneConnector: Ref<'ConductorOneConnector'>;
  appAuthorization: Ref<'AppAuthorization'>;
}

/** The Integration fields that reference an entity of ours. */
export type IntegrationRelation = keyof IntegrationRefs;

function pick<T>(items: readonly T[], index: number, what: string): T {
  if (items.length === 0) throw new Error(`the sandbox seed has no ${what}`);
  return items[index % items.length]!;
}

/**
 * The references of integration `index` (id `int-<index>`), derived deterministically from the
 * seed: destination `index mod D` and that destination's cloud connector, credential
 * `index mod C`, app `index mod A`, connector `index mod N`, app authorization `index mod Z`.
 */
export function integrationRefs(seed: SandboxSeed | SeedKeys, index: number): IntegrationRefs {
  const keys = 'destinations' in seed ? seed : seedKeys(seed);
  const destination = pick(keys.destinations, index, 'connector destinations');
  const credential = pick(keys.credentials, index, 'credentials');
  const connector = pick(keys.connectors, index, 'connectors');
  if (!destination.cloudConnectorId) throw new Error(`seed destination ${destination.id} has no CloudConnectorId`);
  return {
    destination: { __typename: 'ConnectorDestination', id: destination.id },
    cloudConnector: { __typename: 'CloudConnector', id: destination.cloudConnectorId },
    credential: { __typename: 'ConnectorCredential', ...credential },
    conductorOneApp: { __typename: 'ConductorOneApp', id: pick(keys.appIds, index, 'apps') },
    conductorOneConnector: { __typename: 'ConductorOneConnector', ...connector },
    appAuthorization: {
      __typename: 'AppAuthorization',
      arn: pick(keys.appAuthorizations, index, 'app authorizations').arn,
    },
  };
}

/** The representations of one relation of integrations `0 .. count-1`, in integration order. */
export function integrationRepresentations<R extends IntegrationRelation>(
  seed: SandboxSeed | SeedKeys,
  relation: R,
  count: number,
): Array<IntegrationRefs[R]> {
  const keys = 'destinations' in seed ? seed : seedKeys(seed);
  return Array.from({ length: count }, (_, index) => integrationRefs(keys, index)[relation]);
}

const INTEGRATION_ID = /^int-(0|[1-9][0-9]*)$/;

interface IntegrationObject {
  id: string;
  index: number;
}

function integrationAt(index: number): IntegrationObject | null {
  return Number.isInteger(index) && index >= 0 && index < INTEGRATION_COUNT ? { id: `int-${index}`, index } : null;
}

function integrationById(id: string): IntegrationObject | null {
  const match = INTEGRATION_ID.exec(id);
  return match ? integrationAt(Number(match[1])) : null;
}

/** A `{ __typename, ...key }` representation without its `__typename`: the stub the neighbour returns. */
function stub<T extends { __typename: string }>({ __typename: _typename, ...key }: T): Omit<T, '__typename'> {
  return key;
}

function neighbourResolvers(seed: SandboxSeed) {
  const keys = seedKeys(seed);
  const refs = (integration: IntegrationObject) => integrationRefs(keys, integration.index);
  return {
    Query: {
      integration: (_root: unknown, { id }: { id: string }) => integrationById(id),
      integrations(_root: unknown, { first, after }: { first?: number | null; after?: string | null }) {
        const size = Math.max(0, Math.min(first ?? 25, INTEGRATION_COUNT));
        const start = after == null ? 0 : (integrationById(after)?.index ?? INTEGRATION_COUNT) + 1;
        const nodes: IntegrationObject[] = [];
        for (let index = start; index < Math.min(start + size, INTEGRATION_COUNT); index++) {
          nodes.push(integrationAt(index)!);
        }
        const last = nodes.at(-1);
        return {
          nodes,
          pageInfo: {
            hasNextPage: (last?.index ?? start - 1) + 1 < INTEGRATION_COUNT,
            endCursor: last?.id ?? null,
          },
        };
      },
    },
    Integration: {
      __resolveReference: ({ id }: { id: string }) => integrationById(id),
      name: (integration: IntegrationObject) => `Integration ${integration.index}`,
      destination: (integration: IntegrationObject) => stub(refs(integration).destination),
      cloudConnector: (integration: IntegrationObject) => stub(refs(integration).cloudConnector),
      credential: (integration: IntegrationObject) => stub(refs(integration).credential),
      conductorOneApp: (integration: IntegrationObject) => stub(refs(integration).conductorOneApp),
      conductorOneConnector: (integration: IntegrationObject) => stub(refs(integration).conductorOneConnector),
      appAuthorization: (integration: IntegrationObject) => stub(refs(integration).appAuthorization),
    },
  };
}

/** One request the gateway sent to a subgraph. */
export interface SubgraphFetch {
  subgraph: string;
  query: string;
  /** The `_entities` representations, for entity fetches; null for root fetches. */
  representations: Array<Record<string, unknown>> | null;
}

/**
 * The stock data source, plus a note of each request for the test to inspect. It forwards no
 * incoming headers and adds nothing: each subgraph sees only the gateway's own operation.
 */
class RecordingDataSource extends RemoteGraphQLDataSource {
  readonly #subgraph: string;
  readonly #fetches: SubgraphFetch[];

  constructor(url: string, subgraph: string, fetches: SubgraphFetch[]) {
    super({ url });
    this.#subgraph = subgraph;
    this.#fetches = fetches;
  }

  override willSendRequest({ request }: GraphQLDataSourceProcessOptions): void {
    const representations = request.variables?.['representations'];
    this.#fetches.push({
      subgraph: this.#subgraph,
      query: request.query ?? '',
      representations: Array.isArray(representations) ? (representations as Array<Record<string, unknown>>) : null,
    });
  }
}

export interface Gateway {
  /** The gateway's GraphQL endpoint. */
  url: string;
  /** The neighbour subgraph's endpoint. */
  neighbourUrl: string;
  /** The composed supergraph SDL. */
  supergraphSdl: string;
  query<D = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<D>>;
  /** The requests the gateway sent to subgraphs since the last reset. */
  fetches(): SubgraphFetch[];
  resetFetches(): void;
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  /** Our subgraph's GraphQL endpoint. */
  subgraphUrl: string;
  /** The sandbox seed our subgraph serves; the neighbour derives its integrations from it. */
  seed: SandboxSeed;
}

async function postGraphQL<D>(url: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as GraphQLResponse<D>['body'];
  return { status: response.status, headers: response.headers, body, text };
}

/** Starts the neighbour subgraph and a gateway over it and `subgraphUrl`. */
export async function startGateway({ subgraphUrl, seed }: StartGatewayOptions): Promise<Gateway> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const neighbourTypeDefs = parse(NEIGHBOUR_SDL);
    const neighbour = new ApolloServer({
      schema: buildSubgraphSchema([{ typeDefs: neighbourTypeDefs, resolvers: neighbourResolvers(seed) }]),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    const { url: neighbourUrl } = await startStandaloneServer(neighbour, { listen: { port: 0, host: '127.0.0.1' } });
    cleanups.push(() => neighbour.stop());

    const served = await postGraphQL<{ _service: { sdl: string } }>(subgraphUrl, '{ _service { sdl } }');
    const ourSdl = served.body.data?._service.sdl;
    if (!ourSdl) throw new Error(`no _service.sdl from ${subgraphUrl}: ${served.text}`);

    const composed = composeServices([
      { name: OUR_SUBGRAPH, url: subgraphUrl, typeDefs: parse(ourSdl) },
      { name: NEIGHBOUR_SUBGRAPH, url: neighbourUrl, typeDefs: neighbourTypeDefs },
    ]);
    if (composed.errors) {
      throw new Error(`composition failed:\n${composed.errors.map((error) => error.message).join('\n')}`);
    }
    const supergraphSdl = composed.supergraphSdl;

    const fetches: SubgraphFetch[] = [];
    const gateway = new ApolloGateway({
      supergraphSdl,
      buildService: ({ name, url }) => {
        if (!url) throw new Error(`subgraph ${name} has no routing URL`);
        return new RecordingDataSource(url, name, fetches);
      },
    });
    const server = new ApolloServer({ gateway });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    cleanups.push(() => server.stop());

    return {
      url,
      neighbourUrl,
      supergraphSdl,
      query: (query, variables) => postGraphQL(url, query, variables),
      fetches: () => [...fetches],
      resetFetches: () => {
        fetches.length = 0;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
