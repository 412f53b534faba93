/**
 * The minimal number of upstream calls the subgraph promises for an operation, computed from the
 * sandbox seed and a structured description of what the subgraph is asked (a {@link CallPlan}),
 * never from literals. The result has the shape of `TestServer.calls()`, so tests deep-compare.
 *
 * The cost model (the specification this file implements):
 *
 * IoT Managed Integrations
 * - Root `connectorDestination(id)`: 1 `GetConnectorDestination`.
 * - Root `connectorDestinations(cloudConnectorId?, first)`: 1 `ListConnectorDestinations`, plus
 *   1 `GetConnectorDestination` per returned node when any DETAIL field is selected on the nodes.
 *   Detail fields: `authType`, `authConfig`, `secretsManager`, `oAuthCompleteRedirectUrl`.
 *   Summary fields: `id`, `name`, `description`, `cloudConnectorId`, `cloudConnector`.
 * - A batch of ConnectorDestination references (`_entities`) with n distinct ids: detail selected →
 *   n `GetConnectorDestination`; summary only → n = 1: 1 Get; n ≥ 2: `ListConnectorDestinations`
 *   pages of 1000 until every id is found or the list ends.
 * - Cloud connectors (the `cloudConnector` relation over all destinations resolved in one batch, or
 *   a batch of CloudConnector references), n distinct ids: 0 → 0; 1 → 1 `GetCloudConnector`;
 *   n ≥ 2 → `ListCloudConnectors` pages of 1000 until every id is found or the list ends.
 *
 * AppFabric
 * - Root `appAuthorization(b, a)`: 1 `GetAppAuthorization`.
 * - Root `appAuthorizations(b, first)`: 1 `ListAppAuthorizations`, plus 1 `GetAppAuthorization` per
 *   returned node when a detail field is selected. Detail fields: `authType`, `authUrl`, `persona`,
 *   `createdAt`. Summary fields: `arn`, `appBundleArn`, `app`, `tenant`, `status`, `updatedAt`.
 * - A batch of AppAuthorization references, grouped by bundle (the bundle ARN is the reference ARN
 *   cut before `/appauthorization/`); per bundle with k distinct references: detail selected → k
 *   Gets; summary only → k = 1: 1 Get; k ≥ 2: `ListAppAuthorizations` pages of 100 until all are
 *   found or the list ends.
 * - Mutation `connectAppAuthorization`: 1 `ConnectAppAuthorization`, plus 1 `GetAppAuthorization`
 *   when the payload's `appAuthorization` selects a detail field.
 *
 * ConductorOne
 * - Root `connectorCredential` or ConnectorCredential references: 1 `GetCredentials` per distinct
 *   (appId, connectorId, id).
 * - The `app` relation or ConductorOneApp references: ceil(distinct app ids / 100) `SearchApps`
 *   per batch.
 * - The `connector` relation or ConductorOneConnector references: 1 `GetConnector` per distinct
 *   (appId, id).
 *
 * Everywhere
 * - Missing entities cost the same as found ones (a missing entity has no relations to follow).
 * - Each upstream key is fetched at most once per request: one HTTP request to the subgraph is the
 *   de-duplication scope, so a plan lists the requests the subgraph receives (one for a direct
 *   query; one per fetch the gateway plans to the subgraph).
 *
 * How batches fall within a request: references of one type in a request's `_entities` are one
 * batch, resolved first (root lookups join that first wave); relations (`cloudConnector`, `app`)
 * are resolved next, over every parent of the request at once, and skip keys the first wave
 * already fetched.
 */
import type { SandboxSeed } from '../../src/sandbox/seed.ts';

// ------------------------------------------------------------------ plan description

/** Detail fields of ConnectorDestination: absent from list summaries, one Get each. */
export const CONNECTOR_DESTINATION_DETAIL_FIELDS = [
  'authType',
  'authConfig',
  'secretsManager',
  'oAuthCompleteRedirectUrl',
] as const;
/** Summary fields of ConnectorDestination: in every ListConnectorDestinations item. */
export const CONNECTOR_DESTINATION_SUMMARY_FIELDS = [
  '__typename',
  'id',
  'name',
  'description',
  'cloudConnectorId',
  'cloudConnector',
] as const;
/** Detail fields of AppAuthorization: absent from ListAppAuthorizations summaries. */
export const APP_AUTHORIZATION_DETAIL_FIELDS = ['authType', 'authUrl', 'persona', 'createdAt'] as const;
/** Summary fields of AppAuthorization. */
export const APP_AUTHORIZATION_SUMMARY_FIELDS = [
  '__typename',
  'arn',
  'appBundleArn',
  'app',
  'tenant',
  'status',
  'updatedAt',
] as const;

