/**
 * Soak test: the subgraph in a child process (sandbox mode, NODE_ENV=production, its own RSS and
 * heap), loaded by autocannon from this process over a query mix that touches all three upstreams,
 * while faults switch on and off in phases. Reports throughput, latency, GraphQL error codes per
 * phase (checked against the faults injected), heap growth and the child's health.
 *
 *   npm run soak -- --duration 600
 *
 * Exits non-zero when the child crashed, /healthz failed or the heap grew more than --max-heap-growth
 * percent (with --strict-codes, also when a phase's error codes did not match its faults).
 * All traffic goes to 127.0.0.1; the load is bounded in time and request count and stops by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import type { ChildMessage, FaultAction, MemorySnapshot, ParentMessage, SoakIds } from './soakChild.ts';

// ------------------------------------------------------------------ autocannon (CommonJS, untyped)

interface LoadRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  setupRequest?: (request: LoadRequest, context: Record<string, unknown>) => LoadRequest;
  onResponse?: (
    status: number,
    body: string,
    context: Record<string, unknown>,
    headers: Record<string, string>,
  ) => void;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { sent: number; total: number };
}

interface AutocannonInstance extends EventEmitter {
  stop(): void;
}

type Autocannon = (
  options: {
    url: string;
    connections: number;
    duration: number;
    maxOverallRequests: number;
    overallRate?: number;
    timeout: number;
    requests: LoadRequest[];
  },
  callback: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

// ------------------------------------------------------------------ options

const HELP = `npm run soak -- [options]

  --duration <s>         load duration after the warm-up (env SOAK_DURATION_S; default 60)
  --warmup <s>           warm-up without faults, before the baseline heap (env SOAK_WARMUP_S; default 10)
  --connections <n>      autocannon connections (env SOAK_CONNECTIONS; default 20)
  --phase <s>            length of each fault phase (env SOAK_PHASE_S; default 15)
  --rate <n>             cap on requests per second, 0 = as fast as it goes (env SOAK_RATE; default 0)
  --max-requests <n>     hard cap on requests of the main run (default duration x 5000)
  --request-timeout-ms <n>  the child's REQUEST_TIMEOUT_MS (default 2000)
  --circuit-open-ms <n>  the child's CIRCUIT_OPEN_MS (default 500, so phases stay separable)
  --max-heap-growth <%>  fail above this heap growth (default 20)
  --log-level <level>    the child's LOG_LEVEL (default error; warn logs every failed upstream call, ~20 MiB a minute); output in bench/soak-child.log
  --out <file>           results file (default bench/soak-results.json)
  --strict-codes         also fail when a phase's error codes do not match its faults
  --help`;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    phase: { type: 'string' },
    rate: { type: 'string' },
    'max-requests': { type: 'string' },
    'request-timeout-ms': { type: 'string' },
    'circuit-open-ms': { type: 'string' },
    'max-heap-growth': { type: 'string' },
    'log-level': { type: 'string' },
    out: { type: 'string' },
    'strict-codes': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}

function numberOption(value: string | undefined, envName: string | null, fallback: number, min: number, max: number) {
  const raw = value ?? (envName ? process.env[envName] : undefined);
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = Number(raw);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    console.error(`soak: ${envName ?? 'option'} must be a number from ${min} to ${max} (got "${raw}").\n\n${HELP}`);
    process.exit(2);
  }
  return parsed;
}

const DURATION_S = Math.round(numberOption(args.duration, 'SOAK_DURATION_S', 60, 5, 24 * 3600));
const WARMUP_S = Math.round(numberOption(args.warmup, 'SOAK_WARMUP_S', 10, 1, 600));
const CONNECTIONS = Math.round(numberOption(args.connections, 'SOAK_CONNECTIONS', 20, 1, 1000));
const PHASE_S = numberOption(args.phase, 'SOAK_PHASE_S', 15, 2, 3600);
const RATE = Math.round(numberOption(args.rate, 'SOAK_RATE', 0, 0, 100_000));
const MAX_REQUESTS = Math.round(numberOption(args['max-requests'], null, DURATION_S * 5000, CONNECTIONS, 1e9));
const REQUEST_TIMEOUT_MS = Math.round(numberOption(args['request-timeout-ms'], null, 2000, 100, 600_000));
const CIRCUIT_OPEN_MS = Math.round(numberOption(args['circuit-open-ms'], null, 500, 100, 3_600_000));
const MAX_HEAP_GROWTH = numberOption(args['max-heap-growth'], null, 20, 0, 10_000);
const LOG_LEVEL = args['log-level'] ?? 'error';
const OUT = new URL(args.out ?? 'soak-results.json', import.meta.url).pathname;
const CHILD_LOG = new URL('soak-child.log', import.meta.url).pathname;
const CHILD_ENTRY = new URL('soakChild.ts', import.meta.url).pathname;

/** ConductorOne latency in the latency phase: beyond the request deadline. */
const C1_LATENCY_MS = REQUEST_TIMEOUT_MS + 1000;
/** Responses this soon after a switch may still reflect the previous phase's faults. */
const SETTLE_MS = REQUEST_TIMEOUT_MS + 1000;
/** An opened circuit stays open at most 10 x CIRCUIT_OPEN_MS (the breaker's cap), after the fault ends. */
const SPILL_MS = 10 * CIRCUIT_OPEN_MS + REQUEST_TIMEOUT_MS;

// ------------------------------------------------------------------ fault phases

type Upstream = 'iotManagedIntegrations' | 'appFabric' | 'conductorOne';
const UPSTREAMS: readonly Upstream[] = ['iotManagedIntegrations', 'appFabric', 'conductorOne'];
const SHORT: Record<Upstream, string> = { iotManagedIntegrations: 'IMI', appFabric: 'AppFabric', conductorOne: 'C1' };

