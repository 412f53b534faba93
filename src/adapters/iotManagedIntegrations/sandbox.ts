/**
 * In-process sandbox of IoT Managed Integrations over the demo seed. It runs the real mapping on
 * wire-shaped data and counts calls per operation like the upstream would see them.
 */
import type { SandboxSeed } from '../../sandbox/seed.ts';
import { CallCounter, paginate } from '../../sandbox/paging.ts';
import { toCloudConnector, toConnectorDestination, toConnectorDestinationSummary } from './mapping.ts';
import type { IotManagedIntegrationsPort } from './port.ts';

export function createIotManagedIntegrationsSandbox(
  seed: SandboxSeed['iotManagedIntegrations'],
  calls: CallCounter = new CallCounter(),
): IotManagedIntegrationsPort {
  const destinations = new Map(seed.connectorDestinations.map((d) => [d.Id!, d]));
  const connectors = new Map(seed.cloudConnectors.map((c) => [c.Id!, c]));
  const upstream = (operation: string) => ({ name: 'iotManagedIntegrations' as const, operation });

  return {
    async getConnectorDestination(id) {
      await calls.call('GetConnectorDestination');
      const wire = destinations.get(id);
      return wire ? toConnectorDestination(wire, id) : null;
    },
    async listConnectorDestinations({ cloudConnectorId, maxResults, nextToken }) {
      await calls.call('ListConnectorDestinations');
      const matching = seed.connectorDestinations.filter(
        (d) => cloudConnectorId === undefined || d.CloudConnectorId === cloudConnectorId,
      );
      const page = paginate(
        matching,
        maxResults,
        nextToken,
        cloudConnectorId ?? '',
        upstream('ListConnectorDestinations'),
      );
      // The list returns ConnectorDestinationSummary members only.
      return {
        items: page.items.map((d) =>
          toConnectorDestinationSummary({
            Id: d.Id,
            Name: d.Name,
            Description: d.Description,
            CloudConnectorId: d.CloudConnectorId,
          }),
        ),
        nextToken: page.nextToken,
      };
    },
    async getCloudConnector(id) {
      await calls.call('GetCloudConnector');
      const wire = connectors.get(id);
      return wire ? toCloudConnector(wire, id) : null;
    },
    async listCloudConnectors({ maxResults, nextToken }) {
      await calls.call('ListCloudConnectors');
      const page = paginate(seed.cloudConnectors, maxResults, nextToken, '', upstream('ListCloudConnectors'));
      return { items: page.items.map((c) => toCloudConnector(c)), nextToken: page.nextToken };
    },
  };
}
