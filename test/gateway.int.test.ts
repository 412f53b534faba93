/**
 * Upstream calls per operation through a federated gateway, as a frontend queries: for every
 * query of the mix, the subgraph makes exactly the minimal calls `minimalCalls` computes from the
 * seed and the query's plan (the requests the gateway sends to the subgraph, checked against the
 * fetches it really sent). Then the same mix against a subgraph with batching off (the N+1
 * baseline) costs strictly more wherever there is something to batch, and the same elsewhere.
 */
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxSeed } from '../src/sandbox/seed.ts';
import {
  INTEGRATION_COUNT,
  OUR_SUBGRAPH,
  integrationRefs,
  integrationRepresentations,
  startGateway,
  type Gateway,
  type IntegrationRelation,
} from './helpers/gateway.ts';
import {
  minimalCalls,
  seedKeys,
  totalOf,
  type CallPlan,
  type EntitySelections,
  type EntityTypename,
  type Representation,
  type SubgraphRequest,
} from './helpers/minimalCalls.ts';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/startTestServer.ts';

// ------------------------------------------------------------------ describing queries

/** The top-level field names of a selection set written as text, e.g. `name cloudConnector { name }`. */
function fieldsOf<F extends string>(selection: string): F[] {
  const operation = parse(`{ ${selection} }`).definitions[0] as OperationDefinitionNode;
  return operation.selectionSet.selections.map((s) => {
    if (s.kind !== Kind.FIELD) throw new Error(`only plain fields in a described selection: ${selection}`);
    return s.name.value as F;
  });
}

const TYPENAME_OF: Record<IntegrationRelation, EntityTypename> = {
  destination: 'ConnectorDestination',
  cloudConnector: 'CloudConnector',
  credential: 'ConnectorCredential',
  conductorOneApp: 'ConductorOneApp',
  conductorOneConnector: 'ConductorOneConnector',
  appAuthorization: 'AppAuthorization',
};

/** Selections on the Integration relations: relation → selection text on our entity. */
type RelationSelections = Partial<Record<IntegrationRelation, string>>;

function entitiesRequest(typename: EntityTypename, representations: readonly Representation[], selection: string) {
  const select: EntitySelections = { [typename]: fieldsOf(selection) };
  return [{ field: '_entities', representations, select }] as const satisfies SubgraphRequest;
}

/** `{ rel { sel } ... }` on integrations, as text. */
function integrationSelection(relations: RelationSelections): string {
  return Object.entries(relations)
    .map(([relation, selection]) => `${relation} { ${selection} }`)
    .join('\n');
}

/** The gateway plans one `_entities` fetch to our subgraph per selected relation. */
function integrationsPlan(relations: RelationSelections, refsOf: (relation: IntegrationRelation) => Representation[]) {
  return {
    requests: (Object.entries(relations) as Array<[IntegrationRelation, string]>).map(([relation, selection]) =>
      entitiesRequest(TYPENAME_OF[relation], refsOf(relation), selection),
    ),
  } satisfies CallPlan;
}

interface Built {
  query: string;
  variables?: Record<string, unknown>;
  plan: CallPlan;
}

interface Case {
  name: string;
  /** `gateway`: sent to the gateway; `subgraph`: sent to our subgraph directly, as a router would. */
  via: 'gateway' | 'subgraph';
  /** How the N+1 baseline compares with the minimum: `greater` wherever something batches. */
  nPlusOne: 'greater' | 'equal';
  build(seed: SandboxSeed): Built;
  /** Checks on the data, beyond "no errors". */
  check?(data: any): void;
}

// ------------------------------------------------------------------ the query mix

const ALL_RELATIONS_SUMMARY: RelationSelections = {
  destination: 'name cloudConnector { name }',
  credential: 'status app { displayName } connector { syncStatus }',
  appAuthorization: 'status tenant { tenantDisplayName }',
  cloudConnector: 'name',
  conductorOneApp: 'displayName',
  conductorOneConnector: 'syncStatus',
};