/** What a phase's faults should produce on one upstream. */
interface Expectation {
  /** Codes the upstream's fields may fail with. */
  allowed: string[];
  /**
   * Codes that must show up (not from an open circuit) for the phase to match its faults, each
   * optionally with the upstream status it must carry, e.g. `UPSTREAM_UNAVAILABLE HTTP 503`.
   */
  mustSee: string[];
  /** Whether the fault counts against the circuit, so "circuit open" UPSTREAM_UNAVAILABLE is expected too. */
  opensCircuit: boolean;
}

interface PhaseDef {
  name: string;
  description: string;
  actions: FaultAction[];
  expect: Partial<Record<Upstream, Expectation>>;
}

const FOREVER = Number.MAX_SAFE_INTEGER; // a fault's `times`: until the phase clears it
const IMI_OPERATIONS = [
  'GetConnectorDestination',
  'ListConnectorDestinations',
  'GetCloudConnector',
  'ListCloudConnectors',
] as const;
const APPFABRIC_OPERATIONS = [
  'GetAppBundle',
  'ListAppAuthorizations',
  'GetAppAuthorization',
  'ConnectAppAuthorization',
] as const;
const C1_API_OPERATIONS = ['GetCredentials', 'GetConnector', 'SearchApps'] as const;

const unavailable = (mustSee = 'UPSTREAM_UNAVAILABLE'): Expectation => ({
  allowed: ['UPSTREAM_UNAVAILABLE'],
  mustSee: [mustSee],
  opensCircuit: true,
});

/** One cycle; phases of the same upstream are kept apart so an open circuit does not hide the next fault. */
const CYCLE: PhaseDef[] = [
  {
    name: 'c1-latency',
    description: `ConductorOne answers after ${C1_LATENCY_MS} ms (request deadline ${REQUEST_TIMEOUT_MS} ms)`,
    actions: [{ kind: 'conductorOneLatency', ms: C1_LATENCY_MS }],
    expect: {
      conductorOne: { allowed: ['UPSTREAM_TIMEOUT'], mustSee: ['UPSTREAM_TIMEOUT'], opensCircuit: true },
    },
  },
  {
    name: 'imi-500',
    description: 'IoT Managed Integrations: every operation answers 500 InternalServerException',
    actions: IMI_OPERATIONS.map((operation) => ({
      kind: 'awsFault',
      operation,
      fault: { kind: 'error', status: 500, type: 'InternalServerException', message: 'soak', times: FOREVER },
    })),
    expect: { iotManagedIntegrations: unavailable('UPSTREAM_UNAVAILABLE HTTP 500') },
  },
  {
    name: 'c1-token-down',
    description: 'ConductorOne: issued tokens expire, the token endpoint answers 503',
    actions: [
      { kind: 'conductorOneExpireTokens' },
      { kind: 'conductorOneFault', operation: 'Token', fault: { kind: 'error', status: 503, times: FOREVER } },
    ],
    expect: { conductorOne: unavailable('UPSTREAM_UNAVAILABLE HTTP 503') },
  },
  {
    name: 'appfabric-throttle',
    description: 'AppFabric: every operation answers 429 ThrottlingException with Retry-After: 1',
    actions: APPFABRIC_OPERATIONS.map((operation) => ({
      kind: 'awsFault',
      operation,
      fault: { kind: 'throttle', retryAfterSeconds: 1, times: FOREVER },
    })),
    expect: {
      appFabric: { allowed: ['UPSTREAM_THROTTLED'], mustSee: ['UPSTREAM_THROTTLED HTTP 429'], opensCircuit: false },
    },
  },
  {
    name: 'resets',
    description: 'All three upstreams: every API call has its connection reset (ConductorOne tokens still work)',
    actions: [
      ...[...IMI_OPERATIONS, ...APPFABRIC_OPERATIONS].map((operation): FaultAction => ({
        kind: 'awsFault',
        operation,
        fault: { kind: 'reset', times: FOREVER },
      })),
      ...C1_API_OPERATIONS.map((operation): FaultAction => ({
        kind: 'conductorOneFault',
        operation,
        fault: { kind: 'reset', times: FOREVER },
      })),
    ],
    expect: { iotManagedIntegrations: unavailable(), appFabric: unavailable(), conductorOne: unavailable() },
  },
  { name: 'none', description: 'No faults', actions: [], expect: {} },
];
const WARMUP: PhaseDef = { name: 'warm-up', description: 'No faults (not in the totals)', actions: [], expect: {} };

const PHASE_MS = PHASE_S * 1000;
const SCHEDULE = Array.from({ length: Math.ceil((DURATION_S * 1000) / PHASE_MS) }, (_, i) => ({
  def: CYCLE[i % CYCLE.length]!,
  startS: (i * PHASE_MS) / 1000,
  endS: Math.min(((i + 1) * PHASE_MS) / 1000, DURATION_S),
}));

// ------------------------------------------------------------------ recording

interface Bucket {
  index: number;
  def: PhaseDef;
  startedAt: number;
  endedAt: number | null;
  responses: number;
  /** Responses with at least one GraphQL error. */
  withErrors: number;
  /** Responses with errors and some non-null data. */
  partial: number;
  status: Record<string, number>;
  /**
   * `upstream/CODE`, then ` HTTP <status>` when the upstream answered, and ` (circuit open)` for the
   * fast failures of an open circuit.
   */
  codes: Record<string, number>;
  classes: { expected: number; spill: number; settling: number; unexpected: number };
  unexpectedSamples: string[];
  userErrors: Record<string, number>;
  /** Socket errors and timeouts autocannon saw. */
  requestErrors: number;
  latencies: number[];
}

