/**
 * The benchmark's upstream data: the sandbox seed, grown so that every query of the mix can ask
 * for 100 distinct items of each type (the sandbox itself is sized for reading, not for load).
 * Generated items are copies of the sandbox's own, with new ids, in the same wire shapes.
 * Deterministic for a given clock.
 */
import { createSandboxSeed, type SandboxSeed } from '../src/sandbox/seed.ts';

/** How many items of each kind the benchmark's upstreams hold (at least). */
export const BENCH_SIZES = {
  cloudConnectors: 120,
  connectorDestinations: 300,
  /** In the first app bundle: a 100-item list and 100 distinct references fit in it. */
  appAuthorizationsInFirstBundle: 120,
  apps: 120,
  connectors: 150,
  credentials: 150,
} as const;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** A lower-case UUID-shaped identifier, distinct per n. */
function uuid(n: number): string {
  return `b3e0${hex(n, 4)}-0000-4000-8000-${hex(n, 12)}`;
}

function cycle<T>(items: readonly T[], i: number): T {
  const item = items[i % items.length];
  if (item === undefined) throw new Error('bench seed: the sandbox seed has an empty list');
  return item;
}

export function createBenchSeed(now: Date = new Date()): SandboxSeed {
  const seed = createSandboxSeed(now);
  const imi = seed.iotManagedIntegrations;
  const baseConnectors = [...imi.cloudConnectors];
  for (let i = imi.cloudConnectors.length; i < BENCH_SIZES.cloudConnectors; i += 1) {
    const base = cycle(baseConnectors, i);
    imi.cloudConnectors.push({ ...base, Id: `cc-bench-${i}`, Name: `${base.Name ?? 'Cloud connector'} #${i}` });
  }
  const baseDestinations = [...imi.connectorDestinations];
  for (let i = imi.connectorDestinations.length; i < BENCH_SIZES.connectorDestinations; i += 1) {
    const base = cycle(baseDestinations, i);
    imi.connectorDestinations.push({
      ...structuredClone(base),
      Id: `dest-bench-${i}`,
      Name: `${base.Name ?? 'Destination'} #${i}`,
      // Spread over every cloud connector, so a page of 100 names many of them.
      CloudConnectorId: cycle(imi.cloudConnectors, i).Id,
    });
  }

  const fabric = seed.appFabric;
  const firstBundle = fabric.appBundleArns[0];
  if (!firstBundle) throw new Error('bench seed: the sandbox seed has no app bundle');
  const baseAuthorizations = fabric.appAuthorizations.filter((a) => a.appBundleArn === firstBundle);
  for (let i = baseAuthorizations.length; i < BENCH_SIZES.appAuthorizationsInFirstBundle; i += 1) {
    const base = cycle(baseAuthorizations, i);
    fabric.appAuthorizations.push({
      ...structuredClone(base),
      appAuthorizationArn: `${firstBundle}/appauthorization/${uuid(i)}`,
    });
  }

  const c1 = seed.conductorOne;
  const baseApps = [...c1.apps];
  for (let i = c1.apps.length; i < BENCH_SIZES.apps; i += 1) {
    const base = cycle(baseApps, i);
    c1.apps.push({ ...base, id: `app-bench-${i}`, displayName: `${base.displayName ?? 'App'} #${i}` });
  }
  const baseConnectorsC1 = [...c1.connectors];
  for (let i = c1.connectors.length; i < BENCH_SIZES.connectors; i += 1) {
    const base = cycle(baseConnectorsC1, i);
    c1.connectors.push({ ...structuredClone(base), id: `conn-bench-${i}`, appId: cycle(c1.apps, i).id });
  }
  const baseCredentials = c1.credentials.filter((c) => !('clientSecret' in c) || !c.clientSecret);
  for (let i = c1.credentials.length; i < BENCH_SIZES.credentials; i += 1) {
    const base = cycle(baseCredentials, i);
    const connector = cycle(c1.connectors, i);
    c1.credentials.push({ ...base, id: `cred-bench-${i}`, appId: connector.appId, connectorId: connector.id });
  }
  return seed;
}