export type ConnectorDestinationField =
  (typeof CONNECTOR_DESTINATION_DETAIL_FIELDS)[number] | (typeof CONNECTOR_DESTINATION_SUMMARY_FIELDS)[number];
export type AppAuthorizationField =
  (typeof APP_AUTHORIZATION_DETAIL_FIELDS)[number] | (typeof APP_AUTHORIZATION_SUMMARY_FIELDS)[number];
export type CloudConnectorField = '__typename' | 'id' | 'name' | 'description' | 'type' | 'endpointType' | 'lambdaArn';
export type ConnectorCredentialField =
  | '__typename'
  | 'id'
  | 'appId'
  | 'connectorId'
  | 'clientId'
  | 'displayName'
  | 'createdAt'
  | 'updatedAt'
  | 'deletedAt'
  | 'expiresTime'
  | 'lastUsedAt'
  | 'status'
  | 'app'
  | 'connector';
export type ConductorOneAppField = '__typename' | 'id' | 'displayName' | 'description' | 'iconUrl';
export type ConductorOneConnectorField =
  '__typename' | 'id' | 'appId' | 'displayName' | 'description' | 'syncStatus' | 'syncLastError' | 'syncCompletedAt';

/** An entity reference in the router's representation format: `{ __typename, ...key }`. */
export type Representation =
  | { __typename: 'ConnectorDestination'; id: string }
  | { __typename: 'CloudConnector'; id: string }
  | { __typename: 'ConnectorCredential'; appId: string; connectorId: string; id: string }
  | { __typename: 'ConductorOneApp'; id: string }
  | { __typename: 'ConductorOneConnector'; appId: string; id: string }
  | { __typename: 'AppAuthorization'; arn: string };

export type EntityTypename = Representation['__typename'];

/**
 * The fields selected on each entity type: the top-level field names of that type, relations
 * included (`cloudConnector`, `app`, `connector`). What is selected inside a relation never changes
 * the cost: the related types have no detail fields and no relations of their own.
 */
export interface EntitySelections {
  ConnectorDestination?: readonly ConnectorDestinationField[];
  CloudConnector?: readonly CloudConnectorField[];
  ConnectorCredential?: readonly ConnectorCredentialField[];
  ConductorOneApp?: readonly ConductorOneAppField[];
  ConductorOneConnector?: readonly ConductorOneConnectorField[];
  AppAuthorization?: readonly AppAuthorizationField[];
}

/** One root field (or `_entities`) of a request to the subgraph, with what it selects. */
export type SubgraphOperation =
  | { field: 'connectorDestination'; id: string; select: readonly ConnectorDestinationField[] }
  | {
      field: 'connectorDestinations';
      cloudConnectorId?: string;
      first: number;
      /** Selected on the nodes (or edges' node). */
      select: readonly ConnectorDestinationField[];
    }
  | {
      field: 'connectorCredential';
      appId: string;
      connectorId: string;
      id: string;
      select: readonly ConnectorCredentialField[];
    }
  | {
      field: 'appAuthorization';
      /** ARN or lower-case UUID. */
      appBundleIdentifier: string;
      /** ARN or lower-case UUID. */
      appAuthorizationIdentifier: string;
      select: readonly AppAuthorizationField[];
    }
  | {
      field: 'appAuthorizations';
      appBundleIdentifier: string;
      first: number;
      /** Selected on the nodes (or edges' node). */
      select: readonly AppAuthorizationField[];
    }
  | {
      field: 'connectAppAuthorization';
      appBundleIdentifier: string;
      appAuthorizationIdentifier: string;
      /** Selected on the payload's `appAuthorization`. */
      select: readonly AppAuthorizationField[];
    }
  | { field: '_entities'; representations: readonly Representation[]; select: EntitySelections };

/** The operations of one HTTP request to the subgraph: the scope of de-duplication. */
export type SubgraphRequest = readonly SubgraphOperation[];

/** What the subgraph is asked: the requests it receives for one client operation. */
export interface CallPlan {
  requests: readonly SubgraphRequest[];
}

/** Upstream calls by upstream and operation, as `TestServer.calls()` reports them. */
export interface UpstreamCalls {
  iotManagedIntegrations: Record<string, number>;
  appFabric: Record<string, number>;
  conductorOne: Record<string, number>;
  [upstream: string]: Record<string, number>;
}

// ------------------------------------------------------------------ page sizes of list-backed batches

