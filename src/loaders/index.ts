/**
 * Per-request DataLoaders over the long-lived adapters. Never share loaders between requests:
 * their caches would leak one caller's data to another.
 */
import type { Adapters } from '../adapters/index.ts';
import type { CallOptions } from '../adapters/types.ts';
import { createAppFabricLoaders } from './appFabricLoaders.ts';
import { createConductorOneLoaders } from './conductorOneLoaders.ts';
import { createIotManagedIntegrationsLoaders } from './iotManagedIntegrationsLoaders.ts';

export function createLoaders(adapters: Adapters, options: CallOptions = {}) {
  return {
    ...createIotManagedIntegrationsLoaders(adapters.iotManagedIntegrations, options),
    ...createAppFabricLoaders(adapters.appFabric, options),
    ...createConductorOneLoaders(adapters.conductorOne, options),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
