/**
 * Contender: this subgraph, assembled as src/index.ts assembles it (production mode, real clients,
 * configuration from the environment `bench/run.ts` gives). `--n-plus-one` turns the loaders off:
 * the N+1 baseline.
 */
import { createAdapters } from '../../src/adapters/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createServer } from '../../src/server.ts';
import { runTarget } from './kit.ts';

const nPlusOne = process.argv.includes('--n-plus-one');

await runTarget(nPlusOne ? 'subgraph (N+1)' : 'subgraph', async () => {
  const config = loadConfig(process.env);
  if (!config.production || config.sandbox)
    throw new Error('the subgraph contender runs in production mode against the bench upstreams');
  const logger = createLogger(config);
  const metrics = createMetrics();
  const { adapters, circuits, close } = await createAdapters(config, { logger, metrics });
  const server = createServer({ config, adapters, logger, metrics, circuits, batching: !nPlusOne });
  const { url } = await server.listen();
  return {
    url,
    close: async () => {
      await server.drain();
      await close();
    },
  };
});
