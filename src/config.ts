import {
  EndpointError,
  resolveAppFabricEndpoint,
  resolveIotManagedIntegrationsEndpoint,
} from './adapters/aws/endpoints.ts';

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
  /** The real AWS upstreams' settings; null unless they are in `real` mode. */
  aws: AwsConfig | null;
  /** Per-attempt timeouts of every upstream call. */
  upstreamTimeouts: UpstreamTimeouts;
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
    const value = Number(raw);
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

  const production = env['NODE_ENV'] === 'production';
  const port = integer('PORT', 4001, 0, 65535);
  const host = env['HOST']?.trim() || '0.0.0.0';

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

  // The real ConductorOne client lands with its own adapter; until then a configuration that asks
  // for it is refused instead of silently serving nothing.
  if (upstreams.conductorOne === 'real') {
    problems.push(
      'conductorOne is configured, but this build has no real ConductorOne client yet. ' +
        'Unset its variables, or set SANDBOX=true to use the embedded sandbox.',
    );
  }

  let aws: AwsConfig | null = null;
  if (upstreams.iotManagedIntegrations === 'real' || upstreams.appFabric === 'real') {
    aws = awsConfig(env, problems, boolean, integer);
  }

  if (production && !sandbox && Object.values(upstreams).every((mode) => mode === 'unconfigured')) {
    problems.push('NODE_ENV is production but no upstream is configured (set SANDBOX=true to serve the demo sandbox).');
  }

  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000);
  const shutdownDelayMs = integer('SHUTDOWN_DELAY_MS', production ? 5_000 : 0, 0, 600_000);
  const maxRequestBodyBytes = integer('MAX_REQUEST_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  const upstreamTimeouts: UpstreamTimeouts = {
    connectMs: integer('UPSTREAM_CONNECT_TIMEOUT_MS', 3_000, 1, 120_000),
    headersMs: integer('UPSTREAM_HEADERS_TIMEOUT_MS', 10_000, 1, 300_000),
    bodyMs: integer('UPSTREAM_BODY_TIMEOUT_MS', 15_000, 1, 300_000),
  };

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
    aws,
    upstreamTimeouts,
  };
}

function awsConfig(
  env: Env,
  problems: string[],
  boolean: (name: string) => boolean | undefined,
  integer: (name: string, fallback: number, min: number, max: number) => number,
): AwsConfig | null {
  const region = (env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || '').trim();
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
  const first = (...names: string[]) => names.map((n) => env[n]?.trim()).find((v) => v);
  const sdkEndpoint = (serviceVar: string) =>
    ignoreConfigured ? undefined : first(`AWS_ENDPOINT_URL_${serviceVar}`, 'AWS_ENDPOINT_URL');

  const resolve = (what: string, fn: () => URL): URL | null => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof EndpointError)) throw error;
      problems.push(`${what} endpoint: ${error.message}.`);
      return null;
    }
  };
  const iotManagedIntegrations = resolve('IoT Managed Integrations', () =>
    resolveIotManagedIntegrationsEndpoint({
      region,
      useFips,
      useDualStack,
      endpoint: first('IOT_MANAGED_INTEGRATIONS_ENDPOINT') ?? sdkEndpoint('IOT_MANAGED_INTEGRATIONS'),
    }),
  );
  const appFabric = resolve('AppFabric', () =>
    resolveAppFabricEndpoint({
      region,
      useFips,
      useDualStack,
      endpoint: first('APPFABRIC_ENDPOINT') ?? sdkEndpoint('APPFABRIC'),
    }),
  );
  if (!iotManagedIntegrations || !appFabric) return null;
  return { region, maxAttempts, endpoints: { iotManagedIntegrations, appFabric } };
}
