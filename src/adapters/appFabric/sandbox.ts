/**
 * In-process sandbox of AppFabric over the demo seed, with a stateful connect step: a code
 * completes a PendingConnect authorization once; a reused code is rejected as AppFabric rejects it.
 */
import type { SandboxSeed } from '../../sandbox/seed.ts';
import { CallCounter, paginate } from '../../sandbox/paging.ts';
import { inputPathFromAppFabricField, toAppAuthorization, toAppAuthorizationSummary } from './mapping.ts';
import type { AppFabricPort, ConnectAppAuthorizationResult } from './port.ts';
import type { AppAuthorization } from './types.ts';

export function createAppFabricSandbox(
  seed: SandboxSeed['appFabric'],
  calls: CallCounter = new CallCounter(),
  now: () => Date = () => new Date(),
): AppFabricPort {
  // Own copies: the connect step changes them.
  const authorizations: AppAuthorization[] = seed.appAuthorizations.map((a) => ({ ...a, tenant: { ...a.tenant! } }));
  const consumedCodes = new Set<string>();

  function findBundle(identifier: string): string | undefined {
    return seed.appBundleArns.find((arn) => arn === identifier || arn.endsWith(`/${identifier}`));
  }

  function find(appBundleIdentifier: string, appAuthorizationIdentifier: string): AppAuthorization | undefined {
    const bundle = findBundle(appBundleIdentifier);
    if (!bundle) return undefined;
    return authorizations.find(
      (a) =>
        a.appBundleArn === bundle &&
        (a.appAuthorizationArn === appAuthorizationIdentifier ||
          a.appAuthorizationArn!.endsWith(`/appauthorization/${appAuthorizationIdentifier}`)),
    );
  }

  return {
    async getAppAuthorization({ appBundleIdentifier, appAuthorizationIdentifier }) {
      await calls.call('GetAppAuthorization');
      const wire = find(appBundleIdentifier, appAuthorizationIdentifier);
      return wire ? toAppAuthorization(wire) : null;
    },

    async listAppAuthorizations({ appBundleIdentifier, maxResults, nextToken }) {
      await calls.call('ListAppAuthorizations');
      const bundle = findBundle(appBundleIdentifier);
      if (!bundle) return { items: [], nextToken: null };
      const page = paginate(
        authorizations.filter((a) => a.appBundleArn === bundle),
        maxResults,
        nextToken,
        bundle,
        { name: 'appFabric', operation: 'ListAppAuthorizations' },
      );
      return { items: page.items.map(toAppAuthorizationSummary), nextToken: page.nextToken };
    },

    async connectAppAuthorization({ appBundleIdentifier, appAuthorizationIdentifier, authRequest }) {
      await calls.call('ConnectAppAuthorization');
      const wire = find(appBundleIdentifier, appAuthorizationIdentifier);
      if (!wire) {
        return {
          ok: false,
          code: 'NOT_FOUND',
          message: 'The app bundle or app authorization does not exist.',
          field: null,
        };
      }
      const invalid = (name: string, message: string): ConnectAppAuthorizationResult => ({
        ok: false,
        code: 'INVALID_INPUT',
        message,
        field: inputPathFromAppFabricField(name),
      });
      if (wire.authType === 'oauth2') {
        if (!authRequest) return invalid('authRequest', 'authRequest is required for an oauth2 app authorization.');
        if (consumedCodes.has(authRequest.code)) {
          return invalid('authRequest.code', 'The authorization code is invalid, expired or was already used.');
        }
        consumedCodes.add(authRequest.code);
      }
      wire.status = 'Connected';
      wire.updatedAt = now();
      return { ok: true, appAuthorization: toAppAuthorizationSummary(wire) };
    },
  };
}