function newBucket(index: number, def: PhaseDef): Bucket {
  return {
    index,
    def,
    startedAt: Date.now(),
    endedAt: null,
    responses: 0,
    withErrors: 0,
    partial: 0,
    status: {},
    codes: {},
    classes: { expected: 0, spill: 0, settling: 0, unexpected: 0 },
    unexpectedSamples: [],
    userErrors: {},
    requestErrors: 0,
    latencies: [],
  };
}

const buckets: Bucket[] = [];
let current = newBucket(-1, WARMUP);
const lastFaultEnd: Partial<Record<Upstream, number>> = {};
const queryStats = new Map<string, { count: number; withErrors: number; latencies: number[] }>();
/** Set by a request's onResponse, read by the `response` event that autocannon emits right after it. */
let pending: { bucket: Bucket; query: string; hasErrors: boolean } | null = null;

const bump = (record: Record<string, number>, key: string, by = 1) => {
  record[key] = (record[key] ?? 0) + by;
};

interface GraphQLErrorShape {
  message?: unknown;
  path?: unknown;
  extensions?: { code?: unknown; upstream?: { name?: unknown; status?: unknown } };
}

function classify(bucket: Bucket, upstream: Upstream | null, code: string, circuitOpen: boolean, at: number) {
  if (upstream) {
    const now = bucket.def.expect[upstream];
    if (now && (now.allowed.includes(code) || (circuitOpen && now.opensCircuit && code === 'UPSTREAM_UNAVAILABLE')))
      return 'expected';
    const ended = lastFaultEnd[upstream];
    if (circuitOpen && ended !== undefined && at - ended <= SPILL_MS) return 'spill';
    const previous = buckets.at(-1)?.def.expect[upstream];
    if (previous && at - bucket.startedAt <= SETTLE_MS && (previous.allowed.includes(code) || circuitOpen))
      return 'settling';
  }
  return 'unexpected';
}

function recordBody(query: string, status: number, text: string): void {
  const bucket = current;
  const at = Date.now();
  const record = { bucket, query, hasErrors: false };
  pending = record;
  bucket.responses += 1;
  bump(bucket.status, String(status));
  let body: { data?: Record<string, unknown> | null; errors?: GraphQLErrorShape[] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    bump(bucket.codes, 'subgraph/NON_JSON_BODY');
    bucket.classes.unexpected += 1;
    return;
  }
  const errors = Array.isArray(body.errors) ? body.errors : [];
  if (errors.length > 0) {
    record.hasErrors = true;
    bucket.withErrors += 1;
    if (body.data && Object.values(body.data).some((value) => value !== null)) bucket.partial += 1;
  }
  for (const error of errors) {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'NO_CODE';
    const name = error.extensions?.upstream?.name;
    const upstream = UPSTREAMS.includes(name as Upstream) ? (name as Upstream) : null;
    const circuitOpen = typeof error.message === 'string' && error.message.includes('circuit open');
    const status = error.extensions?.upstream?.status;
    const suffix = `${typeof status === 'number' ? ` HTTP ${status}` : ''}${circuitOpen ? ' (circuit open)' : ''}`;
    bump(bucket.codes, `${upstream ?? 'subgraph'}/${code}${suffix}`);
    const verdict = classify(bucket, upstream, code, circuitOpen, at);
    bucket.classes[verdict] += 1;
    if (verdict === 'unexpected' && bucket.unexpectedSamples.length < 5) {
      const path = Array.isArray(error.path) ? error.path.join('.') : '';
      bucket.unexpectedSamples.push(`${query}: ${upstream ?? 'subgraph'}/${code} at ${path}: ${String(error.message)}`);
    }
  }
  const payload = body.data?.['connectAppAuthorization'] as { userErrors?: Array<{ code?: unknown }> } | undefined;
  for (const userError of payload?.userErrors ?? []) bump(bucket.userErrors, String(userError.code));
}

function recordLatency(ms: number): void {
  const target = pending;
  pending = null;
  const bucket = target?.bucket ?? current;
  bucket.latencies.push(ms);
  if (bucket.index < 0 || !target) return;
  let stats = queryStats.get(target.query);
  if (!stats) queryStats.set(target.query, (stats = { count: 0, withErrors: 0, latencies: [] }));
  stats.count += 1;
  if (target.hasErrors) stats.withErrors += 1;
  stats.latencies.push(ms);
}

// ------------------------------------------------------------------ the query mix

let counter = 0;
const pick = <T>(list: readonly T[]): T => list[counter++ % list.length]!;

