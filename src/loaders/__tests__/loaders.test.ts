/**
 * Batch shapes: what each loader asks its port for, for a given set of loads in one tick.
 */
import { describe, expect, it } from 'vitest';
import type { Adapters } from '../../adapters/index.ts';
import { fanOut } from '../fanOut.ts';
import { createLoaders } from '../index.ts';

function recordingAdapters() {
  const calls: Array<[string, unknown]> = [];
  const adapters = {
    iotManagedIntegrations: {
      getConnectorDestination: async (id: string) => (
        calls.push(['getConnectorDestination', id]),
        id === 'missing' ? null : { id, name: null, description: null, cloudConnectorId: null, detail: null }
      ),
      getCloudConnector: async (id: string) => (calls.push(['getCloudConnector', id]), null),
    },
    appFabric: {
      getAppAuthorization: async (ref: unknown) => (calls.push(['getAppAuthorization', ref]), null),
    },
    conductorOne: {
      getCredential: async (key: unknown) => (calls.push(['getCredential', key]), null),
      getConnector: async (key: { id: string }) => {
        calls.push(['getConnector', key]);
        if (key.id === 'boom') throw new Error('only this key fails');
        return null;
      },
      searchAppsById: async (ids: readonly string[]) => (
        calls.push(['searchAppsById', [...ids]]),
        ids.filter((id) => id !== 'gone').map((id) => ({ id, displayName: id, description: null, iconUrl: null }))
      ),
    },
  } as unknown as Adapters;
  return { adapters, calls };
}

describe('loaders', () => {
  it('de-duplicates ids and returns results in key order, null for misses', async () => {
    const { adapters, calls } = recordingAdapters();
    const loaders = createLoaders(adapters);
    const results = await Promise.all(
      ['a', 'missing', 'a', 'b'].map((id) => loaders.connectorDestinationById.load(id)),
    );
    expect(results.map((r) => r?.id ?? null)).toEqual(['a', null, 'a', 'b']);
    expect(calls).toEqual([
      ['getConnectorDestination', 'a'],
      ['getConnectorDestination', 'missing'],
      ['getConnectorDestination', 'b'],
    ]);
  });

  it('makes one apps search per batch, in key order with null for missing apps', async () => {
    const { adapters, calls } = recordingAdapters();
    const loaders = createLoaders(adapters);
    const apps = await Promise.all(['x', 'gone', 'y', 'x'].map((id) => loaders.appById.load(id)));
    expect(apps.map((a) => a?.id ?? null)).toEqual(['x', null, 'y', 'x']);
    expect(calls).toEqual([['searchAppsById', ['x', 'gone', 'y']]]);
  });

  it('splits apps searches at 100 ids', async () => {
    const { adapters, calls } = recordingAdapters();
    const loaders = createLoaders(adapters);
    await Promise.all(Array.from({ length: 250 }, (_, i) => loaders.appById.load(`app-${i}`)));
    expect(calls.map(([, ids]) => (ids as string[]).length)).toEqual([100, 100, 50]);
  });

  it('keys composite entities by every key member', async () => {
    const { adapters, calls } = recordingAdapters();
    const loaders = createLoaders(adapters);
    await Promise.all([
      loaders.credentialByKey.load({ appId: 'a', connectorId: 'c', id: '1' }),
      loaders.credentialByKey.load({ appId: 'a', connectorId: 'c', id: '1' }),
      loaders.credentialByKey.load({ appId: 'a', connectorId: 'd', id: '1' }),
    ]);
    expect(calls).toHaveLength(2);
  });

  it('fails only the key whose call failed', async () => {
    const { adapters } = recordingAdapters();
    const loaders = createLoaders(adapters);
    const [ok, failed] = await Promise.allSettled([
      loaders.connectorByKey.load({ appId: 'a', id: 'fine' }),
      loaders.connectorByKey.load({ appId: 'a', id: 'boom' }),
    ]);
    expect(ok).toEqual({ status: 'fulfilled', value: null });
    expect(failed).toMatchObject({ status: 'rejected', reason: { message: 'only this key fails' } });
  });

  it('shares an app authorization read by UUIDs with later reads by ARN', async () => {
    const arn = 'arn:aws:appfabric:us-east-1:1:appbundle/b/appauthorization/a';
    const model = {
      arn,
      appBundleArn: 'arn:aws:appfabric:us-east-1:1:appbundle/b',
      app: 'X',
      tenant: { tenantIdentifier: 't', tenantDisplayName: 'T' },
      status: 'CONNECTED',
      updatedAt: '2026-01-01T00:00:00Z',
      detail: null,
    };
    let gets = 0;
    const adapters = {
      ...recordingAdapters().adapters,
      appFabric: { getAppAuthorization: async () => (gets++, model) },
    } as unknown as Adapters;
    const loaders = createLoaders(adapters);
    await loaders.appAuthorizationByRef.load({ appBundleIdentifier: 'uuid-b', appAuthorizationIdentifier: 'uuid-a' });
    expect(await loaders.appAuthorizationByArn.load(arn)).toBe(model);
    expect(gets).toBe(1);
  });
});

describe("a request's loaders", () => {
  it("makes an upstream's loaders when the request first uses one, once, and no other upstream's", async () => {
    const { adapters } = recordingAdapters();
    const read: string[] = [];
    const watched = new Proxy(adapters, {
      get(target, upstream: string) {
        read.push(upstream);
        return target[upstream as keyof Adapters];
      },
    });
    const loaders = createLoaders(watched);
    expect(read).toEqual([]);
    const credentialByKey = loaders.credentialByKey;
    expect(loaders.credentialByKey).toBe(credentialByKey);
    expect(loaders.appById).not.toBe(credentialByKey);
    await loaders.appById.load('x');
    expect(read).toEqual(['conductorOne']);
    void loaders.cloudConnectorById;
    expect(read).toEqual(['conductorOne', 'iotManagedIntegrations']);
  });

  it('keeps its getters on the prototype, made once (not in an object literal per request)', () => {
    const loaders = createLoaders(recordingAdapters().adapters);
    expect(Object.getOwnPropertyNames(loaders)).toEqual([]);
    const prototype = Object.getPrototypeOf(loaders) as object;
    for (const name of [
      'connectorDestinationById',
      'appAuthorizationByArn',
      'credentialByKey',
      'trackDestinationList',
    ]) {
      expect(typeof Object.getOwnPropertyDescriptor(prototype, name)?.get).toBe('function');
    }
  });
});

describe('fanOut', () => {
  it('never runs more than the concurrency limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await fanOut(
      Array.from({ length: 30 }, (_, i) => i),
      4,
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        running--;
        return n * 2;
      },
    );
    expect(peak).toBe(4);
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
  });
});
