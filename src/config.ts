import { createPublicKey, randomBytes } from 'node:crypto';
import {
  EndpointError,
  isRegionName,
  resolveAppFabricEndpoint,
  resolveIotManagedIntegrationsEndpoint,
} from './adapters/aws/endpoints.ts';
import {
  ConductorOneCredentialsError,
  parseClientId,
  parseClientSecret,
  type ClientKey,
  type ConductorOneClientId,
} from './adapters/conductorOne/tokenSource.ts';
import type { QueueBounds } from './admission.ts';
import { Secret } from './secret.ts';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from './security/operationLimits.ts';

/**
 * The only module that reads the environment. `loadConfig` validates everything at start-up and
 * fails with every problem listed at once; nothing else in src/ touches `process.env`.
 * Values of secret variables are never echoed in messages.
 */

export type UpstreamMode = 'sandbox' | 'real' | 'unconfigured';

export interface Config {
  /** `PORT`, default 4001. */
  port: number;
  /** `HOST`, default 0.0.0.0. */
  host: string;
  /** `NODE_ENV === 'production'`. */
  production: boolean;
  /** `LOG_LEVEL`, default `info`. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Serve the embedded sandbox instead of real upstreams. `SANDBOX=true|false`; when unset, on
   * whenever no upstream is configured and `NODE_ENV` is not `production`.
   */
  sandbox: boolean;
  /** Where each upstream's data comes from. */
  upstreams: {
    iotManagedIntegrations: UpstreamMode;
    appFabric: UpstreamMode;
    conductorOne: UpstreamMode;
  };
  /** `SHUTDOWN_TIMEOUT_MS`, default 10000: how long in-flight requests may take to drain. */
  shutdownTimeoutMs: number;
  /**
   * `SHUTDOWN_DELAY_MS`: how long /readyz reports draining, while requests are still served, before
   * the listener closes, so load balancers stop routing here first. Default 5000 in production, else 0.
   */
  shutdownDelayMs: number;
  /** `MAX_REQUEST_BODY_BYTES`, default 1 MiB. */
  maxRequestBodyBytes: number;
  /**
   * `MAX_CONNECTIONS`, default 4096: open client connections at most; a connection beyond it is
   * closed as it is accepted, before anything is read (`http_connections_dropped_total`).
   */
  maxConnections: number;
  /**
   * `REQUEST_TIMEOUT_MS`, default 10000 (below a router's 30 s subgraph timeout): the deadline of
   * every GraphQL request. It reaches every upstream call as an AbortSignal; no retry starts that
   * could not finish before it.
   */
  requestTimeoutMs: number;
  /**
   * Per upstream: `CIRCUIT_FAILURE_THRESHOLD` (5) failures in a row open the circuit for
   * `CIRCUIT_OPEN_MS` (30000, doubling while probes fail, up to 10×); then one probe decides.
   */
  circuit: { failureThreshold: number; openMs: number };
  /** The real AWS upstreams' settings; null unless they are in `real` mode. */
  aws: AwsConfig | null;
  /** The real ConductorOne upstream's settings; null unless it is in `real` mode. */
  conductorOne: ConductorOneConfig | null;
  /** Per-attempt timeouts of every upstream call. */
  upstreamTimeouts: UpstreamTimeouts;
  /**
   * Per upstream, shared by all requests: `UPSTREAM_MAX_CONCURRENCY` (default 64) calls in flight,
   * and `UPSTREAM_MAX_QUEUE` (default 1000) waiting; beyond that calls fail fast.
   */
  upstreamConcurrency: { concurrency: number; maxQueue: number };
  /**
   * `OPERATION_CONCURRENCY`: at most this many GraphQL operations execute at once; the rest wait
   * their turn (src/admission.ts). Default null: no cap.
   */
  operationConcurrency: number | null;
  /**
   * The bounds of the operations waiting for a turn under `OPERATION_CONCURRENCY`:
   * `OPERATION_MAX_QUEUE` (default 1000) requests, and `OPERATION_MAX_QUEUE_BYTES` (default 16 MiB)
   * of their bodies' text. A request beyond either is answered 503 `OVERLOADED` at once.
   */
  operationQueue: QueueBounds;
  /** `MAX_UPSTREAM_REQUESTS_PER_OPERATION`, default 500: upstream calls one GraphQL operation may make. */
  maxUpstreamRequestsPerOperation: number;
  /**
   * `CONNECT_ATTEMPTS_PER_MINUTE`, default 10: connectAppAuthorization attempts per app
   * authorization and minute, in this process (0: no limit).
   */
  connectAttemptsPerMinute: number;
  /** Caller authentication. Production refuses to start without it unless `AUTH_DISABLED=true`. */
  auth: AuthConfig;
  /** `ROUTER_SECRET`: when set, every GraphQL request must carry it in `router-authorization`. */
  routerSecret: Secret | null;
  /** `PUBLISH_REQUIRES_SCOPES=true`: also publish the scopes as Federation `@requiresScopes`. */
  publishRequiresScopes: boolean;
  /** `CURSOR_SECRET` (32+ characters) signs cursors; a random key per process when unset. */
  cursorSecret: Secret<Buffer>;
  /**
   * `MAX_QUERY_DEPTH` (10), `MAX_ALIASES` (50), `MAX_DIRECTIVES` (50), `MAX_TOKENS` (2000) and
   * `MAX_QUERY_COST` (10000, from the schema's @cost and @listSize).
   */
  operationLimits: OperationLimits;
  /**
   * `GRAPHIQL=true|false`: serve GraphiQL at GET /graphql to browsers, from local files only.
   * Default: on unless `NODE_ENV` is `production`.
   */
  graphiql: boolean;
}

