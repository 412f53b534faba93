/**
 * Builds the long-lived upstream adapters from configuration. This is the one place that decides,
 * per upstream, between the sandbox, a real client and "not configured".
 */
import type { Config } from '../config.ts';
import { ERRORS, type UpstreamName } from '../errors.ts';
import { CallCounter } from '../sandbox/paging.ts';
import { createSandboxSeed, type SandboxSeed } from '../sandbox/seed.ts';
import type { AppFabricPort } from './appFabric/port.ts';
import { createAppFabricSandbox } from './appFabric/sandbox.ts';
import type { ConductorOnePort } from './conductorOne/port.ts';
import { createConductorOneSandbox } from './conductorOne/sandbox.ts';
import type { IotManagedIntegrationsPort } from './iotManagedIntegrations/port.ts';
import { createIotManagedIntegrationsSandbox } from './iotManagedIntegrations/sandbox.ts';

export interface Adapters {
  iotManagedIntegrations: IotManagedIntegrationsPort;
  appFabric: AppFabricPort;
  conductorOne: ConductorOnePort;
}

/** The embedded sandbox: its seed and per-upstream call counters, for tests and the start-up log. */
export interface Sandbox {
  seed: SandboxSeed;
  calls: Record<UpstreamName, CallCounter>;
}

export interface CreatedAdapters {
  adapters: Adapters;
  /** Present when any upstream is served by the sandbox. */
  sandbox: Sandbox | null;
}

export interface CreateAdaptersOptions {
  /** Clock for the sandbox's demo data and state changes. */
  now?: () => Date;
}

export function createAdapters(
  config: Pick<Config, 'upstreams'>,
  options: CreateAdaptersOptions = {},
): CreatedAdapters {
  const now = options.now ?? (() => new Date());
  const modes = Object.values(config.upstreams);
  const sandbox: Sandbox | null = modes.includes('sandbox')
    ? {
        seed: createSandboxSeed(now()),
        calls: {
          iotManagedIntegrations: new CallCounter(),
          appFabric: new CallCounter(),
          conductorOne: new CallCounter(),
        },
      }
    : null;

  const adapters: Adapters = {
    iotManagedIntegrations:
      config.upstreams.iotManagedIntegrations === 'sandbox' && sandbox
        ? createIotManagedIntegrationsSandbox(sandbox.seed.iotManagedIntegrations, sandbox.calls.iotManagedIntegrations)
        : notConfigured<IotManagedIntegrationsPort>('iotManagedIntegrations', {
            getConnectorDestination: 'GetConnectorDestination',
            listConnectorDestinations: 'ListConnectorDestinations',
            getCloudConnector: 'GetCloudConnector',
            listCloudConnectors: 'ListCloudConnectors',
          }),
    appFabric:
      config.upstreams.appFabric === 'sandbox' && sandbox
        ? createAppFabricSandbox(sandbox.seed.appFabric, sandbox.calls.appFabric, now)
        : notConfigured<AppFabricPort>('appFabric', {
            getAppAuthorization: 'GetAppAuthorization',
            listAppAuthorizations: 'ListAppAuthorizations',
            connectAppAuthorization: 'ConnectAppAuthorization',
          }),
    conductorOne:
      config.upstreams.conductorOne === 'sandbox' && sandbox
        ? createConductorOneSandbox(sandbox.seed.conductorOne, sandbox.calls.conductorOne)
        : notConfigured<ConductorOnePort>('conductorOne', {
            getCredential: 'GetCredentials',
            getConnector: 'GetConnector',
            searchAppsById: 'SearchApps',
          }),
  };
  return { adapters, sandbox };
}

/** A port whose every call fails with UPSTREAM_NOT_CONFIGURED, naming the upstream operation. */
function notConfigured<P extends object>(name: UpstreamName, operations: { [K in keyof P]: string }): P {
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
