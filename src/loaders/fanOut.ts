import { toError } from '../errors.ts';

/**
 * For upstreams without a batch read: one call per distinct key, at most `concurrency` at a time.
 * A key whose call fails gets its own Error, as DataLoader's batch contract expects, so one bad
 * key never fails its neighbours.
 */
export async function fanOut<K, V>(
  keys: readonly K[],
  concurrency: number,
  load: (key: K) => Promise<V>,
): Promise<Array<V | Error>> {
  const results = new Array<V | Error>(keys.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < keys.length) {
      const index = next++;
      try {
        results[index] = await load(keys[index]!);
      } catch (error) {
        results[index] = toError(error);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  return results;
}