export interface AwsConfig {
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`. */
  region: string;
  /** `AWS_MAX_ATTEMPTS`, default 3 (standard retry mode; `AWS_RETRY_MODE` may only be `standard`). */
  maxAttempts: number;
  /**
   * Resolved per service from the region and `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`,
   * or overridden by `IOT_MANAGED_INTEGRATIONS_ENDPOINT` / `APPFABRIC_ENDPOINT`, then the SDK-standard
   * `AWS_ENDPOINT_URL_IOT_MANAGED_INTEGRATIONS` / `AWS_ENDPOINT_URL_APPFABRIC` / `AWS_ENDPOINT_URL`
   * (ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`).
   */
  endpoints: { iotManagedIntegrations: URL; appFabric: URL };
}

export interface ConductorOneConfig {
  /**
   * The API origin: `CONDUCTORONE_SERVER_URL`, else `https://<CONDUCTORONE_TENANT_DOMAIN>.conductor.one`,
   * else the host in the client id.
   */
  origin: string;
  /** In the SDKs' priority order: a pre-exchanged `CONDUCTORONE_ACCESS_TOKEN`, else client credentials. */
  auth:
    | { kind: 'accessToken'; accessToken: Secret }
    | { kind: 'clientCredentials'; clientId: ConductorOneClientId; clientKey: Secret<ClientKey> };
}

/** How callers authenticate (every GraphQL request, before any execution). */
export type AuthConfig =
  | {
      kind: 'jwt';
      /** `AUTH_JWKS_URL` (a remote JWKS, cached) or `AUTH_JWT_PUBLIC_KEY` (PEM). */
      key: { jwksUrl: URL } | { publicKeyPem: string };
      /** `AUTH_ISSUER` and `AUTH_AUDIENCE`: both required. */
      issuer: string;
      audience: string;
      /** `AUTH_JWT_ALGORITHMS`, default `RS256,ES256,PS256,EdDSA`. Never `none` or HMAC. */
      algorithms: string[];
      /**
       * `AUTH_MAX_TOKEN_AGE_S`: when set, tokens must carry `iat` and be at most this old, whatever
       * their `exp` says. Unset: only `exp` bounds a token.
       */
      maxTokenAgeS?: number | undefined;
      /** `AUTH_JWT_TYPE`: when set, the token's `typ` header must be this (e.g. `at+jwt`, RFC 9068). */
      tokenType?: string | undefined;
    }
  | {
      kind: 'disabled';
      /** Whether it was turned off explicitly (`AUTH_DISABLED=true`); logged as a warning in production. */
      explicit: boolean;
    };