const ALL_RELATIONS_DETAIL: RelationSelections = {
  ...ALL_RELATIONS_SUMMARY,
  destination: 'name authConfig { oAuth { authUrl } } cloudConnector { name }',
  appAuthorization: 'status authType createdAt tenant { tenantDisplayName }',
};

/** One relation at a time: the gateway sends our subgraph one `_entities` call of `first` refs. */
const ONE_RELATION: Record<IntegrationRelation, string> = {
  destination: 'name description cloudConnectorId',
  cloudConnector: 'name type lambdaArn',
  credential: 'clientId displayName status',
  conductorOneApp: 'displayName iconUrl',
  conductorOneConnector: 'displayName syncStatus',
  appAuthorization: 'app status tenant { tenantDisplayName } updatedAt',
};

/** Detail selections for the types whose detail costs a Get each. */
const DETAIL_OF: Partial<Record<EntityTypename, string>> = {
  ConnectorDestination: 'name authType authConfig { oAuth { authUrl tokenUrl } } secretsManager { arn }',
  AppAuthorization: 'app status authType authUrl persona createdAt',
};

const PAGE = 100;

function integrationsCase(name: string, relations: RelationSelections, first = PAGE): Case {
  return {
    name,
    via: 'gateway',
    nPlusOne: 'greater',
    build: (seed) => ({
      query: `query ($first: Int) { integrations(first: $first) { pageInfo { hasNextPage endCursor } nodes { id
        ${integrationSelection(relations)} } } }`,
      variables: { first },
      plan: integrationsPlan(relations, (relation) =>
        integrationRepresentations(seed, relation, Math.min(first, INTEGRATION_COUNT)),
      ),
    }),
    check(data) {
      const nodes = data.integrations.nodes as any[];
      expect(nodes).toHaveLength(Math.min(first, INTEGRATION_COUNT));
      for (const relation of Object.keys(relations)) expect(nodes.every((n) => n[relation] !== null)).toBe(true);
    },
  };
}

function directEntitiesCase(typename: EntityTypename, selection: string, label: string): Case {
  const relation = (Object.keys(TYPENAME_OF) as IntegrationRelation[]).find((r) => TYPENAME_OF[r] === typename)!;
  return {
    name: `subgraph _entities: ${PAGE} ${typename} refs, ${label}`,
    via: 'subgraph',
    nPlusOne: 'greater',
    build: (seed) => {
      const representations = integrationRepresentations(seed, relation, PAGE);
      return {
        query: `query ($representations: [_Any!]!) { _entities(representations: $representations) {
          ... on ${typename} { ${selection} } } }`,
        variables: { representations },
        plan: { requests: [entitiesRequest(typename, representations, selection)] },
      };
    },
    check(data) {
      expect(data._entities).toHaveLength(PAGE);
      expect((data._entities as unknown[]).every((e) => e !== null)).toBe(true);
    },
  };
}

const DESTINATION_SINGLE = 'id name authType oAuthCompleteRedirectUrl cloudConnector { name }';
const CREDENTIAL_SINGLE = 'id status displayName app { displayName } connector { syncStatus }';
const AUTHORIZATION_SINGLE = 'arn app status authType authUrl createdAt tenant { tenantDisplayName }';
const DESTINATIONS_SUMMARY = 'id name cloudConnector { name }';
const DESTINATIONS_DETAIL = 'id name authType secretsManager { arn } cloudConnector { name }';
const AUTHORIZATIONS_SUMMARY = 'arn app status tenant { tenantDisplayName } updatedAt';
const AUTHORIZATIONS_DETAIL = 'arn app status authType authUrl persona createdAt';
const PAYLOAD_DETAIL = 'arn status authType';
const PAYLOAD_SUMMARY = 'arn status';

