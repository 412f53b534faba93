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

type IotManagedIntegrationsLoaders = ReturnType<typeof createIotManagedIntegrationsLoaders>;
type AppFabricLoaders = ReturnType<typeof createAppFabricLoaders>;
type ConductorOneLoaders = ReturnType<typeof createConductorOneLoaders>;
export type Loaders = IotManagedIntegrationsLoaders & AppFabricLoaders & ConductorOneLoaders;

export function createLoaders(
  adapters: Adapters,
  options: CallOptions = {},
  settings: LoaderSettings = { batching: true },
): Loaders {
  return new RequestLoaders(adapters, options, settings);
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
class RequestLoaders implements Loaders {
  readonly #adapters: Adapters;
  readonly #options: CallOptions;
  readonly #settings: LoaderSettings;
  #iotManagedIntegrations: IotManagedIntegrationsLoaders | undefined;
  #appFabric: AppFabricLoaders | undefined;
  #conductorOne: ConductorOneLoaders | undefined;

  constructor(adapters: Adapters, options: CallOptions, settings: LoaderSettings) {
    this.#adapters = adapters;
    this.#options = options;
    this.#settings = settings;
  }

  #iot(): IotManagedIntegrationsLoaders {
    return (this.#iotManagedIntegrations ??= createIotManagedIntegrationsLoaders(
      this.#adapters.iotManagedIntegrations,
      this.#options,
      this.#settings,
    ));
  }

  #af(): AppFabricLoaders {
    return (this.#appFabric ??= createAppFabricLoaders(this.#adapters.appFabric, this.#options, this.#settings));
  }

  #c1(): ConductorOneLoaders {
    return (this.#conductorOne ??= createConductorOneLoaders(
      this.#adapters.conductorOne,
      this.#options,
      this.#settings,
    ));
  }

  get connectorDestinationById(): IotManagedIntegrationsLoaders['connectorDestinationById'] {
    return this.#iot().connectorDestinationById;
  }
  get connectorDestinationSummaryById(): IotManagedIntegrationsLoaders['connectorDestinationSummaryById'] {
    return this.#iot().connectorDestinationSummaryById;
  }
  get cloudConnectorById(): IotManagedIntegrationsLoaders['cloudConnectorById'] {
    return this.#iot().cloudConnectorById;
  }
  get trackDestinationList(): IotManagedIntegrationsLoaders['trackDestinationList'] {
    return this.#iot().trackDestinationList;
  }

  get appAuthorizationByRef(): AppFabricLoaders['appAuthorizationByRef'] {
    return this.#af().appAuthorizationByRef;
  }
  get appAuthorizationSummaryByArn(): AppFabricLoaders['appAuthorizationSummaryByArn'] {
    return this.#af().appAuthorizationSummaryByArn;
  }
  get appAuthorizationByArn(): AppFabricLoaders['appAuthorizationByArn'] {
    return this.#af().appAuthorizationByArn;
  }
  get trackAuthorizationList(): AppFabricLoaders['trackAuthorizationList'] {
    return this.#af().trackAuthorizationList;
  }

  get credentialByKey(): ConductorOneLoaders['credentialByKey'] {
    return this.#c1().credentialByKey;
  }
  get connectorByKey(): ConductorOneLoaders['connectorByKey'] {
    return this.#c1().connectorByKey;
  }
  get appById(): ConductorOneLoaders['appById'] {
    return this.#c1().appById;
  }
}
