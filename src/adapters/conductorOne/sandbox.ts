/**
 * In-process sandbox of ConductorOne over the demo seed. Its credentials are serialized as the
 * API does, `clientSecret` included where the seed has one, and go through the real mapping.
 */
import type { SandboxSeed } from '../../sandbox/seed.ts';
import { CallCounter } from '../../sandbox/paging.ts';
import { text, toConductorOneApp, toConductorOneConnector, toConnectorCredential } from './mapping.ts';
import type { ConductorOneAppModel, ConductorOnePort } from './port.ts';

/** The apps search's page size limit. */
const SEARCH_PAGE_SIZE = 100;

export function createConductorOneSandbox(
  seed: SandboxSeed['conductorOne'],
  calls: CallCounter = new CallCounter(),
): ConductorOnePort {
  const keyOf = (...parts: unknown[]) => parts.map((p) => text(p) ?? '').join('\u0000');
  const credentials = new Map(seed.credentials.map((c) => [keyOf(c.appId, c.connectorId, c.id), c]));
  const connectors = new Map(seed.connectors.map((c) => [keyOf(c.appId, c.id), c]));

  return {
    async getCredential(key) {
      await calls.call('GetCredentials');
      const wire = credentials.get(keyOf(key.appId, key.connectorId, key.id));
      return wire ? toConnectorCredential(structuredClone(wire), key) : null;
    },
    async getConnector(key) {
      await calls.call('GetConnector');
      const wire = connectors.get(keyOf(key.appId, key.id));
      return wire ? toConductorOneConnector(wire, key) : null;
    },
    async searchAppsById(ids) {
      const wanted = new Set(ids);
      const found = seed.apps.filter((a) => wanted.has(text(a.id) ?? ''));
      const result: ConductorOneAppModel[] = [];
      // One search call per page of results, as POST /api/v1/search/apps pages them.
      for (let offset = 0; offset === 0 || offset < found.length; offset += SEARCH_PAGE_SIZE) {
        await calls.call('SearchApps');
        for (const wire of found.slice(offset, offset + SEARCH_PAGE_SIZE)) {
          const app = toConductorOneApp(wire);
          if (app) result.push(app);
        }
      }
      return result;
    },
  };
}