function buildRequests(ids: SoakIds): { requests: LoadRequest[]; probeBody: string } {
  // The subgraph exchanges one code at a time per authorization, as a real flow does (one user,
  // one consent): connects go round the oauth2 authorizations instead of queueing on one.
  const oauth2 = ids.appAuthorizations.filter((a) => a.authType === 'oauth2');
  const bundle = ids.appAuthorizations[0]!.appBundleArn;
  if (oauth2.length === 0) throw new Error('the sandbox seed has no oauth2 app authorization');

  const request = (
    name: string,
    query: string,
    variables: () => Record<string, unknown> = () => ({}),
    fresh = false,
  ): LoadRequest => {
    const request: LoadRequest = {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: variables() }),
      onResponse: (status, body) => recordBody(name, status, body),
    };
    // Fresh variables for every request (a new authorization code, another id).
    if (fresh) request.setupRequest = (r) => ({ ...r, body: JSON.stringify({ query, variables: variables() }) });
    return request;
  };

  const perUpstream = request(
    'one per upstream',
    `query ($destination: ID!, $appId: ID!, $connectorId: ID!, $credential: ID!, $bundle: ID!, $arn: ID!) {
        connectorDestination(id: $destination) { id name }
        connectorCredential(appId: $appId, connectorId: $connectorId, id: $credential) { id status }
        appAuthorization(appBundleIdentifier: $bundle, appAuthorizationIdentifier: $arn) { arn status } }`,
    () => {
      const c = pick(ids.credentials);
      const a = pick(ids.appAuthorizations);
      return {
        destination: pick(ids.destinationIds),
        appId: c.appId,
        connectorId: c.connectorId,
        credential: c.id,
        bundle: a.appBundleArn,
        arn: a.arn,
      };
    },
    true,
  );
  const requests = [
    request(
      'destination',
      `query ($id: ID!) { connectorDestination(id: $id) { id name authType cloudConnectorId cloudConnector { id name } } }`,
      () => ({ id: pick(ids.destinationIds) }),
      true,
    ),
    request(
      'destinations(25)',
      `{ connectorDestinations(first: 25) {
          nodes { id name description authType oAuthCompleteRedirectUrl
            authConfig {
              oAuth { authUrl tokenUrl scope tokenEndpointAuthenticationScheme
                proactiveRefreshTokenRenewal { enabled daysBeforeRenewal } }
              generalAuthorization { authMaterialName secretsManager { arn versionId } } }
            secretsManager { arn versionId }
            cloudConnector { id name type endpointType lambdaArn } }
          pageInfo { hasNextPage endCursor } } }`,
    ),
    request(
      'credential',
      `query ($appId: ID!, $connectorId: ID!, $id: ID!) { connectorCredential(appId: $appId, connectorId: $connectorId, id: $id) {
          id status clientId displayName expiresTime app { id displayName } connector { id displayName syncStatus } } }`,
      () => pick(ids.credentials),
      true,
    ),
    request(
      'appAuthorization',
      `query ($bundle: ID!, $arn: ID!) { appAuthorization(appBundleIdentifier: $bundle, appAuthorizationIdentifier: $arn) {
          arn app status authType persona tenant { tenantIdentifier tenantDisplayName } createdAt updatedAt } }`,
      () => {
        const a = pick(ids.appAuthorizations);
        return { bundle: a.appBundleArn, arn: a.arn };
      },
      true,
    ),
    request(
      'appAuthorizations(25)',
      `query ($bundle: ID!) { appAuthorizations(appBundleIdentifier: $bundle, first: 25) {
          nodes { arn app status authType persona tenant { tenantDisplayName } } pageInfo { hasNextPage } } }`,
      () => ({ bundle }),
    ),
    request(
      '_entities',
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename
          ... on ConnectorDestination { id destinationName: name cloudConnector { id name } }
          ... on CloudConnector { id connectorName: name lambdaArn }
          ... on ConnectorCredential { id credentialStatus: status connector { displayName } }
          ... on ConductorOneApp { id displayName }
          ... on ConductorOneConnector { id syncStatus }
          ... on AppAuthorization { arn authorizationStatus: status authType } } }`,
      () => ({
        representations: [
          ...ids.destinationIds.slice(0, 10).map((id) => ({ __typename: 'ConnectorDestination', id })),
          ...ids.cloudConnectorIds.slice(0, 3).map((id) => ({ __typename: 'CloudConnector', id })),
          ...ids.credentials.slice(0, 4).map((c) => ({ __typename: 'ConnectorCredential', ...c })),
          ...ids.conductorOneAppIds.slice(0, 2).map((id) => ({ __typename: 'ConductorOneApp', id })),
          ...ids.conductorOneConnectors.slice(0, 2).map((c) => ({ __typename: 'ConductorOneConnector', ...c })),
          ...ids.appAuthorizations.slice(0, 4).map((a) => ({ __typename: 'AppAuthorization', arn: a.arn })),
        ],
      }),
    ),
    request(
      'connect (mutation)',
      `mutation ($input: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $input) {
          appAuthorization { arn status } userErrors { code field } } }`,
      () => {
        const authorization = pick(oauth2);
        return {
          input: {
            appBundleIdentifier: authorization.appBundleArn,
            appAuthorizationIdentifier: authorization.arn,
            authRequest: { redirectUri: 'https://app.example.com/oauth/callback', code: `soak-${randomUUID()}` },
          },
        };
      },
      true,
    ),
    perUpstream,
  ];
  return { requests, probeBody: perUpstream.body };
}

// ------------------------------------------------------------------ the child

interface Child {
  process: ChildProcess;
  url: string;
  ids: SoakIds;
  call(message: DistributiveOmit<ParentMessage, 'id'>, timeoutMs?: number): Promise<MemorySnapshot | undefined>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  stopRequested: boolean;
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

async function startChild(): Promise<Child> {
  const logFd = openSync(CHILD_LOG, 'w');
  const child = spawn(process.execPath, ['--expose-gc', CHILD_ENTRY], {
    // A clean environment: no AWS profile, no instance metadata, nothing inherited but PATH.
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      AWS_EC2_METADATA_DISABLED: 'true',
      NODE_ENV: 'production',
      SANDBOX: 'true',
      AUTH_DISABLED: 'true',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL,
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      CIRCUIT_OPEN_MS: String(CIRCUIT_OPEN_MS),
      // The load connects the seed's authorizations many times a second, with fresh codes.
      CONNECT_ATTEMPTS_PER_MINUTE: '0',
      // Nothing routes to this process, so no need to keep serving while draining.
      SHUTDOWN_DELAY_MS: '0',
    },
    stdio: ['ignore', logFd, logFd, 'ipc'],
    // Its own process group: Ctrl-C reaches only this process, which then stops the child.
    detached: true,
  });
  closeSync(logFd);

  let nextId = 1;
  const waiting = new Map<number, { resolve: (m: MemorySnapshot | undefined) => void; reject: (e: Error) => void }>();
  let onReady: ((message: Extract<ChildMessage, { type: 'ready' }>) => void) | null = null;
  child.on('message', (raw: unknown) => {
    const message = raw as ChildMessage;
    if (message.type === 'ready') onReady?.(message);
    else if (message.type === 'reply') {
      const waiter = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.ok) waiter?.resolve(message.memory);
      else waiter?.reject(new Error(`child: ${message.error}`));
    }
  });

  const handle: Child = {
    process: child,
    url: '',
    ids: undefined as unknown as SoakIds,
    exited: null,
    stopRequested: false,
    exit: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        handle.exited = { code, signal };
        for (const waiter of waiting.values()) waiter.reject(new Error(`child exited (${code ?? signal})`));
        waiting.clear();
        resolve({ code, signal });
      });
    }),
    call(message, timeoutMs = 30_000) {
      if (handle.exited || !child.connected) return Promise.reject(new Error('child is not running'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`child did not answer "${message.cmd}" within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ ...message, id } as ParentMessage);
      });
    },
  };

  const ready = await Promise.race([
    new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve) => (onReady = resolve)),
    handle.exit.then(({ code, signal }) => {
      throw new Error(`the child exited before it was ready (${code ?? signal}); see ${relative('.', CHILD_LOG)}`);
    }),
    sleep(30_000).then(() => {
      throw new Error('the child was not ready within 30 s');
    }),
  ]);
  const url = new URL(ready.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`the child listens on ${url.hostname}, not 127.0.0.1`);
  handle.url = ready.url;
  handle.ids = ready.ids;
  return handle;
}