/** The n-th pending oauth2 authorization of the seed: one the mutation can connect. */
function pendingOAuth2(seed: SandboxSeed, n: number) {
  const pending = seed.appFabric.appAuthorizations.filter(
    (a) => a.status === 'PendingConnect' && a.authType === 'oauth2',
  );
  const authorization = pending[n];
  if (!authorization?.appAuthorizationArn || !authorization.appBundleArn) throw new Error('no pending oauth2 seed');
  return {
    appBundleIdentifier: authorization.appBundleArn,
    appAuthorizationIdentifier: authorization.appAuthorizationArn,
  };
}

let codes = 0;

function mutationCase(name: string, selection: string, pendingIndex: number): Case {
  return {
    name,
    via: 'gateway',
    nPlusOne: 'equal',
    build(seed) {
      const ids = pendingOAuth2(seed, pendingIndex);
      codes += 1;
      return {
        query: `mutation ($input: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $input) {
          appAuthorization { ${selection} } userErrors { code message field } } }`,
        variables: {
          input: {
            ...ids,
            authRequest: { redirectUri: 'https://app.example.com/oauth/callback', code: `gateway-test-code-${codes}` },
          },
        },
        plan: { requests: [[{ field: 'connectAppAuthorization', ...ids, select: fieldsOf(selection) }]] },
      };
    },
    check(data) {
      expect(data.connectAppAuthorization.userErrors).toEqual([]);
      expect(data.connectAppAuthorization.appAuthorization.status).toBe('CONNECTED');
    },
  };
}

