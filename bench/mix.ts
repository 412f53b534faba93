/**
 * The benchmark's query mix: what a router and a frontend send this subgraph. Single lookups,
 * lists of 100 with nested relations, `_entities` batches of 100 of each entity type in the
 * router's representation format, and the mutation. Each query carries its call plan, from which
 * the minimum upstream calls are computed (test/helpers/minimalCalls.ts, the cost model the tests
 * hold the subgraph to), and single lookups carry their upstream critical path for the
 * added-latency measurement.
 */
import type { SandboxSeed } from '../src/sandbox/seed.ts';
import {
  minimalCalls,
  seedKeys,
  totalOf,
  type CallPlan,
  type Representation,
  type SubgraphOperation,
} from '../test/helpers/minimalCalls.ts';

export interface MixQuery {
  name: string;
  description: string;
  query: string;
  /** Variables for the n-th request; queries with `fresh` need new ones every time (single-use codes). */
  variables: (n: number) => Record<string, unknown>;
  fresh: boolean;
  plan: CallPlan;
  /**
   * The upstream operations on the query's critical path, as stages: calls within a stage run in
   * parallel, stages run one after another. Present for the added-latency measurement.
   */
  criticalPath?: string[][];
}

const ENTITY_BATCH = 100;
const LIST_PAGE = 100;

function take<T>(items: readonly T[], n: number, what: string): T[] {
  if (items.length < n) throw new Error(`bench mix: the seed has ${items.length} ${what}, the mix needs ${n}`);
  return items.slice(0, n);
}

function first<T>(items: readonly T[], what: string): T {
  const [item] = take(items, 1, what);
  return item as T;
}

const ENTITIES = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename';