// ------------------------------------------------------------------ the run

let instance: AutocannonInstance | null = null;
let interrupted = false;
let child: Child | null = null;

function runLoad(url: string, requests: LoadRequest[], seconds: number, maxRequests: number) {
  return new Promise<AutocannonResult>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        maxOverallRequests: Math.max(maxRequests, CONNECTIONS),
        ...(RATE > 0 ? { overallRate: RATE } : {}),
        timeout: Math.ceil(REQUEST_TIMEOUT_MS / 1000) + 10,
        requests,
      },
      (error, result) => {
        instance = null;
        if (error) reject(error);
        else resolve(result);
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => recordLatency(ms));
    instance.on('reqError', () => {
      current.requestErrors += 1;
    });
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
function latencySummary(values: number[]) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(value < 10 ? 1 : 0)} ms`);
const list = (record: Record<string, number>) =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${key} ${count}`)
    .join(', ') || '-';

function checkPhase(bucket: Bucket) {
  const seconds = ((bucket.endedAt ?? Date.now()) - bucket.startedAt) / 1000;
  const missing: string[] = [];
  // A phase too short to outlast the settle window proves nothing either way.
  const judged = seconds * 1000 > SETTLE_MS + 1000;
  if (judged) {
    for (const [upstream, expectation] of Object.entries(bucket.def.expect) as Array<[Upstream, Expectation]>) {
      for (const code of expectation.mustSee) {
        const prefix = `${upstream}/${code}`;
        const seen = Object.keys(bucket.codes).some((key) => key.startsWith(prefix) && !key.endsWith('(circuit open)'));
        if (!seen) missing.push(`${SHORT[upstream]} ${code}`);
      }
    }
  }
  const verdict = !judged ? 'n/a' : missing.length === 0 && bucket.classes.unexpected === 0 ? 'match' : 'MISMATCH';
  return { seconds, missing, verdict };
}

function phaseLine(bucket: Bucket): string {
  const { seconds, verdict, missing } = checkPhase(bucket);
  const lat = latencySummary(bucket.latencies);
  return (
    `[${bucket.index < 0 ? 'warm-up' : `phase ${bucket.index + 1}/${SCHEDULE.length}`} ${bucket.def.name}] ` +
    `${bucket.responses} responses (${(bucket.responses / seconds).toFixed(0)}/s), p50 ${ms(lat.p50)}, p99 ${ms(lat.p99)}; ` +
    `errors: ${list(bucket.codes)}; check: ${verdict}${missing.length ? ` (missing ${missing.join(', ')})` : ''}` +
    `${bucket.classes.unexpected ? `; unexpected ${bucket.classes.unexpected}` : ''}`
  );
}

interface Recovery {
  /** Circuit states before any probe, from /readyz. */
  before: Record<string, string> | null;
  closed: boolean;
  probes: number;
  ms: number;
}

/**
 * Sends a query touching all three upstreams every 250 ms until /readyz shows every circuit closed
 * (an open circuit closes only after a successful probe call), or until 10 x CIRCUIT_OPEN_MS passed.
 */
async function recoverCircuits(url: string, probeBody: string): Promise<Recovery> {
  const origin = new URL(url).origin;
  const started = Date.now();
  let before: Record<string, string> | null = null;
  let probes = 0;
  for (;;) {
    let circuits: Record<string, string> | null = null;
    try {
      const response = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(5000) });
      circuits = ((await response.json()) as { upstreams?: Record<string, string> }).upstreams ?? null;
    } catch {
      // reported as not closed
    }
    if (probes === 0) before = circuits;
    const closed = circuits !== null && Object.values(circuits).every((state) => state === 'closed');
    if (closed || Date.now() - started > 10 * CIRCUIT_OPEN_MS + 5000) {
      return { before, closed, probes, ms: Date.now() - started };
    }
    probes += 1;
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: probeBody,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS + 5000),
    })
      .then((response) => response.text())
      .catch(() => undefined);
    await sleep(250);
  }
}

function describeRecovery(recovery: Recovery): string {
  const before = recovery.before
    ? Object.entries(recovery.before)
        .map(([upstream, state]) => `${SHORT[upstream as Upstream] ?? upstream} ${state}`)
        .join(', ')
    : 'unknown';
  return recovery.probes === 0
    ? `all closed (${before})`
    : `${before}; ${recovery.closed ? 'all closed' : 'NOT all closed'} after ${recovery.probes} probe requests in ${recovery.ms} ms`;
}

