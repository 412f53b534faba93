/** A few demo ids for the start-up log, so a newcomer can try a query straight away. */
import type { SandboxSeed } from './seed.ts';

export function describeSandbox(seed: SandboxSeed) {
  const credential = seed.conductorOne.credentials[0]!;
  const authorization = seed.appFabric.appAuthorizations[0]!;
  return {
    connectorDestinationId: seed.iotManagedIntegrations.connectorDestinations[0]!.Id,
    cloudConnectorId: seed.iotManagedIntegrations.cloudConnectors[0]!.Id,
    connectorCredential: { appId: credential.appId, connectorId: credential.connectorId, id: credential.id },
    appBundleArn: seed.appFabric.appBundleArns[0],
    appAuthorizationArn: authorization.appAuthorizationArn,
  };
}
