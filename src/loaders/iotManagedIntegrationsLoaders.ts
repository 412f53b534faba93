import type {
  CloudConnectorModel,
  ConnectorDestinationModel,
  IotManagedIntegrationsPort,
} from '../adapters/iotManagedIntegrations/port.ts';
import type { CallOptions } from '../adapters/types.ts';
import { fanOut } from './fanOut.ts';
import { loadViaList } from './listBacked.ts';
import { fromListedFirst, ListedItems } from './listedItems.ts';
import { loader, type LoaderSettings } from './options.ts';

/** IMI has no batch read: de-duplicate ids and fan out, this many calls at a time. */
const FAN_OUT = 8;
/** Both IMI list operations return up to 1000 items a page. */
const LIST_PAGE = 1000;

export function createIotManagedIntegrationsLoaders(
  port: IotManagedIntegrationsPort,
  options: CallOptions,
  settings: LoaderSettings,
) {
  const getDestination = (id: string) => port.getConnectorDestination(id, options);

  /** GetConnectorDestination by id: full records (with `detail`). */
  const connectorDestinationById = loader<string, ConnectorDestinationModel | null>(
    settings,
    async function loadConnectorDestinationsById(ids) {
      const results = await fanOut(ids, FAN_OUT, getDestination);
      for (const r of results) if (r && !(r instanceof Error)) connectorDestinationSummaryById.prime(r.id, r);
      return results;
    },
    { name: 'connectorDestinationById', maxBatchSize: 100 },
  );

  /**
   * Destinations when only summary members are needed: primed by list reads; a batch of two or
   * more unknown ids is served by ListConnectorDestinations pages instead of one Get each.
   */
  const listedDestinations = new ListedItems<ConnectorDestinationModel>();
  const connectorDestinationSummaryById = loader<string, ConnectorDestinationModel | null>(
    settings,
    async function loadConnectorDestinationSummariesById(ids) {
      return fromListedFirst(listedDestinations, ids, (missing) =>
        loadViaList({
          keys: missing,
          keyOf: (d) => d.id,
          listPage: (nextToken) => port.listConnectorDestinations({ maxResults: LIST_PAGE, nextToken }, options),
          get: (id) => connectorDestinationById.load(id),
          concurrency: FAN_OUT,
        }),
      );
    },
    { name: 'connectorDestinationSummaryById', maxBatchSize: 1000 },
  );

  /** Cloud connectors: Get for one, ListCloudConnectors pages for a batch of two or more. */
  const cloudConnectorById = loader<string, CloudConnectorModel | null>(
    settings,
    async function loadCloudConnectorsById(ids) {
      return loadViaList({
        keys: ids,
        keyOf: (c) => c.id,
        listPage: (nextToken) => port.listCloudConnectors({ maxResults: LIST_PAGE, nextToken }, options),
        get: (id) => port.getCloudConnector(id, options),
        concurrency: FAN_OUT,
      });
    },
    { name: 'cloudConnectorById', maxBatchSize: 1000 },
  );

  return {
    connectorDestinationById,
    connectorDestinationSummaryById,
    cloudConnectorById,
    /** Remembers what a ListConnectorDestinations read returns, for the summary loader. */
    trackDestinationList<T extends { items: ConnectorDestinationModel[] }>(read: Promise<T>): Promise<T> {
      return settings.batching
        ? listedDestinations.track(read, (page) => page.items.map((d) => [d.id, d] as const))
        : read;
    },
  };
}
