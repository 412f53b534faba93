/**
 * Builds the long-lived upstream adapters from configuration. This is the one place that decides,
 * per upstream, between the sandbox, a real client and "not configured". In sandbox mode the AWS
 * upstreams are the real AWS clients talking to the wire-level simulator on 127.0.0.1.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Config, UpstreamTimeouts } from '../config.ts';
import { ERRORS, type UpstreamName } from '../errors.ts';
import { startAwsSimulator, type AwsSimulator } from '../sandbox/aws/awsSimulator.ts';
import {
  startConductorOneSimulator,
  type ConductorOneSimulator,
} from '../sandbox/conductorOne/conductorOneSimulator.ts';
import { CallCounter } from '../sandbox/callCounter.ts';
import { createSandboxSeed, SANDBOX_REGION, type SandboxSeed } from '../sandbox/seed.ts';
import { connectFailureOf, createAppFabricAdapter } from './appFabric/adapter.ts';
import { connectOnce } from './appFabric/connectOnce.ts';
import { AppFabric } from './appFabric/client.ts';
import { APPFABRIC_OPERATIONS, type AppFabricPort } from './appFabric/port.ts';
import { createAwsCredentialProvider } from './aws/credentials.ts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from './aws/signing.ts';
import { createConductorOneAdapter } from './conductorOne/adapter.ts';
import { ConductorOneClient, createConductorOnePool } from './conductorOne/client.ts';
import { CONDUCTORONE_OPERATIONS, type ConductorOnePort } from './conductorOne/port.ts';
import {
  clientCredentialsTokenSource,
  parseClientId,
  parseClientSecret,
  staticTokenSource,
  type TokenSource,
} from './conductorOne/tokenSource.ts';
import { createIotManagedIntegrationsAdapter } from './iotManagedIntegrations/adapter.ts';
import { IoTManagedIntegrations } from './iotManagedIntegrations/client.ts';
import { IOT_MANAGED_INTEGRATIONS_OPERATIONS, type IotManagedIntegrationsPort } from './iotManagedIntegrations/port.ts';
import { CircuitBreaker, type CircuitState } from './breaker.ts';
import { guardPort, Limiter, type UpstreamCallObserver } from './guard.ts';
import { outcomeLabel, type Metrics } from '../metrics.ts';

export interface Adapters {
  iotManagedIntegrations: IotManagedIntegrationsPort;
  appFabric: AppFabricPort;
  conductorOne: ConductorOnePort;
}

/** The embedded sandbox: its seed, its simulators and per-upstream call counters. */
export interface Sandbox {
  seed: SandboxSeed;
  /** The wire-level AWS simulator (both AWS services), when the AWS upstreams are sandboxed. */
  aws: AwsSimulator | null;
  /** The wire-level ConductorOne simulator, when ConductorOne is sandboxed. */
  conductorOne: ConductorOneSimulator | null;
  calls: Record<UpstreamName, CallCounter>;
}

export interface CreatedAdapters {
  adapters: Adapters;
  /** Circuit state per upstream (for /readyz detail). */
  circuits: () => Record<UpstreamName, CircuitState>;
  /** Present when any upstream is served by the sandbox. */
  sandbox: Sandbox | null;
  /** Closes upstream connection pools and sandbox simulators. */
  close(): Promise<void>;
}

export interface CreateAdaptersOptions {
  logger: Logger;
  /** Where upstream calls, retries and token refreshes are counted. */
  metrics?: Metrics;
  /** Clock for the sandbox's demo data and state changes. */
  now?: () => Date;
}

export const USER_AGENT = 'connector-auth-subgraph/0.1.0';

type AdapterConfig = Pick<
  Config,
  | 'upstreams'
  | 'aws'
  | 'conductorOne'
  | 'upstreamTimeouts'
  | 'upstreamConcurrency'
  | 'circuit'
  | 'connectAttemptsPerMinute'
>;