export interface UpstreamTimeouts {
  /** `UPSTREAM_CONNECT_TIMEOUT_MS`, default 3000. */
  connectMs: number;
  /** `UPSTREAM_HEADERS_TIMEOUT_MS`, default 10000: from sending to the response headers. */
  headersMs: number;
  /** `UPSTREAM_BODY_TIMEOUT_MS`, default 15000: the longest gap between body chunks. */
  bodyMs: number;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function present(env: Env, name: string): boolean {
  const value = env[name];
  return value !== undefined && value.trim() !== '';
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];

  function integer(name: string, fallback: number, min: number, max: number): number {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    // Decimal digits only: Number() would also take "0x10", "4e3" and "4001.0".
    const value = /^\s*\d{1,15}\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}").`);
      return fallback;
    }
    return value;
  }

  function boolean(name: string): boolean | undefined {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return undefined;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name} must be true or false (got "${env[name]}").`);
    return undefined;
  }

  // Only the three values Node's ecosystem knows: a typo of "production" ("prod", "Production")
  // would otherwise run with the development defaults, caller authentication off among them.
  const nodeEnv = env['NODE_ENV'];
  if (nodeEnv !== undefined && nodeEnv !== '' && !NODE_ENVS.includes(nodeEnv)) {
    problems.push(`NODE_ENV must be one of ${NODE_ENVS.join(', ')}, or unset (got "${nodeEnv}").`);
  }
  const production = nodeEnv === 'production';
  const port = integer('PORT', 4001, 0, 65535);

  const logLevelRaw = env['LOG_LEVEL']?.trim().toLowerCase() || 'info';
  const logLevel = (LOG_LEVELS as readonly string[]).includes(logLevelRaw)
    ? (logLevelRaw as Config['logLevel'])
    : (problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`), 'info' as const);

  const awsConfigured = present(env, 'AWS_REGION') || present(env, 'AWS_DEFAULT_REGION');
  const conductorOneConfigured =
    present(env, 'CONDUCTORONE_ACCESS_TOKEN') ||
    present(env, 'CONDUCTORONE_CLIENT_ID') ||
    present(env, 'CONDUCTORONE_CLIENT_SECRET');

  const sandboxFlag = boolean('SANDBOX');
  const sandbox = sandboxFlag ?? (!production && !awsConfigured && !conductorOneConfigured);

  const realMode = (configured: boolean): UpstreamMode => (configured ? 'real' : 'unconfigured');
  const upstreams: Config['upstreams'] = sandbox
    ? { iotManagedIntegrations: 'sandbox', appFabric: 'sandbox', conductorOne: 'sandbox' }
    : {
        iotManagedIntegrations: realMode(awsConfigured),
        appFabric: realMode(awsConfigured),
        conductorOne: realMode(conductorOneConfigured),
      };

  const conductorOne = upstreams.conductorOne === 'real' ? conductorOneConfig(env, problems) : null;

  let aws: AwsConfig | null = null;
  if (upstreams.iotManagedIntegrations === 'real' || upstreams.appFabric === 'real') {
    aws = awsConfig(env, problems, boolean, integer);
  }

  if (production && !sandbox && Object.values(upstreams).every((mode) => mode === 'unconfigured')) {
    problems.push('NODE_ENV is production but no upstream is configured (set SANDBOX=true to serve the demo sandbox).');
  }

  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000);
  const shutdownDelayMs = integer('SHUTDOWN_DELAY_MS', production ? 5_000 : 0, 0, 600_000);
  const requestTimeoutMs = integer('REQUEST_TIMEOUT_MS', 10_000, 100, 600_000);
  const circuit = {
    failureThreshold: integer('CIRCUIT_FAILURE_THRESHOLD', 5, 1, 1000),
    openMs: integer('CIRCUIT_OPEN_MS', 30_000, 100, 3_600_000),
  };
  const maxRequestBodyBytes = integer('MAX_REQUEST_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  const maxConnections = integer('MAX_CONNECTIONS', 4096, 1, 1_000_000);
  const upstreamTimeouts: UpstreamTimeouts = {
    connectMs: integer('UPSTREAM_CONNECT_TIMEOUT_MS', 3_000, 1, 120_000),
    headersMs: integer('UPSTREAM_HEADERS_TIMEOUT_MS', 10_000, 1, 300_000),
    bodyMs: integer('UPSTREAM_BODY_TIMEOUT_MS', 15_000, 1, 300_000),
  };
  const upstreamConcurrency = {
    concurrency: integer('UPSTREAM_MAX_CONCURRENCY', 64, 1, 10_000),
    maxQueue: integer('UPSTREAM_MAX_QUEUE', 1000, 0, 1_000_000),
  };
  const operationConcurrency = present(env, 'OPERATION_CONCURRENCY')
    ? integer('OPERATION_CONCURRENCY', 0, 1, 100_000)
    : null;
  const operationQueue: QueueBounds = {
    maxWaiting: integer('OPERATION_MAX_QUEUE', 1000, 0, 1_000_000),
    maxWaitingBytes: integer('OPERATION_MAX_QUEUE_BYTES', 16 * 1024 * 1024, 0, 1024 * 1024 * 1024),
  };
  if (operationConcurrency === null) {
    for (const name of ['OPERATION_MAX_QUEUE', 'OPERATION_MAX_QUEUE_BYTES']) {
      if (present(env, name))
        problems.push(`${name} bounds the operations waiting under OPERATION_CONCURRENCY, which is not set.`);
    }
  }
  const maxUpstreamRequestsPerOperation = integer('MAX_UPSTREAM_REQUESTS_PER_OPERATION', 500, 1, 100_000);
  const connectAttemptsPerMinute = integer('CONNECT_ATTEMPTS_PER_MINUTE', 10, 0, 100_000);
  const auth = authConfig(env, problems, boolean, integer, production);
  // Real upstream data served without caller authentication (outside production, where that is
  // the default) stays on this machine unless HOST says otherwise: an AWS_REGION or a ConductorOne
  // credential in a developer's shell must not publish an account's authorization data to the LAN.
  const realUnauthenticated = auth.kind === 'disabled' && Object.values(upstreams).some((mode) => mode === 'real');
  const host = env['HOST']?.trim() || (realUnauthenticated && !production ? '127.0.0.1' : '0.0.0.0');
  if (realUnauthenticated && auth.kind === 'disabled' && !auth.explicit && !LOOPBACK_HOSTS.includes(host)) {
    problems.push(
      `HOST=${host} would serve real upstream data to the network without caller authentication: set ` +
        'AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY (with AUTH_ISSUER and AUTH_AUDIENCE), or AUTH_DISABLED=true to allow it.',
    );
  }
  const routerSecretRaw = env['ROUTER_SECRET']?.trim();
  if (routerSecretRaw !== undefined && routerSecretRaw !== '' && routerSecretRaw.length < 16) {
    problems.push('ROUTER_SECRET must be at least 16 characters.');
  }
  const routerSecret = routerSecretRaw ? new Secret(routerSecretRaw) : null;
  const publishRequiresScopes = boolean('PUBLISH_REQUIRES_SCOPES') ?? false;
  const cursorSecretRaw = env['CURSOR_SECRET'];
  if (cursorSecretRaw !== undefined && cursorSecretRaw !== '' && cursorSecretRaw.trim().length < 32) {
    problems.push('CURSOR_SECRET must be at least 32 characters, not counting spaces around it.');
  }
  const operationLimits: OperationLimits = {
    maxDepth: integer('MAX_QUERY_DEPTH', DEFAULT_OPERATION_LIMITS.maxDepth, 1, 1000),
    maxAliases: integer('MAX_ALIASES', DEFAULT_OPERATION_LIMITS.maxAliases, 0, 100_000),
    maxDirectives: integer('MAX_DIRECTIVES', DEFAULT_OPERATION_LIMITS.maxDirectives, 0, 100_000),
    maxTokens: integer('MAX_TOKENS', DEFAULT_OPERATION_LIMITS.maxTokens, 100, 1_000_000),
    maxCost: integer('MAX_QUERY_COST', DEFAULT_OPERATION_LIMITS.maxCost, 1, 100_000_000),
    maxLength: integer('MAX_QUERY_LENGTH', DEFAULT_OPERATION_LIMITS.maxLength, 1024, 16 * 1024 * 1024),
  };
  const cursorSecret = new Secret(cursorSecretRaw ? Buffer.from(cursorSecretRaw, 'utf8') : randomBytes(32));
  const graphiql = boolean('GRAPHIQL') ?? !production;

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    production,
    logLevel,
    sandbox,
    upstreams,
    shutdownTimeoutMs,
    shutdownDelayMs,
    maxRequestBodyBytes,
    maxConnections,
    requestTimeoutMs,
    circuit,
    aws,
    conductorOne,
    upstreamTimeouts,
    upstreamConcurrency,
    operationConcurrency,
    operationQueue,
    maxUpstreamRequestsPerOperation,
    connectAttemptsPerMinute,
    auth,
    routerSecret,
    publishRequiresScopes,
    cursorSecret,
    operationLimits,
    graphiql,
  };
}

