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

/**
 * A named DataLoader honouring the batching switch.
 *
 * A key whose read failed keeps its Error for the rest of the request: DataLoader caches Error
 * values, and nothing here clears them. That is deliberate. The adapters have already retried
 * within the request's deadline (and within the upstream's retry budget); reading the key again
 * in the same request would spend the per-operation call budget and add load to an upstream that
 * just failed or throttled. The next request has new loaders, so nothing outlives the request.
 */
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