export async function createAdapters(config: AdapterConfig, options: CreateAdaptersOptions): Promise<CreatedAdapters> {
  const now = options.now ?? (() => new Date());
  const log = options.logger.child({ component: 'upstream' });
  const closers: Array<() => Promise<void>> = [];
  const modes = config.upstreams;
  const anySandbox = Object.values(modes).includes('sandbox');
  const seed = anySandbox ? createSandboxSeed(now()) : null;

  let aws: AwsSimulator | null = null;
  let awsClients: {
    region: string;
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
    maxAttempts: number;
  } | null = null;
  let endpoints: { iotManagedIntegrations: URL; appFabric: URL } | null = null;
  if (seed && (modes.iotManagedIntegrations === 'sandbox' || modes.appFabric === 'sandbox')) {
    // Fresh credentials per process: the simulator accepts only these, and checks every signature.
    const credentials: AwsCredentialIdentity = {
      accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
    };
    // The simulator checks signatures against the real clock; `now` only shapes the demo data.
    aws = await startAwsSimulator({ seed, region: SANDBOX_REGION, credentials: [credentials] });
    closers.push(() => aws!.close());
    const url = new URL(aws.url);
    awsClients = { region: SANDBOX_REGION, credentials, maxAttempts: 3 };
    endpoints = { iotManagedIntegrations: url, appFabric: url };
  } else if (config.aws) {
    awsClients = {
      region: config.aws.region,
      credentials: createAwsCredentialProvider(),
      maxAttempts: config.aws.maxAttempts,
    };
    endpoints = config.aws.endpoints;
  }

  const retries = (upstream: UpstreamName) => (operation: string, count: number) => {
    if (count > 0) options.metrics?.upstreamAttempts.inc({ upstream, operation }, count);
  };
  const clientOptions = (endpoint: URL, timeouts: UpstreamTimeouts) => ({
    region: awsClients!.region,
    endpoint,
    credentials: awsClients!.credentials,
    maxAttempts: awsClients!.maxAttempts,
    timeouts,
    userAgent: USER_AGENT,
  });

  let iotManagedIntegrations: IotManagedIntegrationsPort;
  if (modes.iotManagedIntegrations !== 'unconfigured' && awsClients && endpoints) {
    const client = new IoTManagedIntegrations(clientOptions(endpoints.iotManagedIntegrations, config.upstreamTimeouts));
    closers.push(() => client.destroy());
    iotManagedIntegrations = createIotManagedIntegrationsAdapter(client, log, retries('iotManagedIntegrations'));
  } else {
    iotManagedIntegrations = notConfigured<IotManagedIntegrationsPort>(
      'iotManagedIntegrations',
      IOT_MANAGED_INTEGRATIONS_OPERATIONS,
    );
  }

  let appFabric: AppFabricPort;
  /** AWS's clock minus this host's, as the AppFabric client knows it (a send is compared with AWS's `updatedAt`). */
  let appFabricClockOffset = () => 0;
  if (modes.appFabric !== 'unconfigured' && awsClients && endpoints) {
    const client = new AppFabric(clientOptions(endpoints.appFabric, config.upstreamTimeouts));
    closers.push(() => client.destroy());
    appFabricClockOffset = () => client.config.systemClockOffset;
    appFabric = createAppFabricAdapter(client, log, retries('appFabric'));
  } else {
    appFabric = notConfigured<AppFabricPort>('appFabric', APPFABRIC_OPERATIONS);
  }

  const tokenRefreshed = () => options.metrics?.tokenRefreshes.inc({ upstream: 'conductorOne' });
  let conductorOneSim: ConductorOneSimulator | null = null;
  let conductorOne: ConductorOnePort;
  let c1: { origin: string; tokens: (dispatcher: Dispatcher) => TokenSource } | null = null;
  if (modes.conductorOne === 'sandbox' && seed) {
    // A sandbox API client made like a real one: an Ed25519 key in a secret-token client secret,
    // parsed by the same code as CONDUCTORONE_CLIENT_SECRET. The simulator knows only the public key.
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const secret = `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' }))).toString('base64url')}`;
    const clientId = parseClientId(`sandbox-${randomBytes(4).toString('hex')}@sandbox.conductor.one/spc`);
    const key = parseClientSecret(secret);
    conductorOneSim = await startConductorOneSimulator({
      seed: seed.conductorOne,
      clients: [{ clientId: clientId.clientId, publicKey }],
      audience: clientId.audience,
    });
    closers.push(() => conductorOneSim!.close());
    const origin = conductorOneSim.url;
    c1 = {
      origin,
      tokens: (dispatcher) =>
        clientCredentialsTokenSource({ clientId, key, origin, dispatcher, onRefresh: tokenRefreshed }),
    };
  } else if (config.conductorOne) {
    const { origin, auth } = config.conductorOne;
    c1 = {
      origin,
      tokens: (dispatcher) =>
        auth.kind === 'accessToken'
          ? staticTokenSource(auth.accessToken.reveal())
          : clientCredentialsTokenSource({
              clientId: auth.clientId,
              key: auth.clientKey.reveal(),
              origin,
              dispatcher,
              onRefresh: tokenRefreshed,
            }),
    };
  }
  if (c1) {
    const dispatcher = createConductorOnePool(c1.origin, config.upstreamTimeouts);
    // Closed after the drain, when no request needs it: a background token refresh still under way
    // is cut (close() would wait for it, up to the headers timeout).
    closers.push(() => dispatcher.destroy());
    const tokens = c1.tokens(dispatcher);
    const client = new ConductorOneClient({
      origin: c1.origin,
      tokens,
      timeouts: config.upstreamTimeouts,
      userAgent: USER_AGENT,
      dispatcher,
      onRetry: retries('conductorOne'),
    });
    conductorOne = createConductorOneAdapter(client, log, () => {
      const held = tokens.held();
      return held ? [held] : [];
    });
  } else {
    conductorOne = notConfigured<ConductorOnePort>('conductorOne', CONDUCTORONE_OPERATIONS);
  }

  const sandbox: Sandbox | null = seed
    ? {
        seed,
        aws,
        conductorOne: conductorOneSim,
        calls: {
          iotManagedIntegrations: aws?.calls.iotManagedIntegrations ?? new CallCounter(),
          appFabric: aws?.calls.appFabric ?? new CallCounter(),
          conductorOne: conductorOneSim?.calls ?? new CallCounter(),
        },
      }
    : null;

  const limit = (name: UpstreamName) => new Limiter(name, config.upstreamConcurrency);
  const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };
  const breakers = Object.fromEntries(
    (['iotManagedIntegrations', 'appFabric', 'conductorOne'] as const).map((name) => {
      options.metrics?.circuitState.set({ upstream: name }, 0);
      return [
        name,
        new CircuitBreaker(name, {
          ...config.circuit,
          onChange: (state) => {
            options.metrics?.circuitState.set({ upstream: name }, STATE_VALUE[state]);
            log[state === 'open' ? 'warn' : 'info']({ upstream: name, circuit: state }, `circuit ${state}`);
          },
        }),
      ];
    }),
  ) as Record<UpstreamName, CircuitBreaker>;
  const metrics = options.metrics;
  const observer: UpstreamCallObserver | undefined = metrics && {
    call(upstream, operation, outcome, seconds) {
      metrics.upstreamRequests.inc({ upstream, operation, outcome: outcomeLabel(outcome) });
      metrics.upstreamDuration.observe({ upstream, operation }, seconds);
      if (outcome === 'UPSTREAM_THROTTLED') metrics.upstreamThrottles.inc({ upstream, operation });
    },
  };
  return {
    adapters: {
      iotManagedIntegrations: guardPort(
        iotManagedIntegrations,
        'iotManagedIntegrations',
        IOT_MANAGED_INTEGRATIONS_OPERATIONS,
        limit('iotManagedIntegrations'),
        observer,
        breakers.iotManagedIntegrations,
      ),
      appFabric: connectOnce(
        guardPort(appFabric, 'appFabric', APPFABRIC_OPERATIONS, limit('appFabric'), observer, breakers.appFabric, {
          connectAppAuthorization: connectFailureOf,
        }),
        { attemptsPerMinute: config.connectAttemptsPerMinute, awsClockOffset: appFabricClockOffset, log },
      ),
      conductorOne: guardPort(
        conductorOne,
        'conductorOne',
        CONDUCTORONE_OPERATIONS,
        limit('conductorOne'),
        observer,
        breakers.conductorOne,
      ),
    },
    sandbox,
    circuits: () => ({
      iotManagedIntegrations: breakers.iotManagedIntegrations.state,
      appFabric: breakers.appFabric.state,
      conductorOne: breakers.conductorOne.state,
    }),
    async close() {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}

/** A port whose every call fails with UPSTREAM_NOT_CONFIGURED, naming the upstream operation. */
function notConfigured<P extends object>(name: UpstreamName, operations: { readonly [K in keyof P]: string }): P {
  const port: Record<string, () => Promise<never>> = {};
  for (const [method, operation] of Object.entries<string>(operations)) {
    port[method] = () =>
      Promise.reject(
        ERRORS.UPSTREAM_NOT_CONFIGURED.err(`The ${name} upstream is not configured in this deployment.`, {
          upstream: { name, operation },
        }),
      );
  }
  return port as P;
}