/** ListConnectorDestinations and ListCloudConnectors pages the subgraph reads for a batch. */
export const IMI_LIST_PAGE = 1000;
/** ListAppAuthorizations pages the subgraph reads for a batch. */
export const APPFABRIC_LIST_PAGE = 100;
/** Apps one SearchApps call returns. */
export const SEARCH_APPS_PAGE = 100;

// ------------------------------------------------------------------ the seed, as keys

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`sandbox seed: ${what} is not a string`);
  return value;
}

/** The keys of the seed, in the order the sandbox lists them. */
export interface SeedKeys {
  destinations: Array<{ id: string; cloudConnectorId: string | null }>;
  cloudConnectorIds: string[];
  appBundleArns: string[];
  appAuthorizations: Array<{ arn: string; appBundleArn: string }>;
  credentials: Array<{ appId: string; connectorId: string; id: string }>;
  appIds: string[];
  connectors: Array<{ appId: string; id: string }>;
}

export function seedKeys(seed: SandboxSeed): SeedKeys {
  return {
    destinations: seed.iotManagedIntegrations.connectorDestinations.map((d) => ({
      id: text(d.Id, 'connector destination Id'),
      cloudConnectorId: d.CloudConnectorId ?? null,
    })),
    cloudConnectorIds: seed.iotManagedIntegrations.cloudConnectors.map((c) => text(c.Id, 'cloud connector Id')),
    appBundleArns: [...seed.appFabric.appBundleArns],
    appAuthorizations: seed.appFabric.appAuthorizations.map((a) => ({
      arn: text(a.appAuthorizationArn, 'appAuthorizationArn'),
      appBundleArn: text(a.appBundleArn, 'appBundleArn'),
    })),
    credentials: seed.conductorOne.credentials.map((c) => ({
      appId: text(c.appId, 'credential appId'),
      connectorId: text(c.connectorId, 'credential connectorId'),
      id: text(c.id, 'credential id'),
    })),
    appIds: seed.conductorOne.apps.map((a) => text(a.id, 'app id')),
    connectors: seed.conductorOne.connectors.map((c) => ({
      appId: text(c.appId, 'connector appId'),
      id: text(c.id, 'connector id'),
    })),
  };
}

// ------------------------------------------------------------------ helpers

const APP_AUTHORIZATION_SEPARATOR = '/appauthorization/';

const isDestinationDetail = (select: readonly string[]) =>
  select.some((field) => (CONNECTOR_DESTINATION_DETAIL_FIELDS as readonly string[]).includes(field));
const isAppAuthorizationDetail = (select: readonly string[]) =>
  select.some((field) => (APP_AUTHORIZATION_DETAIL_FIELDS as readonly string[]).includes(field));

/**
 * Pages of `pageSize` a list-backed batch reads: pages from the start of `listed` until every id
 * of `wanted` has been seen or the list ends. At least one page, even for an empty list.
 */
export function pagesUntilFound(listed: readonly string[], wanted: ReadonlySet<string>, pageSize: number): number {
  const remaining = new Set(wanted);
  let pages = 0;
  do {
    for (const id of listed.slice(pages * pageSize, (pages + 1) * pageSize)) remaining.delete(id);
    pages += 1;
  } while (remaining.size > 0 && pages * pageSize < listed.length);
  return pages;
}

/** The bundle ARN of an app authorization ARN, or null when the ARN has no `/appauthorization/`. */
export function bundleArnOf(appAuthorizationArn: string): string | null {
  const at = appAuthorizationArn.indexOf(APP_AUTHORIZATION_SEPARATOR);
  return at > 0 ? appAuthorizationArn.slice(0, at) : null;
}

/** A bundle identifier (ARN or UUID) as the bundle's ARN; an unknown UUID stays as given. */
function bundleArnFor(keys: SeedKeys, identifier: string): string {
  if (identifier.startsWith('arn:')) return identifier;
  return keys.appBundleArns.find((arn) => arn.endsWith(`/${identifier}`)) ?? identifier;
}

/** The canonical key of an app authorization read by (bundle, authorization) identifiers. */
function appAuthorizationKey(keys: SeedKeys, bundleIdentifier: string, authorizationIdentifier: string): string {
  if (authorizationIdentifier.startsWith('arn:')) return authorizationIdentifier;
  return `${bundleArnFor(keys, bundleIdentifier)}${APP_AUTHORIZATION_SEPARATOR}${authorizationIdentifier}`;
}

const credentialKey = (k: { appId: string; connectorId: string; id: string }) =>
  JSON.stringify([k.appId, k.connectorId, k.id]);