const NODE_ENVS: readonly string[] = ['production', 'development', 'test'];
/** Loopback hosts, as HOST and as a URL's hostname write them. */
const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1', '[::1]'];
/** The variables that only mean something with a key (AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY). */
const JWT_SETTINGS = ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWT_ALGORITHMS', 'AUTH_JWT_TYPE', 'AUTH_MAX_TOKEN_AGE_S'];

const DEFAULT_JWT_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA'];
const ALLOWED_JWT_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]);

function authConfig(
  env: Env,
  problems: string[],
  boolean: (name: string) => boolean | undefined,
  integer: (name: string, fallback: number, min: number, max: number) => number,
  production: boolean,
): AuthConfig {
  const value = (name: string) => env[name]?.trim() || undefined;
  const disabled = boolean('AUTH_DISABLED') ?? false;
  const jwksUrl = value('AUTH_JWKS_URL');
  const publicKeyPem = value('AUTH_JWT_PUBLIC_KEY');
  const settings = JWT_SETTINGS.filter((name) => value(name) !== undefined);
  if (disabled) {
    if (jwksUrl || publicKeyPem) problems.push('AUTH_DISABLED=true contradicts AUTH_JWKS_URL / AUTH_JWT_PUBLIC_KEY.');
    if (settings.length > 0) problems.push(`AUTH_DISABLED=true contradicts ${settings.join(', ')}.`);
    return { kind: 'disabled', explicit: true };
  }
  if (!jwksUrl && !publicKeyPem) {
    // Half a configuration (a misspelt key variable, say) must not quietly leave authentication off.
    if (settings.length > 0) {
      problems.push(
        `${settings.join(', ')} ${settings.length === 1 ? 'is' : 'are'} set, but no key to verify tokens with: ` +
          'set AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY.',
      );
    }
    if (production) {
      problems.push(
        'NODE_ENV is production but caller authentication is not configured: set AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY ' +
          'with AUTH_ISSUER and AUTH_AUDIENCE, or AUTH_DISABLED=true to run without it.',
      );
    }
    return { kind: 'disabled', explicit: false };
  }
  if (jwksUrl && publicKeyPem) problems.push('Set AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY, not both.');
  const issuer = value('AUTH_ISSUER');
  const audience = value('AUTH_AUDIENCE');
  if (!issuer || !audience) problems.push('JWT authentication needs AUTH_ISSUER and AUTH_AUDIENCE.');
  const algorithms =
    value('AUTH_JWT_ALGORITHMS')
      ?.split(',')
      .map((a) => a.trim())
      .filter(Boolean) ?? DEFAULT_JWT_ALGORITHMS;
  for (const algorithm of algorithms) {
    if (!ALLOWED_JWT_ALGORITHMS.has(algorithm))
      problems.push(`AUTH_JWT_ALGORITHMS: "${algorithm}" is not an asymmetric JWS algorithm.`);
  }
  if (algorithms.length === 0) problems.push('AUTH_JWT_ALGORITHMS names no algorithm.');
  // RFC 8725 §3.11: an access token's own type (RFC 9068's "at+jwt"), so that another kind of JWT
  // from the same issuer and audience (an ID token, a logout token) is not taken for one.
  const tokenType = value('AUTH_JWT_TYPE');
  if (tokenType !== undefined && !/^[\x21-\x7e]{1,64}$/.test(tokenType)) {
    problems.push('AUTH_JWT_TYPE must be a media type such as at+jwt.');
  }
  let key: { jwksUrl: URL } | { publicKeyPem: string } = { publicKeyPem: publicKeyPem ?? '' };
  if (jwksUrl) {
    try {
      const url = new URL(jwksUrl);
      const loopback = LOOPBACK_HOSTS.includes(url.hostname);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
        problems.push('AUTH_JWKS_URL must be https (plain http only on loopback).');
      }
      // fetch refuses such a URL, and its error quotes the whole URL, password included.
      if (url.username || url.password) problems.push('AUTH_JWKS_URL must not carry a user name or password.');
      key = { jwksUrl: url };
    } catch {
      problems.push('AUTH_JWKS_URL is not a URL.');
    }
  } else {
    try {
      createPublicKey(publicKeyPem!.replace(/\\n/g, '\n'));
      key = { publicKeyPem: publicKeyPem!.replace(/\\n/g, '\n') };
    } catch {
      problems.push('AUTH_JWT_PUBLIC_KEY is not a PEM public key.');
    }
  }
  const maxTokenAgeS = present(env, 'AUTH_MAX_TOKEN_AGE_S')
    ? integer('AUTH_MAX_TOKEN_AGE_S', 0, 1, 31_536_000)
    : undefined;
  return {
    kind: 'jwt',
    key,
    issuer: issuer ?? '',
    audience: audience ?? '',
    algorithms,
    ...(maxTokenAgeS !== undefined ? { maxTokenAgeS } : {}),
    ...(tokenType !== undefined ? { tokenType } : {}),
  };
}