export function createMix(seed: SandboxSeed): MixQuery[] {
  const keys = seedKeys(seed);
  const destination = first(keys.destinations, 'connector destinations');
  const credential = first(keys.credentials, 'credentials');
  const bundle = first(keys.appBundleArns, 'app bundles');
  const inBundle = keys.appAuthorizations.filter((a) => a.appBundleArn === bundle);
  const authorization = first(inBundle, 'app authorizations');
  // The subgraph exchanges one code at a time per authorization (a real flow has one user and one
  // consent per authorization), so the mutation goes round every oauth2 authorization of the
  // bundle instead of queueing all its requests on one.
  const oauth2Arns = seed.appFabric.appAuthorizations
    .filter((a) => a.appBundleArn === bundle && a.authType === 'oauth2')
    .map((a) => a.appAuthorizationArn);
  const pendingArn = oauth2Arns[0];
  if (!pendingArn) throw new Error('bench mix: the seed has no oauth2 app authorization in the first bundle');

  const entities = (
    name: string,
    description: string,
    representations: Representation[],
    selection: string,
    select: Extract<SubgraphOperation, { field: '_entities' }>['select'],
  ): MixQuery => ({
    name,
    description,
    query: `${ENTITIES} ... on ${representations[0]!.__typename} { ${selection} } } }`,
    variables: () => ({ representations }),
    fresh: false,
    plan: { requests: [[{ field: '_entities', representations, select }]] },
  });

  return [
    {
      name: 'lookup-destination',
      description: 'connectorDestination(id) with its OAuth settings and its cloud connector',
      query: `query ($id: ID!) { connectorDestination(id: $id) { id name description authType
        authConfig { oAuth { authUrl tokenUrl scope } generalAuthorization { authMaterialName } }
        oAuthCompleteRedirectUrl cloudConnector { id name type } } }`,
      variables: () => ({ id: destination.id }),
      fresh: false,
      plan: {
        requests: [
          [
            {
              field: 'connectorDestination',
              id: destination.id,
              select: [
                'id',
                'name',
                'description',
                'authType',
                'authConfig',
                'oAuthCompleteRedirectUrl',
                'cloudConnector',
              ],
            },
          ],
        ],
      },
      criticalPath: [['GetConnectorDestination'], ['GetCloudConnector']],
    },
    {
      name: 'lookup-credential',
      description: 'connectorCredential(appId, connectorId, id) with its app and connector',
      query: `query ($appId: ID!, $connectorId: ID!, $id: ID!) { connectorCredential(appId: $appId, connectorId: $connectorId, id: $id) {
        id clientId displayName status createdAt expiresTime lastUsedAt
        app { id displayName iconUrl } connector { id displayName syncStatus syncCompletedAt } } }`,
      variables: () => ({ ...credential }),
      fresh: false,
      plan: {
        requests: [
          [
            {
              field: 'connectorCredential',
              ...credential,
              select: [
                'id',
                'clientId',
                'displayName',
                'status',
                'createdAt',
                'expiresTime',
                'lastUsedAt',
                'app',
                'connector',
              ],
            },
          ],
        ],
      },
      // All three at once: the credential's key names its app and connector (src/resolvers/ConnectorCredential.ts).
      criticalPath: [['GetCredentials', 'SearchApps', 'GetConnector']],
    },
    {
      name: 'lookup-app-authorization',
      description: 'appAuthorization(bundle, arn) with every field',
      query: `query ($bundle: ID!, $arn: ID!) { appAuthorization(appBundleIdentifier: $bundle, appAuthorizationIdentifier: $arn) {
        arn appBundleArn app tenant { tenantIdentifier tenantDisplayName } status authType authUrl persona createdAt updatedAt } }`,
      variables: () => ({ bundle, arn: authorization.arn }),
      fresh: false,
      plan: {
        requests: [
          [
            {
              field: 'appAuthorization',
              appBundleIdentifier: bundle,
              appAuthorizationIdentifier: authorization.arn,
              select: [
                'arn',
                'appBundleArn',
                'app',
                'tenant',
                'status',
                'authType',
                'authUrl',
                'persona',
                'createdAt',
                'updatedAt',
              ],
            },
          ],
        ],
      },
      criticalPath: [['GetAppAuthorization']],
    },
    {
      name: 'list-destinations',
      description: `connectorDestinations(first: ${LIST_PAGE}), edges with cursors, each with its cloud connector`,
      query: `query ($first: Int!) { connectorDestinations(first: $first) {
        edges { cursor node { id name description cloudConnectorId cloudConnector { id name type endpointType } } }
        pageInfo { hasNextPage endCursor } } }`,
      variables: () => ({ first: LIST_PAGE }),
      fresh: false,
      plan: {
        requests: [
          [
            {
              field: 'connectorDestinations',
              first: LIST_PAGE,
              select: ['id', 'name', 'description', 'cloudConnectorId', 'cloudConnector'],
            },
          ],
        ],
      },
    },
    {
      name: 'list-app-authorizations',
      description: `appAuthorizations(bundle, first: ${LIST_PAGE}) summaries with their tenants`,
      query: `query ($bundle: ID!, $first: Int!) { appAuthorizations(appBundleIdentifier: $bundle, first: $first) {
        nodes { arn app status tenant { tenantIdentifier tenantDisplayName } updatedAt } pageInfo { hasNextPage endCursor } } }`,
      variables: () => ({ bundle, first: LIST_PAGE }),
      fresh: false,
      plan: {
        requests: [
          [
            {
              field: 'appAuthorizations',
              appBundleIdentifier: bundle,
              first: LIST_PAGE,
              select: ['arn', 'app', 'status', 'tenant', 'updatedAt'],
            },
          ],
        ],
      },
    },
    entities(
      'entities-destinations',
      `_entities: ${ENTITY_BATCH} ConnectorDestination references with their cloud connectors`,
      take(keys.destinations, ENTITY_BATCH, 'connector destinations').map((d) => ({
        __typename: 'ConnectorDestination' as const,
        id: d.id,
      })),
      'id name cloudConnectorId cloudConnector { id name }',
      { ConnectorDestination: ['__typename', 'id', 'name', 'cloudConnectorId', 'cloudConnector'] },
    ),
    entities(
      'entities-cloud-connectors',
      `_entities: ${ENTITY_BATCH} CloudConnector references`,
      take(keys.cloudConnectorIds, ENTITY_BATCH, 'cloud connectors').map((id) => ({
        __typename: 'CloudConnector' as const,
        id,
      })),
      'id name description type endpointType lambdaArn',
      { CloudConnector: ['__typename', 'id', 'name', 'description', 'type', 'endpointType', 'lambdaArn'] },
    ),
    entities(
      'entities-credentials',
      `_entities: ${ENTITY_BATCH} ConnectorCredential references with their apps and connectors`,
      take(keys.credentials, ENTITY_BATCH, 'credentials').map((c) => ({
        __typename: 'ConnectorCredential' as const,
        ...c,
      })),
      'id appId connectorId clientId displayName status expiresTime app { id displayName } connector { id displayName syncStatus }',
      {
        ConnectorCredential: [
          '__typename',
          'id',
          'appId',
          'connectorId',
          'clientId',
          'displayName',
          'status',
          'expiresTime',
          'app',
          'connector',
        ],
      },
    ),
    entities(
      'entities-apps',
      `_entities: ${ENTITY_BATCH} ConductorOneApp references`,
      take(keys.appIds, ENTITY_BATCH, 'apps').map((id) => ({ __typename: 'ConductorOneApp' as const, id })),
      'id displayName description iconUrl',
      { ConductorOneApp: ['__typename', 'id', 'displayName', 'description', 'iconUrl'] },
    ),
    entities(
      'entities-connectors',
      `_entities: ${ENTITY_BATCH} ConductorOneConnector references`,
      take(keys.connectors, ENTITY_BATCH, 'connectors').map((c) => ({
        __typename: 'ConductorOneConnector' as const,
        ...c,
      })),
      'id appId displayName syncStatus syncLastError syncCompletedAt',
      {
        ConductorOneConnector: [
          '__typename',
          'id',
          'appId',
          'displayName',
          'syncStatus',
          'syncLastError',
          'syncCompletedAt',
        ],
      },
    ),
    entities(
      'entities-app-authorizations',
      `_entities: ${ENTITY_BATCH} AppAuthorization references (one bundle), summaries`,
      take(inBundle, ENTITY_BATCH, 'app authorizations in the first bundle').map((a) => ({
        __typename: 'AppAuthorization' as const,
        arn: a.arn,
      })),
      'arn appBundleArn app status tenant { tenantDisplayName } updatedAt',
      { AppAuthorization: ['__typename', 'arn', 'appBundleArn', 'app', 'status', 'tenant', 'updatedAt'] },
    ),
    {
      name: 'connect',
      description: 'the connectAppAuthorization mutation, a fresh single-use code per request',
      query: `mutation ($input: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $input) {
        appAuthorization { arn status updatedAt } userErrors { code message field } } }`,
      variables: (n) => ({
        input: {
          appBundleIdentifier: bundle,
          appAuthorizationIdentifier: oauth2Arns[n % oauth2Arns.length],
          authRequest: {
            redirectUri: 'https://app.example.com/connect/callback',
            code: `bench-code-${process.pid}-${n}`,
          },
        },
      }),
      fresh: true,
      plan: {
        requests: [
          [
            {
              field: 'connectAppAuthorization',
              appBundleIdentifier: bundle,
              appAuthorizationIdentifier: pendingArn,
              select: ['arn', 'status', 'updatedAt'],
            },
          ],
        ],
      },
      criticalPath: [['ConnectAppAuthorization']],
    },
  ];
}

/** The minimum upstream calls of a query, flattened to `upstream/Operation`. */
export function minimumOf(seed: SandboxSeed, query: MixQuery): Record<string, number> {
  return flattenCalls(minimalCalls(seed, query.plan));
}

export function flattenCalls(calls: Record<string, Record<string, number>>): Record<string, number> {
  const flat: Record<string, number> = {};
  for (const [upstream, byOperation] of Object.entries(calls)) {
    for (const [operation, n] of Object.entries(byOperation)) {
      // The token endpoint is paid once per token lifetime, not per query.
      if (n > 0 && operation !== 'Token') flat[`${upstream}/${operation}`] = n;
    }
  }
  return flat;
}

export { totalOf };
