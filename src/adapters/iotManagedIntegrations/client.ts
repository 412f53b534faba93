/**
 * The IoT Managed Integrations operations this subgraph calls, with the names and input/output
 * shapes of `@aws-sdk/client-iot-managed-integrations` (aggregated client `IoTManagedIntegrations`).
 *
 * The official package cannot be installed here, so this file builds the same requests on the
 * shared REST-JSON client. To use the official package instead, replace this file with one that
 * constructs `new IoTManagedIntegrations({ region, endpoint, credentials })` and re-exports it:
 * the adapter only calls the four methods below, with the official input shapes, and reads
 * errors by `name` and `$metadata` as the official exceptions carry them.
 */
import {
  AwsServiceClient,
  encodeLabel,
  type AwsRestJsonClientOptions,
  type HttpHandlerOptions,
  type OperationSpec,
} from '../aws/restJsonClient.ts';
import { list, pick } from '../aws/deserialize.ts';
import type {
  ConnectorDestinationSummary,
  ConnectorItem,
  GetCloudConnectorCommandInput,
  GetCloudConnectorCommandOutput,
  GetConnectorDestinationCommandInput,
  GetConnectorDestinationCommandOutput,
  ListCloudConnectorsCommandInput,
  ListCloudConnectorsCommandOutput,
  ListConnectorDestinationsCommandInput,
  ListConnectorDestinationsCommandOutput,
} from './types.ts';

/** SigV4 signing name. */
export const SIGNING_NAME = 'iotmanagedintegrations';

const SUMMARY = ['Name', 'Description', 'CloudConnectorId', 'Id'] as const;
const DESTINATION = [...SUMMARY, 'AuthType', 'AuthConfig', 'SecretsManager', 'OAuthCompleteRedirectUrl'] as const;
const CONNECTOR_ITEM = ['Name', 'EndpointConfig', 'Description', 'EndpointType', 'Id', 'Type'] as const;

const GetConnectorDestination: OperationSpec<
  GetConnectorDestinationCommandInput,
  GetConnectorDestinationCommandOutput
> = {
  name: 'GetConnectorDestination',
  method: 'GET',
  path: (i) => `/connector-destinations/${encodeLabel(i.Identifier ?? '', 'Identifier')}`,
  retry: 'standard',
  deserialize: (body) => pick(body, DESTINATION) as GetConnectorDestinationCommandOutput,
};

const ListConnectorDestinations: OperationSpec<
  ListConnectorDestinationsCommandInput,
  ListConnectorDestinationsCommandOutput
> = {
  name: 'ListConnectorDestinations',
  method: 'GET',
  path: () => '/connector-destinations',
  query: (i) => ({ CloudConnectorId: i.CloudConnectorId, NextToken: i.NextToken, MaxResults: i.MaxResults }),
  retry: 'standard',
  deserialize: (body) => ({
    ConnectorDestinationList: list(body['ConnectorDestinationList'])?.map(
      (d) => pick(d, SUMMARY) as ConnectorDestinationSummary,
    ),
    NextToken: typeof body['NextToken'] === 'string' ? body['NextToken'] : undefined,
  }),
};

const GetCloudConnector: OperationSpec<GetCloudConnectorCommandInput, GetCloudConnectorCommandOutput> = {
  name: 'GetCloudConnector',
  method: 'GET',
  path: (i) => `/cloud-connectors/${encodeLabel(i.Identifier ?? '', 'Identifier')}`,
  retry: 'standard',
  deserialize: (body) => pick(body, CONNECTOR_ITEM) as ConnectorItem,
};

const ListCloudConnectors: OperationSpec<ListCloudConnectorsCommandInput, ListCloudConnectorsCommandOutput> = {
  name: 'ListCloudConnectors',
  method: 'GET',
  path: () => '/cloud-connectors',
  query: (i) => ({ Type: i.Type, LambdaArn: i.LambdaArn, MaxResults: i.MaxResults, NextToken: i.NextToken }),
  retry: 'standard',
  deserialize: (body) => ({
    Items: list(body['Items'])?.map((c) => pick(c, CONNECTOR_ITEM) as ConnectorItem),
    NextToken: typeof body['NextToken'] === 'string' ? body['NextToken'] : undefined,
  }),
};

export type { HttpHandlerOptions };

export type IoTManagedIntegrationsConfig = Omit<AwsRestJsonClientOptions, 'signingName'>;

export class IoTManagedIntegrations extends AwsServiceClient {
  constructor(config: IoTManagedIntegrationsConfig) {
    super({ ...config, signingName: SIGNING_NAME });
  }

  getConnectorDestination(input: GetConnectorDestinationCommandInput, options?: HttpHandlerOptions) {
    return this.send(GetConnectorDestination, input, options);
  }

  listConnectorDestinations(input: ListConnectorDestinationsCommandInput, options?: HttpHandlerOptions) {
    return this.send(ListConnectorDestinations, input, options);
  }

  getCloudConnector(input: GetCloudConnectorCommandInput, options?: HttpHandlerOptions) {
    return this.send(GetCloudConnector, input, options);
  }

  listCloudConnectors(input: ListCloudConnectorsCommandInput, options?: HttpHandlerOptions) {
    return this.send(ListCloudConnectors, input, options);
  }
}
