/**
 * The IoT Managed Integrations port on the real client. Every call goes through `call`
 * (createAwsCalls, shared with AppFabric), the one place where upstream failures are logged and
 * translated.
 */
import type { Logger } from 'pino';
import { createAwsCalls, toSubgraphError } from '../aws/translate.ts';
import { unusableMembers } from '../callLog.ts';
import type { IoTManagedIntegrations } from './client.ts';
import { toCloudConnector, toConnectorDestination, toConnectorDestinationSummary } from './mapping.ts';
import type { IotManagedIntegrationsPort } from './port.ts';

const NAME = 'iotManagedIntegrations';

export function createIotManagedIntegrationsAdapter(
  client: IoTManagedIntegrations,
  log: Logger,
  onRetries: (operation: string, retries: number) => void = () => undefined,
): IotManagedIntegrationsPort {
  const { call } = createAwsCalls(NAME, log, onRetries);

  /** A member of an answer that cannot be mapped: failing only its own field, and logged. */
  const unusable = unusableMembers(log, NAME, (error, operation) => toSubgraphError(error, NAME, operation));

  return {
    getConnectorDestination: (id, options) =>
      call(
        'GetConnectorDestination',
        options,
        async (h) =>
          toConnectorDestination(
            await client.getConnectorDestination({ Identifier: id }, h),
            id,
            unusable('GetConnectorDestination', options),
          ),
        () => null,
      ),

    listConnectorDestinations: ({ cloudConnectorId, maxResults, nextToken }, options) =>
      call('ListConnectorDestinations', options, async (h) => {
        const out = await client.listConnectorDestinations(
          { CloudConnectorId: cloudConnectorId, MaxResults: maxResults, NextToken: nextToken },
          h,
        );
        return {
          items: (out.ConnectorDestinationList ?? []).map((d) => toConnectorDestinationSummary(d)),
          nextToken: out.NextToken ?? null,
        };
      }),

    getCloudConnector: (id, options) =>
      call(
        'GetCloudConnector',
        options,
        async (h) => toCloudConnector(await client.getCloudConnector({ Identifier: id }, h), id),
        () => null,
      ),

    listCloudConnectors: ({ maxResults, nextToken }, options) =>
      call('ListCloudConnectors', options, async (h) => {
        const out = await client.listCloudConnectors({ MaxResults: maxResults, NextToken: nextToken }, h);
        // The loaders read these pages to find connectors by id. The model leaves `Id` optional:
        // an item without one can be no connector asked for, so it is passed over (and logged)
        // instead of failing every connector of the batch.
        const items = out.Items ?? [];
        const identified = items.filter((c) => typeof c.Id === 'string' && c.Id !== '');
        if (identified.length < items.length) {
          log.warn(
            { upstream: NAME, operation: 'ListCloudConnectors', skipped: items.length - identified.length },
            'cloud connectors without an Id passed over',
          );
        }
        return { items: identified.map((c) => toCloudConnector(c)), nextToken: out.NextToken ?? null };
      }),
  };
}
