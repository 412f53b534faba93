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

/** Each upstream's loaders, made together since they prime one another. */
interface LoaderGroups {
  iotManagedIntegrations: ReturnType<typeof createIotManagedIntegrationsLoaders>;
  appFabric: ReturnType<typeof createAppFabricLoaders>;
  conductorOne: ReturnType<typeof createConductorOneLoaders>;
}
type Group = keyof LoaderGroups;
export type Loaders = LoaderGroups['iotManagedIntegrations'] & LoaderGroups['appFabric'] & LoaderGroups['conductorOne'];

/** The group a loader's name belongs to. */
type GroupOf<K extends keyof Loaders> = { [G in Group]: K extends keyof LoaderGroups[G] ? G : never }[Group];

/**
 * Which group holds each loader. Typed so that tsc fails when a group gains a loader that is not
 * listed here, or when one is listed under the wrong group.
 */
const GROUP_OF: { readonly [K in keyof Loaders]: GroupOf<K> } = {
  connectorDestinationById: 'iotManagedIntegrations',
  connectorDestinationSummaryById: 'iotManagedIntegrations',
  cloudConnectorById: 'iotManagedIntegrations',
  trackDestinationList: 'iotManagedIntegrations',
  appAuthorizationByRef: 'appFabric',
  appAuthorizationSummaryByArn: 'appFabric',
  appAuthorizationByArn: 'appFabric',
  trackAuthorizationList: 'appFabric',
  credentialByKey: 'conductorOne',
  credentialWithRelated: 'conductorOne',
  connectorByKey: 'conductorOne',
  appById: 'conductorOne',
};

export function createLoaders(
  adapters: Adapters,
  options: CallOptions = {},
  settings: LoaderSettings = { batching: true },
): Loaders {
  // The getters GROUP_OF defines on the prototype (below) are the Loaders.
  return new RequestLoaders(adapters, options, settings) as unknown as Loaders;
}

/**
 * One request's loaders, an upstream's made when the request first uses one of them: most
 * requests read one upstream, and the eleven DataLoaders of all three, each with its cache map and
 * options, came to about 5 KB per request, made and dropped unused. The loaders of one upstream
 * are made together, since they prime one another.
 *
 * A class, so that the getters are made once, on the prototype (a getter in an object literal is
 * made on every evaluation, in the old generation: docs/performance.md, *Getters in object
 * literals*). The context holds this object by reference, so Apollo's copy of the context shares it.
 */
class RequestLoaders {
  readonly #adapters: Adapters;
  readonly #options: CallOptions;
  readonly #settings: LoaderSettings;
  #iotManagedIntegrations: LoaderGroups['iotManagedIntegrations'] | undefined;
  #appFabric: LoaderGroups['appFabric'] | undefined;
  #conductorOne: LoaderGroups['conductorOne'] | undefined;

  constructor(adapters: Adapters, options: CallOptions, settings: LoaderSettings) {
    this.#adapters = adapters;
    this.#options = options;
    this.#settings = settings;
  }

  /** The group's loaders, made on first use. */
  #group(group: Group): LoaderGroups[Group] {
    switch (group) {
      case 'iotManagedIntegrations':
        return (this.#iotManagedIntegrations ??= createIotManagedIntegrationsLoaders(
          this.#adapters.iotManagedIntegrations,
          this.#options,
          this.#settings,
        ));
      case 'appFabric':
        return (this.#appFabric ??= createAppFabricLoaders(this.#adapters.appFabric, this.#options, this.#settings));
      case 'conductorOne':
        return (this.#conductorOne ??= createConductorOneLoaders(
          this.#adapters.conductorOne,
          this.#options,
          this.#settings,
        ));
    }
  }

  static {
    for (const [name, group] of Object.entries(GROUP_OF) as [keyof Loaders, Group][]) {
      Object.defineProperty(RequestLoaders.prototype, name, {
        get(this: RequestLoaders) {
          return (this.#group(group) as Record<string, unknown>)[name];
        },
      });
    }
  }
}
