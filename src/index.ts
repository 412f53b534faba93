/**
 * Process entry: configuration → adapters → server, plus signal handling.
 */
import { createAdapters } from './adapters/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { describeSandbox } from './sandbox/describe.ts';
import { createServer } from './server.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`connector-auth-subgraph: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(config);
const metrics = createMetrics();
const { adapters, sandbox, circuits, close: closeAdapters } = await createAdapters(config, { logger, metrics });
const server = createServer({ config, adapters, logger, metrics, circuits });
if (config.auth.kind === 'disabled' && config.production) {
  logger.warn('AUTH_DISABLED=true: caller authentication is OFF in production; every caller may read every field.');
} else if (config.auth.kind === 'disabled' && Object.values(config.upstreams).includes('real')) {
  logger.warn(
    { upstreams: config.upstreams, host: config.host },
    'Real upstreams without caller authentication: every caller that reaches this port may read every field. ' +
      'Unset AWS_REGION and CONDUCTORONE_* (or set SANDBOX=true) for the demo sandbox.',
  );
}

process.on('unhandledRejection', (reason) => {
  metrics.unhandledRejections.inc();
  logger.error({ err: reason }, 'unhandled promise rejection');
});

// Signals are handled from before the server listens: a SIGTERM right after the 'listening' line
// (or during start-up) drains instead of killing the process.
let stopping = false;
/** How long closing the upstream clients may take after the drain. */
const EXIT_GRACE_MS = 3_000;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) {
      // A second signal (Ctrl-C twice) does not wait for the drain: in-flight requests are cut.
      logger.warn({ signal }, 'second signal while draining: exiting now');
      logger.flush();
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'draining');
    // The drain takes SHUTDOWN_DELAY_MS, then at most SHUTDOWN_TIMEOUT_MS before connections are
    // cut; closing the upstream clients after it must not hold the exit past a few seconds more.
    setTimeout(
      () => {
        logger.error('shutdown did not finish in time: exiting now');
        logger.flush();
        process.exit(1);
      },
      config.shutdownDelayMs + config.shutdownTimeoutMs + EXIT_GRACE_MS,
    ).unref();
    server
      .drain()
      .then(closeAdapters)
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'drain failed');
          process.exit(1);
        },
      );
  });
}

let url: string;
try {
  ({ url } = await server.listen());
} catch (error) {
  // A port in use, a HOST that is no interface of this machine: said in one line, naming the settings.
  const code = (error as { code?: unknown }).code;
  logger.fatal(
    { host: config.host, port: config.port, code },
    `cannot listen on HOST=${config.host} PORT=${config.port}${typeof code === 'string' ? ` (${code})` : ''}`,
  );
  logger.flush();
  await closeAdapters();
  process.exit(1);
}
logger.info({ url, upstreams: config.upstreams }, `connector-auth-subgraph listening at ${url}`);
if (sandbox) {
  logger.info(
    {
      sandbox: describeSandbox(sandbox.seed),
      awsSimulator: sandbox.aws?.url ?? null,
      conductorOneSimulator: sandbox.conductorOne?.url ?? null,
    },
    'Serving the EMBEDDED SANDBOX with demo data (no upstream credentials used). See README "Sandbox".',
  );
}
// Log lines are written in batches (src/logger.ts); the start-up lines go out now.
logger.flush();
