/** How loaders are built for one request. */
import DataLoader from 'dataloader';

export interface LoaderSettings {
  /**
   * false is the N+1 baseline for tests and benchmarks: no batching, no per-request cache, no
   * list-backed plans. Never turn it off in production.
   */
  batching: boolean;
}

/** A named DataLoader honouring the batching switch. */
export function loader<K, V, C = K>(
  settings: LoaderSettings,
  batch: DataLoader.BatchLoadFn<K, V>,
  options: { name: string; maxBatchSize: number; cacheKeyFn?: (key: K) => C },
): DataLoader<K, V, C> {
  return new DataLoader<K, V, C>(batch, {
    ...options,
    ...(settings.batching ? {} : { batch: false, cache: false }),
  });
}