/** Loopback hosts may use plain http (local test servers); every other ConductorOne origin is https. */
function checkOrigin(raw: string, problems: string[]): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push('CONDUCTORONE_SERVER_URL is not a URL.');
    return null;
  }
  const loopback = LOOPBACK_HOSTS.includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    problems.push('CONDUCTORONE_SERVER_URL must be https (plain http only on loopback).');
    return null;
  }
  if (url.pathname !== '/' || url.search || url.username || url.password) {
    problems.push('CONDUCTORONE_SERVER_URL must be an origin only (scheme, host and port).');
    return null;
  }
  return url.origin;
}

function conductorOneConfig(env: Env, problems: string[]): ConductorOneConfig | null {
  const value = (name: string) => env[name]?.trim() || undefined;
  // A token pasted with its scheme ("Bearer eyJ…"), as the official SDKs accept it: the client adds
  // the scheme itself, and would otherwise send "Bearer Bearer …", refused on every call.
  const pastedToken = value('CONDUCTORONE_ACCESS_TOKEN');
  const accessToken = pastedToken?.replace(/^bearer(?:\s+|$)/i, '');
  if (accessToken === '') {
    problems.push('CONDUCTORONE_ACCESS_TOKEN holds no token after "Bearer".');
    return null;
  }
  // It goes into an Authorization header: a space, a line break or a non-ASCII character would fail
  // every call (after retries), so it fails start-up instead. The value is not repeated.
  if (accessToken !== undefined && !/^[\x21-\x7e]+$/.test(accessToken)) {
    problems.push('CONDUCTORONE_ACCESS_TOKEN may hold only visible ASCII characters (no spaces or line breaks).');
    return null;
  }
  const clientIdRaw = value('CONDUCTORONE_CLIENT_ID');
  const clientSecretRaw = value('CONDUCTORONE_CLIENT_SECRET');
  const serverUrl = value('CONDUCTORONE_SERVER_URL');
  const tenantDomain = value('CONDUCTORONE_TENANT_DOMAIN');
  if (tenantDomain !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(tenantDomain)) {
    problems.push('CONDUCTORONE_TENANT_DOMAIN must be the tenant name, e.g. "acme" for acme.conductor.one.');
    return null;
  }
  const explicitOrigin = serverUrl
    ? checkOrigin(serverUrl, problems)
    : tenantDomain
      ? `https://${tenantDomain.toLowerCase()}.conductor.one`
      : undefined;
  if (explicitOrigin === null) return null;

  if (accessToken) {
    if (!explicitOrigin && !clientIdRaw) {
      problems.push(
        'CONDUCTORONE_ACCESS_TOKEN needs the tenant: set CONDUCTORONE_SERVER_URL or CONDUCTORONE_TENANT_DOMAIN.',
      );
      return null;
    }
    let origin = explicitOrigin;
    if (!origin) {
      try {
        origin = parseClientId(clientIdRaw!).serverUrl;
      } catch (error) {
        problems.push((error as Error).message);
        return null;
      }
    }
    return { origin: origin!, auth: { kind: 'accessToken', accessToken: new Secret(accessToken) } };
  }
  if (!clientIdRaw || !clientSecretRaw) {
    problems.push(
      'ConductorOne needs CONDUCTORONE_CLIENT_ID and CONDUCTORONE_CLIENT_SECRET together (or CONDUCTORONE_ACCESS_TOKEN).',
    );
    return null;
  }
  try {
    const clientId = parseClientId(clientIdRaw);
    const clientKey = new Secret(parseClientSecret(clientSecretRaw));
    return { origin: explicitOrigin ?? clientId.serverUrl, auth: { kind: 'clientCredentials', clientId, clientKey } };
  } catch (error) {
    if (!(error instanceof ConductorOneCredentialsError)) throw error;
    problems.push(error.message);
    return null;
  }
}