const connectorKey = (k: { appId: string; id: string }) => JSON.stringify([k.appId, k.id]);

class Tally {
  readonly counts: Record<string, number> = {};
  add(operation: string, n = 1): void {
    if (n > 0) this.counts[operation] = (this.counts[operation] ?? 0) + n;
  }
}

function representationsOf<T extends EntityTypename>(
  operations: SubgraphRequest,
  typename: T,
): Array<{ refs: Array<Extract<Representation, { __typename: T }>>; select: NonNullable<EntitySelections[T]> }> {
  const batches = [];
  for (const operation of operations) {
    if (operation.field !== '_entities') continue;
    const refs = operation.representations.filter(
      (r): r is Extract<Representation, { __typename: T }> => r.__typename === typename,
    );
    if (refs.length > 0)
      batches.push({ refs, select: (operation.select[typename] ?? []) as NonNullable<EntitySelections[T]> });
  }
  return batches;
}

// ------------------------------------------------------------------ the cost of one request

function costOfRequest(keys: SeedKeys, request: SubgraphRequest, imi: Tally, appFabric: Tally, c1: Tally): void {
  const destinationById = new Map(keys.destinations.map((d) => [d.id, d]));
  const destinationIds = keys.destinations.map((d) => d.id);

  // ---- IoT Managed Integrations: destinations
  const destinationGets = new Set<string>();
  /** Destinations (found or not) whose `cloudConnector` relation is selected. */
  const withCloudConnector = new Set<string>();
  const summaryRefs = new Set<string>();
  for (const op of request) {
    if (op.field !== 'connectorDestination') continue;
    destinationGets.add(op.id);
    if (op.select.includes('cloudConnector')) withCloudConnector.add(op.id);
  }
  for (const { refs, select } of representationsOf(request, 'ConnectorDestination')) {
    for (const { id } of refs) {
      (isDestinationDetail(select) ? destinationGets : summaryRefs).add(id);
      if (select.includes('cloudConnector')) withCloudConnector.add(id);
    }
  }
  const listBacked = new Set([...summaryRefs].filter((id) => !destinationGets.has(id)));
  if (listBacked.size === 1) destinationGets.add([...listBacked][0]!);
  else if (listBacked.size >= 2) {
    imi.add('ListConnectorDestinations', pagesUntilFound(destinationIds, listBacked, IMI_LIST_PAGE));
  }
  for (const op of request) {
    if (op.field !== 'connectorDestinations') continue;
    imi.add('ListConnectorDestinations');
    const nodes = keys.destinations
      .filter((d) => op.cloudConnectorId === undefined || d.cloudConnectorId === op.cloudConnectorId)
      .slice(0, Math.max(0, op.first));
    for (const node of nodes) {
      if (isDestinationDetail(op.select)) destinationGets.add(node.id);
      if (op.select.includes('cloudConnector')) withCloudConnector.add(node.id);
    }
  }
  imi.add('GetConnectorDestination', destinationGets.size);

  // ---- IoT Managed Integrations: cloud connectors, references first, then the relation
  const cloudConnectorIds = keys.cloudConnectorIds;
  const cloudConnectorBatch = (ids: ReadonlySet<string>) => {
    if (ids.size === 1) imi.add('GetCloudConnector');
    else if (ids.size >= 2) imi.add('ListCloudConnectors', pagesUntilFound(cloudConnectorIds, ids, IMI_LIST_PAGE));
  };
  const cloudConnectorRefs = new Set(
    representationsOf(request, 'CloudConnector').flatMap((b) => b.refs.map((r) => r.id)),
  );
  cloudConnectorBatch(cloudConnectorRefs);
  const relationIds = new Set<string>();
  for (const id of withCloudConnector) {
    const cloudConnectorId = destinationById.get(id)?.cloudConnectorId;
    if (cloudConnectorId && !cloudConnectorRefs.has(cloudConnectorId)) relationIds.add(cloudConnectorId);
  }
  cloudConnectorBatch(relationIds);

  // ---- AppFabric
  const authorizationGets = new Set<string>();
  for (const op of request) {
    if (op.field === 'appAuthorization') {
      authorizationGets.add(appAuthorizationKey(keys, op.appBundleIdentifier, op.appAuthorizationIdentifier));
    } else if (op.field === 'connectAppAuthorization') {
      appFabric.add('ConnectAppAuthorization');
      if (isAppAuthorizationDetail(op.select)) {
        authorizationGets.add(appAuthorizationKey(keys, op.appBundleIdentifier, op.appAuthorizationIdentifier));
      }
    }
  }
  const summaryByBundle = new Map<string, Set<string>>();
  for (const { refs, select } of representationsOf(request, 'AppAuthorization')) {
    for (const { arn } of refs) {
      const bundle = bundleArnOf(arn);
      if (bundle === null) continue; // rejected locally as a malformed ARN: no call
      if (isAppAuthorizationDetail(select)) authorizationGets.add(arn);
      else {
        const set = summaryByBundle.get(bundle) ?? new Set<string>();
        set.add(arn);
        summaryByBundle.set(bundle, set);
      }
    }
  }
  for (const [bundle, arns] of summaryByBundle) {
    const listBackedArns = new Set([...arns].filter((arn) => !authorizationGets.has(arn)));
    if (listBackedArns.size === 1) authorizationGets.add([...listBackedArns][0]!);
    else if (listBackedArns.size >= 2) {
      const listed = keys.appAuthorizations.filter((a) => a.appBundleArn === bundle).map((a) => a.arn);
      appFabric.add('ListAppAuthorizations', pagesUntilFound(listed, listBackedArns, APPFABRIC_LIST_PAGE));
    }
  }
  for (const op of request) {
    if (op.field !== 'appAuthorizations') continue;
    appFabric.add('ListAppAuthorizations');
    if (!isAppAuthorizationDetail(op.select)) continue;
    const bundle = bundleArnFor(keys, op.appBundleIdentifier);
    const nodes = keys.appAuthorizations.filter((a) => a.appBundleArn === bundle).slice(0, Math.max(0, op.first));
    for (const node of nodes) authorizationGets.add(node.arn);
  }
  appFabric.add('GetAppAuthorization', authorizationGets.size);

  // ---- ConductorOne
  const seededCredentials = new Map(keys.credentials.map((c) => [credentialKey(c), c]));
  const credentialGets = new Set<string>();
  /** Credentials (found or not) whose `app` / `connector` relation is selected. */
  const withApp = new Set<string>();
  const withConnector = new Set<string>();
  const credentialDemands: Array<{ key: string; select: readonly ConnectorCredentialField[] }> = [];
  for (const op of request) {
    if (op.field === 'connectorCredential') credentialDemands.push({ key: credentialKey(op), select: op.select });
  }
  for (const { refs, select } of representationsOf(request, 'ConnectorCredential')) {
    for (const ref of refs) credentialDemands.push({ key: credentialKey(ref), select });
  }
  for (const { key, select } of credentialDemands) {
    credentialGets.add(key);
    if (select.includes('app')) withApp.add(key);
    if (select.includes('connector')) withConnector.add(key);
  }
  c1.add('GetCredentials', credentialGets.size);

  const appRefs = new Set(representationsOf(request, 'ConductorOneApp').flatMap((b) => b.refs.map((r) => r.id)));
  c1.add('SearchApps', Math.ceil(appRefs.size / SEARCH_APPS_PAGE));
  const relationAppIds = new Set<string>();
  for (const key of withApp) {
    const appId = seededCredentials.get(key)?.appId;
    if (appId !== undefined && !appRefs.has(appId)) relationAppIds.add(appId);
  }
  c1.add('SearchApps', Math.ceil(relationAppIds.size / SEARCH_APPS_PAGE));

  const connectorGets = new Set(
    representationsOf(request, 'ConductorOneConnector').flatMap((b) => b.refs.map((r) => connectorKey(r))),
  );
  for (const key of withConnector) {
    const credential = seededCredentials.get(key);
    if (credential) connectorGets.add(connectorKey({ appId: credential.appId, id: credential.connectorId }));
  }
  c1.add('GetConnector', connectorGets.size);
}

// ------------------------------------------------------------------ public API

/**
 * The minimal upstream calls for `plan` over `seed`, by upstream and operation, with zero entries
 * omitted: the shape of `TestServer.calls()`.
 */
export function minimalCalls(seed: SandboxSeed, plan: CallPlan): UpstreamCalls {
  const keys = seedKeys(seed);
  const imi = new Tally();
  const appFabric = new Tally();
  const c1 = new Tally();
  for (const request of plan.requests) costOfRequest(keys, request, imi, appFabric, c1);
  return { iotManagedIntegrations: imi.counts, appFabric: appFabric.counts, conductorOne: c1.counts };
}

/** The sum of every count in a `calls()`-shaped record. */
export function totalOf(calls: Record<string, Record<string, number>>): number {
  return Object.values(calls).reduce(
    (sum, byOperation) => sum + Object.values(byOperation).reduce((a, b) => a + b, 0),
    0,
  );
}
