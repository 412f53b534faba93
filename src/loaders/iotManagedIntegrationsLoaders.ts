import DataLoader from 'dataloader';
import type { CallOptions } from '../adapters/types.ts';
import type {
  CloudConnectorModel,
  ConnectorDestinationModel,
  IotManagedIntegrationsPort,
} from '../adapters/iotManagedIntegrations/port.ts';
import { fanOut } from './fanOut.ts';

/** IMI has no batch read: de-duplicate ids and fan out, this many calls at a time. */
const FAN_OUT = 8;

export function createIotManagedIntegrationsLoaders(port: IotManagedIntegrationsPort, options: CallOptions) {
  return {
    /** GetConnectorDestination by id: full records (with `detail`). */
    connectorDestinationById: new DataLoader<string, ConnectorDestinationModel | null>(
      async function loadConnectorDestinationsById(ids) {
        return fanOut(ids, FAN_OUT, (id) => port.getConnectorDestination(id, options));
      },
      { name: 'connectorDestinationById', maxBatchSize: 100 },
    ),
    /** GetCloudConnector by id. */
    cloudConnectorById: new DataLoader<string, CloudConnectorModel | null>(
      async function loadCloudConnectorsById(ids) {
        return fanOut(ids, FAN_OUT, (id) => port.getCloudConnector(id, options));
      },
      { name: 'cloudConnectorById', maxBatchSize: 100 },
    ),
  };
}
