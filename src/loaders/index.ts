/**
 * Per-request DataLoaders over the long-lived adapters. Never share loaders between requests:
 * their caches would leak one caller's data to another.
 */
import type { Adapters } from '../adapters/index.ts';
import type { CallOptions } from '../adapters/types.ts';
import { createAppFabricLoaders } from './appFabricLoaders.ts';
import { createConductorOneLoaders } from './conductorOneLoaders.ts';
import { createIotManagedIntegrationsLoaders } from './iotManagedIntegrationsLoaders.ts';
import type { LoaderSettings } from './options.ts';

export function createLoaders(
  adapters: Adapters,
  options: CallOptions = {},
  settings: LoaderSettings = { batching: true },
) {
  return {
    ...createIotManagedIntegrationsLoaders(adapters.iotManagedIntegrations, options, settings),
    ...createAppFabricLoaders(adapters.appFabric, options, settings),
    ...createConductorOneLoaders(adapters.conductorOne, options, settings),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