function awsConfig(
  env: Env,
  problems: string[],
  boolean: (name: string) => boolean | undefined,
  integer: (name: string, fallback: number, min: number, max: number) => number,
): AwsConfig | null {
  const regionVariable = env['AWS_REGION'] ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
  const region = (env[regionVariable] ?? '').trim();
  if (!isRegionName(region)) {
    // Said once here, not once per service below.
    problems.push(`${regionVariable} must be a region name such as us-east-1 (got "${region}").`);
    return null;
  }
  const retryMode = env['AWS_RETRY_MODE']?.trim();
  if (retryMode && retryMode !== 'standard') {
    problems.push(
      `AWS_RETRY_MODE must be "standard" (got "${retryMode}"): adaptive mode suits single-tenant clients only.`,
    );
  }
  const maxAttempts = integer('AWS_MAX_ATTEMPTS', 3, 1, 10);
  const useFips = boolean('AWS_USE_FIPS_ENDPOINT') ?? false;
  const useDualStack = boolean('AWS_USE_DUALSTACK_ENDPOINT') ?? false;
  const ignoreConfigured = boolean('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS') ?? false;
  /** The first of `names` that is set, with its name, so that a problem can name the variable. */
  const first = (...names: string[]) =>
    names
      .map((name) => ({ name, value: env[name]?.trim() }))
      .find((v): v is { name: string; value: string } => !!v.value);
  const endpointOf = (ownVariable: string, serviceVar: string) =>
    first(ownVariable) ?? (ignoreConfigured ? undefined : first(`AWS_ENDPOINT_URL_${serviceVar}`, 'AWS_ENDPOINT_URL'));

  const resolve = (what: string, custom: { name: string } | undefined, fn: () => URL): URL | null => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof EndpointError)) throw error;
      // The message never repeats a value: an endpoint URL may carry credentials.
      problems.push(`${what} endpoint${custom ? ` (${custom.name})` : ''}: ${error.message}.`);
      return null;
    }
  };
  const iotCustom = endpointOf('IOT_MANAGED_INTEGRATIONS_ENDPOINT', 'IOT_MANAGED_INTEGRATIONS');
  const iotManagedIntegrations = resolve('IoT Managed Integrations', iotCustom, () =>
    resolveIotManagedIntegrationsEndpoint({ region, useFips, useDualStack, endpoint: iotCustom?.value }),
  );
  const appFabricCustom = endpointOf('APPFABRIC_ENDPOINT', 'APPFABRIC');
  const appFabric = resolve('AppFabric', appFabricCustom, () =>
    resolveAppFabricEndpoint({ region, useFips, useDualStack, endpoint: appFabricCustom?.value }),
  );
  if (!iotManagedIntegrations || !appFabric) return null;
  return { region, maxAttempts, endpoints: { iotManagedIntegrations, appFabric } };
}
