/**
 * The IoT Managed Integrations port on the real client. Every call goes through `call`, the one
 * place where upstream failures are logged and translated.
 */
import type { Logger } from 'pino';
import { describeAwsFailure, toSubgraphError } from '../aws/translate.ts';
import { AwsServiceException } from '../aws/errors.ts';
import type { CallOptions } from '../types.ts';
import type { HttpHandlerOptions, IoTManagedIntegrations } from './client.ts';
import { toCloudConnector, toConnectorDestination, toConnectorDestinationSummary } from './mapping.ts';
import type { IotManagedIntegrationsPort } from './port.ts';
import { failedCall } from '../callLog.ts';

const NAME = 'iotManagedIntegrations';

export function createIotManagedIntegrationsAdapter(
  client: IoTManagedIntegrations,
  log: Logger,
  onRetries: (operation: string, retries: number) => void = () => undefined,
): IotManagedIntegrationsPort {
  /** Runs one operation; `notFound` answers a ResourceNotFoundException instead of failing. */
  async function call<T>(
    operation: string,
    options: CallOptions | undefined,
    run: (handler: HttpHandlerOptions) => Promise<T>,
    notFound?: () => T,
  ): Promise<T> {
    try {
      return await run({
        ...(options?.signal ? { abortSignal: options.signal } : {}),
        ...(options?.deadline ? { deadline: options.deadline } : {}),
        onOutcome: (outcome) => onRetries(outcome.operation, outcome.attempts - 1),
      });
    } catch (error) {
      if (notFound && error instanceof AwsServiceException && error.name === 'ResourceNotFoundException')
        return notFound();
      const fields = { upstream: NAME, operation, ...describeAwsFailure(error) };
      throw failedCall(log, options?.signal, fields, () => toSubgraphError(error, NAME, operation));
    }
  }

  return {
    getConnectorDestination: (id, options) =>
      call(
        'GetConnectorDestination',
        options,
        async (h) => toConnectorDestination(await client.getConnectorDestination({ Identifier: id }, h), id),
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
        return { items: (out.Items ?? []).map((c) => toCloudConnector(c)), nextToken: out.NextToken ?? null };
      }),
  };
}