async function main(): Promise<number> {
  const overallDeadlineMs = (WARMUP_S + DURATION_S + 120) * 1000;
  const watchdog = setTimeout(() => {
    console.error(`soak: still running after ${overallDeadlineMs / 1000} s; killing the child and giving up.`);
    child?.process.kill('SIGKILL');
    process.exit(3);
  }, overallDeadlineMs);
  watchdog.unref();

  console.log(
    `soak: ${DURATION_S} s of load after a ${WARMUP_S} s warm-up, ${CONNECTIONS} connections` +
      `${RATE ? `, at most ${RATE} req/s` : ''}, at most ${MAX_REQUESTS} requests; phases of ${PHASE_S} s.`,
  );
  console.log(
    `child: NODE_ENV=production SANDBOX=true AUTH_DISABLED=true REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS} ` +
      `CIRCUIT_OPEN_MS=${CIRCUIT_OPEN_MS} LOG_LEVEL=${LOG_LEVEL} (output in ${relative('.', CHILD_LOG)})`,
  );
  console.log('\nFault schedule:');
  for (const [i, phase] of SCHEDULE.entries()) {
    console.log(
      `  ${String(i + 1).padStart(2)}. ${String(phase.startS).padStart(5)}-${String(phase.endS).padEnd(5)} s  ${phase.def.name.padEnd(19)} ${phase.def.description}`,
    );
  }
  console.log('');

  child = await startChild();
  const started = child;
  started.exit.then(({ code, signal }) => {
    if (!started.stopRequested) {
      console.error(`soak: the child exited unexpectedly (${code ?? signal}); stopping the load.`);
      instance?.stop();
    }
  });
  console.log(`child pid ${started.process.pid} listening at ${started.url}\n`);
  const { requests, probeBody } = buildRequests(started.ids);

  // Warm-up, then the baseline heap.
  current = newBucket(-1, WARMUP);
  await runLoad(started.url, requests, WARMUP_S, WARMUP_S * 5000);
  current.endedAt = Date.now();
  const warmup = current;
  console.log(phaseLine(warmup));
  await started.call({ cmd: 'clear' });
  await sleep(1000);
  const afterWarmup = await recoverCircuits(started.url, probeBody);
  console.log(`circuits after the warm-up: ${describeRecovery(afterWarmup)}`);
  const baseline = (await started.call({ cmd: 'memory', gc: true }))!;
  console.log(`baseline after warm-up: heapUsed ${mib(baseline.heapUsed)}, rss ${mib(baseline.rss)}\n`);
  if (interrupted) throw new Error('interrupted during the warm-up');

  // The main run: one autocannon run, faults switched by a timer.
  const heapSamples: Array<{ phase: number; name: string; heapUsed: number; rss: number }> = [];
  let switching = Promise.resolve();
  const switchTo = (index: number) => {
    switching = switching.then(async () => {
      const now = Date.now();
      if (current.index >= 0) {
        current.endedAt = now;
        for (const upstream of Object.keys(current.def.expect) as Upstream[]) lastFaultEnd[upstream] = now;
        buckets.push(current);
        console.log(phaseLine(current));
      }
      const phase = SCHEDULE[index]!;
      current = newBucket(index, phase.def);
      await started.call({ cmd: 'clear' });
      if (phase.def.actions.length) await started.call({ cmd: 'apply', actions: phase.def.actions });
      // Without a forced GC: a full collection stalls the child for hundreds of ms under load.
      const sample = await started.call({ cmd: 'memory', gc: false });
      if (sample)
        heapSamples.push({ phase: index + 1, name: phase.def.name, heapUsed: sample.heapUsed, rss: sample.rss });
    });
    return switching;
  };
  await switchTo(0);
  const loadStart = Date.now();
  const timers = SCHEDULE.slice(1).map((phase, i) => setTimeout(() => void switchTo(i + 1), phase.startS * 1000));
  let result: AutocannonResult | null = null;
  let loadError: unknown = null;
  try {
    result = await runLoad(started.url, requests, DURATION_S, MAX_REQUESTS);
  } catch (error) {
    loadError = error;
  }
  const loadSeconds = (Date.now() - loadStart) / 1000;
  timers.forEach(clearTimeout);
  await switching.catch(() => undefined);
  current.endedAt = Date.now();
  buckets.push(current);
  console.log(phaseLine(current));

  // Let faulted upstream calls run out, then the end heap, health, metrics and a clean stop.
  let end: MemorySnapshot | null = null;
  let afterRun: Recovery | null = null;
  let healthz: { status: number; body: string } | null = null;
  let readyz: { status: number; body: string } | null = null;
  let unhandledRejections: number | null = null;
  let stopError: string | null = null;
  if (!started.exited) {
    try {
      await started.call({ cmd: 'clear' });
      await sleep(C1_LATENCY_MS + 1000);
      afterRun = await recoverCircuits(started.url, probeBody);
      console.log(`circuits after the run: ${describeRecovery(afterRun)}`);
      end = (await started.call({ cmd: 'memory', gc: true })) ?? null;
    } catch (error) {
      stopError = String(error);
    }
    const origin = new URL(started.url).origin;
    const get = async (path: string) => {
      try {
        const response = await fetch(`${origin}${path}`, { signal: AbortSignal.timeout(5000) });
        return { status: response.status, body: await response.text() };
      } catch (error) {
        return { status: 0, body: String(error) };
      }
    };
    healthz = await get('/healthz');
    readyz = await get('/readyz');
    const metrics = await get('/metrics');
    const match = /^process_unhandled_rejections_total(?:\{[^}]*\})? (\d+)/m.exec(metrics.body);
    unhandledRejections = match ? Number(match[1]) : null;
    started.stopRequested = true;
    try {
      await started.call({ cmd: 'stop' }, 30_000);
    } catch (error) {
      stopError = String(error);
    }
    const exited = await Promise.race([started.exit, sleep(15_000).then(() => null)]);
    if (!exited) {
      stopError = 'the child did not exit within 15 s of "stop"; killed';
      started.process.kill('SIGKILL');
      await started.exit;
    }
  }
  clearTimeout(watchdog);

  // ---------------------------------------------------------------- report
  const crashed = !started.stopRequested || (started.exited !== null && started.exited.code !== 0);
  const allLatencies = buckets.flatMap((b) => b.latencies);
  const total = buckets.reduce((sum, b) => sum + b.responses, 0);
  const latency = latencySummary(allLatencies);
  const byCode: Record<string, number> = {};
  const byUpstreamCode: Record<string, number> = {};
  const userErrors: Record<string, number> = {};
  for (const b of buckets) {
    for (const [key, count] of Object.entries(b.codes)) {
      bump(byUpstreamCode, key, count);
      bump(byCode, key.split('/')[1]!.split(' ')[0]!, count);
    }
    for (const [key, count] of Object.entries(b.userErrors)) bump(userErrors, key, count);
  }
  const growth = end ? ((end.heapUsed - baseline.heapUsed) / baseline.heapUsed) * 100 : null;
  const rssGrowth = end ? ((end.rss - baseline.rss) / baseline.rss) * 100 : null;
  const signed = (value: number | null) =>
    value === null ? 'unknown' : `${value >= 0 ? '+' : ''}${value.toFixed(1)} %`;
  const phases = buckets.map((b) => ({ bucket: b, check: checkPhase(b), latency: latencySummary(b.latencies) }));
  const codesMatch = phases.every((p) => p.check.verdict !== 'MISMATCH');
  const healthy = healthz?.status === 200;
  const failures = [
    ...(crashed ? [`the child crashed or exited uncleanly (${JSON.stringify(started.exited)})`] : []),
    ...(healthy ? [] : [`/healthz answered ${healthz?.status ?? 'nothing'}`]),
    ...(growth === null
      ? ['no end heap snapshot']
      : growth > MAX_HEAP_GROWTH
        ? [`heap grew ${growth.toFixed(1)} %`]
        : []),
    ...(loadError ? [`autocannon failed: ${String(loadError)}`] : []),
    ...(interrupted ? ['interrupted'] : []),
    ...(args['strict-codes'] && !codesMatch ? ['error codes did not match the injected faults'] : []),
  ];

  const results = {
    finishedAt: new Date().toISOString(),
    settings: {
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      connections: CONNECTIONS,
      phaseS: PHASE_S,
      rate: RATE || null,
      maxRequests: MAX_REQUESTS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      circuitOpenMs: CIRCUIT_OPEN_MS,
      maxHeapGrowthPercent: MAX_HEAP_GROWTH,
      childLogLevel: LOG_LEVEL,
      node: process.version,
    },
    schedule: SCHEDULE.map((p) => ({ name: p.def.name, startS: p.startS, endS: p.endS, faults: p.def.description })),
    totals: {
      requests: total,
      seconds: loadSeconds,
      requestsPerSecond: total / loadSeconds,
      autocannon: result && {
        sent: result.requests.sent,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
      },
      latencyMs: latency,
      errorsByCode: byCode,
      errorsByUpstreamAndCode: byUpstreamCode,
      connectUserErrors: userErrors,
    },
    queries: Object.fromEntries(
      [...queryStats].map(([name, s]) => [name, { withErrors: s.withErrors, latencyMs: latencySummary(s.latencies) }]),
    ),
    phases: phases.map(({ bucket: b, check, latency: l }) => ({
      index: b.index + 1,
      name: b.def.name,
      startedAt: new Date(b.startedAt).toISOString(),
      endedAt: b.endedAt === null ? null : new Date(b.endedAt).toISOString(),
      faults: b.def.description,
      seconds: check.seconds,
      responses: b.responses,
      withErrors: b.withErrors,
      partialData: b.partial,
      status: b.status,
      requestErrors: b.requestErrors,
      latencyMs: l,
      errors: b.codes,
      classification: b.classes,
      unexpectedSamples: b.unexpectedSamples,
      connectUserErrors: b.userErrors,
      check: { verdict: check.verdict, missing: check.missing },
    })),
    warmup: {
      seconds: ((warmup.endedAt ?? 0) - warmup.startedAt) / 1000,
      responses: warmup.responses,
      errors: warmup.codes,
      latencyMs: latencySummary(warmup.latencies),
    },
    memory: {
      baseline,
      end,
      heapGrowthPercent: growth,
      rssGrowthPercent: rssGrowth,
      samplesAtPhaseStart: heapSamples,
    },
    circuits: { afterWarmup, afterRun },
    child: {
      pid: started.process.pid,
      crashed,
      exit: started.exited,
      stopError,
      healthz,
      readyz,
      unhandledRejections,
      log: relative('.', CHILD_LOG),
    },
    codesMatchFaults: codesMatch,
    passed: failures.length === 0,
    failures,
  };
  const text = JSON.stringify(results, null, 2);
  const config = (await prettier.resolveConfig(OUT)) ?? {};
  writeFileSync(OUT, await prettier.format(text, { ...config, filepath: OUT }));

  const md: string[] = [];
  md.push('## Soak summary', '');
  md.push(
    `${DURATION_S} s after a ${WARMUP_S} s warm-up, ${CONNECTIONS} connections, phases of ${PHASE_S} s; ` +
      `child: NODE_ENV=production, sandbox, REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}, CIRCUIT_OPEN_MS=${CIRCUIT_OPEN_MS}; ${process.version}.`,
    '',
  );
  md.push('| Requests | req/s | p50 | p95 | p99 | max | socket errors | timeouts | non-2xx |');
  md.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  md.push(
    `| ${total} | ${(total / loadSeconds).toFixed(0)} | ${ms(latency.p50)} | ${ms(latency.p95)} | ${ms(latency.p99)} | ${ms(latency.max)} | ` +
      `${result?.errors ?? '-'} | ${result?.timeouts ?? '-'} | ${result?.non2xx ?? '-'} |`,
    '',
  );
  md.push('| Memory (after forced GC) | RSS | heapUsed | heapTotal | external |');
  md.push('| --- | ---: | ---: | ---: | ---: |');
  for (const [label, m] of [
    ['after warm-up', baseline],
    ['end', end],
  ] as const) {
    md.push(
      m
        ? `| ${label} | ${mib(m.rss)} | ${mib(m.heapUsed)} | ${mib(m.heapTotal)} | ${mib(m.external)} |`
        : `| ${label} | - | - | - | - |`,
    );
  }
  md.push(
    '',
    `Heap growth: **${signed(growth)}** (limit ${MAX_HEAP_GROWTH} %; RSS ${signed(rssGrowth)}). ` +
      `Heap at phase starts (under load, no forced GC): ` +
      `${heapSamples.map((s) => mib(s.heapUsed).replace(' MiB', '')).join(', ')} MiB.`,
    '',
  );
  md.push(
    `Child: ${crashed ? '**CRASHED / unclean exit**' : 'never crashed, stopped cleanly'} (exit ${JSON.stringify(started.exited)}); ` +
      `/healthz ${healthz?.status ?? '-'}, /readyz ${readyz?.status ?? '-'} ${readyz?.body ?? ''}; ` +
      `unhandled rejections: ${unhandledRejections ?? 'unknown'}; its log: ${relative('.', CHILD_LOG)} (${mib(statSync(CHILD_LOG).size)}).`,
    '',
  );
  md.push(
    `Circuits after the warm-up: ${describeRecovery(afterWarmup)}. After the run: ${afterRun ? describeRecovery(afterRun) : '-'}.`,
    '',
  );
  md.push('Errors by GraphQL code (all phases):', '');
  md.push('| Code | Count |', '| --- | ---: |');
  for (const [code, count] of Object.entries(byCode).sort((a, b) => b[1] - a[1])) md.push(`| ${code} | ${count} |`);
  if (Object.keys(byCode).length === 0) md.push('| - | 0 |');
  md.push('', `connectAppAuthorization userErrors: ${list(userErrors)}.`, '');
  md.push(
    "Per phase (errors as upstream/code; expected = matches the phase's faults, spill = an open circuit left by an earlier phase, settling = within " +
      `${SETTLE_MS} ms of a switch):`,
    '',
  );
  md.push(
    '| # | Phase | s | Responses | req/s | p50 | p95 | p99 | Partial | Errors | expected / spill / settling / unexpected | Check |',
  );
  md.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |');
  for (const { bucket: b, check, latency: l } of phases) {
    const errors = Object.entries(b.codes)
      .sort((x, y) => y[1] - x[1])
      .map(([key, count]) => {
        const [upstream, code] = key.split('/') as [string, string];
        return `${SHORT[upstream as Upstream] ?? upstream} ${code} ${count}`;
      })
      .join('<br>');
    const c = b.classes;
    md.push(
      `| ${b.index + 1} | ${b.def.name} | ${check.seconds.toFixed(0)} | ${b.responses} | ${(b.responses / check.seconds).toFixed(0)} | ` +
        `${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${b.partial} | ${errors || '-'} | ` +
        `${c.expected} / ${c.spill} / ${c.settling} / ${c.unexpected} | ${check.verdict}${check.missing.length ? `: missing ${check.missing.join(', ')}` : ''} |`,
    );
  }
  const samples = phases.flatMap((p) => p.bucket.unexpectedSamples.map((s) => `- phase ${p.bucket.index + 1}: ${s}`));
  if (samples.length) md.push('', 'Unexpected errors (samples):', '', ...samples.slice(0, 15));
  md.push(
    '',
    'Per query:',
    '',
    '| Query | Count | with errors | p50 | p95 | p99 |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [name, s] of queryStats) {
    const l = latencySummary(s.latencies);
    md.push(`| ${name} | ${s.count} | ${s.withErrors} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} |`);
  }
  md.push(
    '',
    `Error codes match the injected faults: **${codesMatch ? 'yes' : 'NO'}**.`,
    `Result: **${failures.length === 0 ? 'PASS' : `FAIL (${failures.join('; ')})`}**. Written to ${relative('.', OUT)}.`,
  );
  console.log(`\n${md.join('\n')}`);
  if (crashed) {
    const tail = readFileSync(CHILD_LOG, 'utf8').trimEnd().split('\n').slice(-20);
    console.error(`\nLast lines of ${relative('.', CHILD_LOG)}:\n${tail.join('\n')}`);
  }
  return failures.length === 0 ? 0 : 1;
}

process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.error('\nsoak: interrupted; stopping the load and reporting (Ctrl-C again to quit at once).');
  instance?.stop();
});

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
    if (child?.exited) {
      const tail = readFileSync(CHILD_LOG, 'utf8').trimEnd().split('\n').slice(-20);
      console.error(
        `The child exited (${JSON.stringify(child.exited)}). Last lines of ${relative('.', CHILD_LOG)}:\n${tail.join('\n')}`,
      );
    } else child?.process.kill('SIGKILL');
    process.exit(1);
  },
);
