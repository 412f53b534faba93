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

  // The real upstream clients land with their own adapters; until an upstream has one, a
  // configuration that asks for it is refused instead of silently serving nothing.
  for (const [name, mode] of Object.entries(upstreams)) {
    if (mode === 'real') {
      problems.push(
        `${name} is configured, but this build has no real ${name} client yet. ` +
          'Unset its variables, or set SANDBOX=true to use the embedded sandbox.',
      );
    }
  }

  if (production && !sandbox && Object.values(upstreams).every((mode) => mode === 'unconfigured')) {
    problems.push('NODE_ENV is production but no upstream is configured (set SANDBOX=true to serve the demo sandbox).');
  }

  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000);
  const shutdownDelayMs = integer('SHUTDOWN_DELAY_MS', production ? 5_000 : 0, 0, 600_000);
  const maxRequestBodyBytes = integer('MAX_REQUEST_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);

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
  };
}