const CASES: Case[] = [
  // ---- single lookups of each root field
  {
    name: 'connectorDestination(id)',
    via: 'gateway',
    nPlusOne: 'equal',
    build(seed) {
      const id = seedKeys(seed).destinations[0]!.id;
      return {
        query: `query ($id: ID!) { connectorDestination(id: $id) { ${DESTINATION_SINGLE} } }`,
        variables: { id },
        plan: { requests: [[{ field: 'connectorDestination', id, select: fieldsOf(DESTINATION_SINGLE) }]] },
      };
    },
    check: (data) => expect(data.connectorDestination.cloudConnector.name).toEqual(expect.any(String)),
  },
  {
    name: 'connectorCredential(appId, connectorId, id)',
    via: 'gateway',
    nPlusOne: 'equal',
    build(seed) {
      const key = seedKeys(seed).credentials[3]!;
      return {
        query: `query ($appId: ID!, $connectorId: ID!, $id: ID!) {
          connectorCredential(appId: $appId, connectorId: $connectorId, id: $id) { ${CREDENTIAL_SINGLE} } }`,
        variables: { ...key },
        plan: { requests: [[{ field: 'connectorCredential', ...key, select: fieldsOf(CREDENTIAL_SINGLE) }]] },
      };
    },
    check: (data) => expect(data.connectorCredential.connector.syncStatus).toEqual(expect.any(String)),
  },
  {
    name: 'appAuthorization(bundle, authorization)',
    via: 'gateway',
    nPlusOne: 'equal',
    build(seed) {
      const authorization = seedKeys(seed).appAuthorizations[2]!;
      const ids = { appBundleIdentifier: authorization.appBundleArn, appAuthorizationIdentifier: authorization.arn };
      return {
        query: `query ($appBundleIdentifier: ID!, $appAuthorizationIdentifier: ID!) {
          appAuthorization(appBundleIdentifier: $appBundleIdentifier, appAuthorizationIdentifier: $appAuthorizationIdentifier) {
            ${AUTHORIZATION_SINGLE} } }`,
        variables: ids,
        plan: { requests: [[{ field: 'appAuthorization', ...ids, select: fieldsOf(AUTHORIZATION_SINGLE) }]] },
      };
    },
    check: (data) => expect(data.appAuthorization.authType).toEqual(expect.any(String)),
  },
  {
    name: 'integration(id) with every relation (one ref each)',
    via: 'gateway',
    nPlusOne: 'equal',
    build(seed) {
      const index = 7;
      const refs = integrationRefs(seed, index);
      return {
        query: `query ($id: ID!) { integration(id: $id) { id ${integrationSelection(ALL_RELATIONS_SUMMARY)} } }`,
        variables: { id: `int-${index}` },
        plan: integrationsPlan(ALL_RELATIONS_SUMMARY, (relation) => [refs[relation]]),
      };
    },
    check: (data) => expect(data.integration.destination.cloudConnector.name).toEqual(expect.any(String)),
  },

  // ---- integrations over every relation, summary and detail
  integrationsCase(`integrations(first: ${PAGE}): every relation, summary fields`, ALL_RELATIONS_SUMMARY),
  integrationsCase(`integrations(first: ${PAGE}): every relation, with detail fields`, ALL_RELATIONS_DETAIL),

  // ---- one relation at a time: one _entities call of 100 refs per type
  ...(Object.entries(ONE_RELATION) as Array<[IntegrationRelation, string]>).map(([relation, selection]) =>
    integrationsCase(`integrations(first: ${PAGE}) { ${relation} }: one _entities batch`, { [relation]: selection }),
  ),
  integrationsCase(`integrations(first: ${PAGE}) { destination }: one _entities batch, detail`, {
    destination: DETAIL_OF.ConnectorDestination!,
  }),
  integrationsCase(`integrations(first: ${PAGE}) { appAuthorization }: one _entities batch, detail`, {
    appAuthorization: DETAIL_OF.AppAuthorization!,
  }),

  // ---- _entities straight to our subgraph, in the router's representation format
  ...(Object.entries(ONE_RELATION) as Array<[IntegrationRelation, string]>).map(([relation, selection]) =>
    directEntitiesCase(TYPENAME_OF[relation], selection, 'summary'),
  ),
  directEntitiesCase('ConnectorDestination', DETAIL_OF.ConnectorDestination!, 'detail'),
  directEntitiesCase('AppAuthorization', DETAIL_OF.AppAuthorization!, 'detail'),
  {
    name: 'subgraph _entities: found and missing refs of every type, with relations',
    via: 'subgraph',
    nPlusOne: 'greater',
    build(seed) {
      const keys = seedKeys(seed);
      const [bundle] = keys.appBundleArns;
      const representations: Representation[] = [
        ...[0, 1, 2, 3].flatMap((i) => {
          const refs = integrationRefs(keys, i);
          return [
            refs.destination,
            refs.cloudConnector,
            refs.credential,
            refs.conductorOneApp,
            refs.conductorOneConnector,
            refs.appAuthorization,
          ];
        }),
        { __typename: 'ConnectorDestination', id: 'dest-missing' },
        { __typename: 'CloudConnector', id: 'cc-missing' },
        { __typename: 'ConnectorCredential', appId: 'app-missing', connectorId: 'conn-missing', id: 'cred-missing' },
        { __typename: 'ConductorOneApp', id: 'app-missing' },
        { __typename: 'ConductorOneConnector', appId: 'app-missing', id: 'conn-missing' },
        { __typename: 'AppAuthorization', arn: `${bundle}/appauthorization/00000000-0000-4000-8000-000000000000` },
      ];
      const select = {
        ConnectorDestination: 'id name cloudConnector { name }',
        CloudConnector: 'id connectorName: name',
        ConnectorCredential: 'id credentialStatus: status app { displayName } connector { syncStatus }',
        ConductorOneApp: 'id displayName',
        ConductorOneConnector: 'id syncStatus',
        AppAuthorization: 'arn authorizationStatus: status',
      } satisfies Record<EntityTypename, string>;
      return {
        query: `query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename
          ${Object.entries(select)
            .map(([typename, selection]) => `... on ${typename} { ${selection} }`)
            .join('\n')} } }`,
        variables: { representations },
        plan: {
          requests: [
            [
              {
                field: '_entities',
                representations,
                select: Object.fromEntries(
                  Object.entries(select).map(([typename, selection]) => [typename, fieldsOf(selection)]),
                ) as EntitySelections,
              },
            ],
          ],
        },
      };
    },
    check(data) {
      const entities = data._entities as unknown[];
      expect(entities.slice(-6)).toEqual([null, null, null, null, null, null]);
      expect(entities.slice(0, -6).every((e) => e !== null)).toBe(true);
    },
  },

  // ---- our own lists
  {
    name: `connectorDestinations(first: ${PAGE}): summary with cloudConnector`,
    via: 'gateway',
    nPlusOne: 'greater',
    build: () => ({
      query: `query ($first: Int) { connectorDestinations(first: $first) { nodes { ${DESTINATIONS_SUMMARY} } } }`,
      variables: { first: PAGE },
      plan: {
        requests: [[{ field: 'connectorDestinations', first: PAGE, select: fieldsOf(DESTINATIONS_SUMMARY) }]],
      },
    }),
  },
  {
    name: `connectorDestinations(first: ${PAGE}): with detail fields`,
    via: 'gateway',
    nPlusOne: 'greater',
    build: () => ({
      query: `query ($first: Int) { connectorDestinations(first: $first) { nodes { ${DESTINATIONS_DETAIL} } } }`,
      variables: { first: PAGE },
      plan: {
        requests: [[{ field: 'connectorDestinations', first: PAGE, select: fieldsOf(DESTINATIONS_DETAIL) }]],
      },
    }),
  },
  {
    name: `connectorDestinations(cloudConnectorId, first: ${PAGE}): one cloud connector`,
    via: 'gateway',
    nPlusOne: 'greater',
    build(seed) {
      const cloudConnectorId = seedKeys(seed).cloudConnectorIds[1]!;
      return {
        query: `query ($cloudConnectorId: ID, $first: Int) {
          connectorDestinations(cloudConnectorId: $cloudConnectorId, first: $first) { nodes { ${DESTINATIONS_SUMMARY} } } }`,
        variables: { cloudConnectorId, first: PAGE },
        plan: {
          requests: [
            [{ field: 'connectorDestinations', cloudConnectorId, first: PAGE, select: fieldsOf(DESTINATIONS_SUMMARY) }],
          ],
        },
      };
    },
  },
  {
    name: `appAuthorizations(bundle, first: ${PAGE}): summary fields`,
    via: 'gateway',
    // Nothing to batch: the list alone answers summary fields.
    nPlusOne: 'equal',
    build(seed) {
      const appBundleIdentifier = seedKeys(seed).appBundleArns[0]!;
      return {
        query: `query ($b: ID!, $first: Int) { appAuthorizations(appBundleIdentifier: $b, first: $first) {
          nodes { ${AUTHORIZATIONS_SUMMARY} } } }`,
        variables: { b: appBundleIdentifier, first: PAGE },
        plan: {
          requests: [
            [
              {
                field: 'appAuthorizations',
                appBundleIdentifier,
                first: PAGE,
                select: fieldsOf(AUTHORIZATIONS_SUMMARY),
              },
            ],
          ],
        },
      };
    },
  },
  {
    name: `appAuthorizations(bundle, first: ${PAGE}): with detail fields`,
    via: 'gateway',
    nPlusOne: 'greater',
    build(seed) {
      const appBundleIdentifier = seedKeys(seed).appBundleArns[0]!;
      return {
        query: `query ($b: ID!, $first: Int) { appAuthorizations(appBundleIdentifier: $b, first: $first) {
          nodes { ${AUTHORIZATIONS_DETAIL} } } }`,
        variables: { b: appBundleIdentifier, first: PAGE },
        plan: {
          requests: [
            [{ field: 'appAuthorizations', appBundleIdentifier, first: PAGE, select: fieldsOf(AUTHORIZATIONS_DETAIL) }],
          ],
        },
      };
    },
  },

  // ---- the mutation
  mutationCase('connectAppAuthorization: payload with a detail field', PAYLOAD_DETAIL, 0),
  mutationCase('connectAppAuthorization: payload with summary fields', PAYLOAD_SUMMARY, 1),
];

