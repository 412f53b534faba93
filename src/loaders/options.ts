/** How loaders are built for one request. */
import DataLoader from 'dataloader';

export interface LoaderSettings {
  /**
   * false is the N+1 baseline for tests and benchmarks: no batching, no per-request cache, no
   * list-backed plans. Never turn it off in production.
   */
  batching: boolean;
  /** Told the size of every batch (for metrics). */
  observeBatch?: (loader: string, size: number) => void;
}

/** A named DataLoader honouring the batching switch. */
export function loader<K, V, C = K>(
  settings: LoaderSettings,
  batch: DataLoader.BatchLoadFn<K, V>,
  options: { name: string; maxBatchSize: number; cacheKeyFn?: (key: K) => C },
): DataLoader<K, V, C> {
  const observed: DataLoader.BatchLoadFn<K, V> = settings.observeBatch
    ? (keys) => {
        settings.observeBatch!(options.name, keys.length);
        return batch(keys);
      }
    : batch;
  return new DataLoader<K, V, C>(observed, {
    ...options,
    ...(settings.batching ? {} : { batch: false, cache: false }),
  });
}