// ------------------------------------------------------------------ running a case

interface Stack {
  t: TestServer;
  gw: Gateway;
}

/** The multiset of requests to our subgraph: each as its `_entities` representations, or null for root fields. */
function requestShapes(representationLists: Array<readonly unknown[] | null>): string[] {
  return representationLists.map((list) => JSON.stringify(list)).sort();
}

function plannedShapes(plan: CallPlan): string[] {
  return requestShapes(
    plan.requests.map((request) => {
      const entities = request.find((op) => op.field === '_entities');
      return entities ? entities.representations : null;
    }),
  );
}

/**
 * Runs a case: reset the counters, send it, check there are no errors, the gateway's fetches against
 * the plan and the case's own data checks; gives the upstream calls it cost.
 */
async function run(stack: Stack, c: Case, built: Built): Promise<Record<string, Record<string, number>>> {
  stack.t.resetCalls();
  stack.gw.resetFetches();
  const response: GraphQLResponse =
    c.via === 'gateway'
      ? await stack.gw.query(built.query, built.variables)
      : await stack.t.query(built.query, built.variables);
  const calls = stack.t.calls();
  expect(response.body.errors, response.text.slice(0, 2000)).toBeUndefined();
  expect(response.status).toBe(200);
  if (c.via === 'gateway') {
    // The plan's requests are the fetches the gateway really sent our subgraph.
    const sent = stack.gw.fetches().filter((f) => f.subgraph === OUR_SUBGRAPH);
    expect(requestShapes(sent.map((f) => f.representations))).toEqual(plannedShapes(built.plan));
  }
  c.check?.(response.body.data);
  return calls;
}

const results = new Map<string, { minimal: number; batched?: number; nPlusOne?: number }>();

// ------------------------------------------------------------------ minimal calls

describe('through the gateway: minimal upstream calls per query', () => {
  let stack: Stack;
  beforeAll(async () => {
    const t = await startTestServer();
    try {
      stack = { t, gw: await startGateway({ subgraphUrl: t.url, seed: t.sandbox.seed }) };
    } catch (error) {
      await t.close();
      throw error;
    }
  });
  afterAll(async () => {
    await stack?.gw.close();
    await stack?.t.close();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const seed = stack.t.sandbox.seed;
      const built = c.build(seed);
      const expected = minimalCalls(seed, built.plan);
      results.set(c.name, { ...results.get(c.name), minimal: totalOf(expected) });
      const calls = await run(stack, c, built);
      results.set(c.name, { ...results.get(c.name)!, batched: totalOf(calls) });
      expect(calls).toEqual(expected);
    });
  }
});

// ------------------------------------------------------------------ the N+1 baseline

describe('N+1 baseline (batching: false) through its own gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    const t = await startTestServer({ batching: false });
    try {
      stack = { t, gw: await startGateway({ subgraphUrl: t.url, seed: t.sandbox.seed }) };
    } catch (error) {
      await t.close();
      throw error;
    }
  });
  afterAll(async () => {
    await stack?.gw.close();
    await stack?.t.close();
    const rows = CASES.map((c) => {
      const r = results.get(c.name);
      return [c.name, String(r?.minimal ?? '-'), String(r?.batched ?? '-'), String(r?.nPlusOne ?? '-')];
    });
    const header = ['query', 'minimal', 'batched', 'N+1'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) =>
      cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ');
    console.log(
      ['Upstream calls per query (minimal = computed promise; batched = measured; N+1 = batching off)']
        .concat(line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), rows.map(line))
        .join('\n'),
    );
  });

  for (const c of CASES) {
    it(`${c.name}: N+1 ${c.nPlusOne === 'greater' ? '>' : '='} minimal`, async () => {
      const seed = stack.t.sandbox.seed;
      const built = c.build(seed);
      const minimal = totalOf(minimalCalls(seed, built.plan));
      results.set(c.name, { ...results.get(c.name), minimal });
      const calls = await run(stack, c, built);
      const nPlusOne = totalOf(calls);
      results.set(c.name, { ...results.get(c.name)!, nPlusOne });
      if (c.nPlusOne === 'greater') expect(nPlusOne).toBeGreaterThan(minimal);
      else expect(nPlusOne).toBe(minimal);
    });
  }
});
