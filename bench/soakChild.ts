/**
 * The subgraph process of the soak test (`bench/soak.ts` starts it with `--expose-gc` and an IPC
 * channel). It assembles the server in sandbox mode as src/index.ts does, from the environment the
 * parent gives it, and then obeys the parent's commands: queue faults or latency on the
 * simulators, clear them, report `process.memoryUsage()` after a forced GC, and stop.
 *
 * Not a production entry: it refuses to run without an IPC channel.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { createAdapters } from '../src/adapters/index.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import type { SimulatorFault } from '../src/sandbox/aws/faults.ts';
import type { SimulatedOperation } from '../src/sandbox/aws/simulatorTypes.ts';
import type { ConductorOneFault } from '../src/sandbox/conductorOne/faults.ts';
import type { ConductorOneOperation } from '../src/sandbox/conductorOne/simulatorTypes.ts';
import { createServer } from '../src/server.ts';

/** One change to the simulators' behaviour. */
export type FaultAction =
  | { kind: 'awsFault'; operation: SimulatedOperation; fault: SimulatorFault }
  | { kind: 'awsLatency'; ms: number; operation?: SimulatedOperation }
  | { kind: 'conductorOneFault'; operation: ConductorOneOperation; fault: ConductorOneFault }
  | { kind: 'conductorOneLatency'; ms: number; operation?: ConductorOneOperation }
  /** Every ConductorOne access token issued so far is refused from now on (forces a token refresh). */
  | { kind: 'conductorOneExpireTokens' };

export type ParentMessage =
  | { id: number; cmd: 'apply'; actions: FaultAction[] }
  /** Clears faults and latency, and returns the simulators' data to the seed (forgets consumed codes). */
  | { id: number; cmd: 'clear' }
  /** With `gc`, after forced full collections (a pause of up to a second: not under load). */
  | { id: number; cmd: 'memory'; gc: boolean }
  | { id: number; cmd: 'stop' };

export interface MemorySnapshot {
  at: string;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** How long the forced collections took (0 without). */
  gcMs: number;
}

/** Demo ids for the load mix, from the sandbox seed. */
export interface SoakIds {
  destinationIds: string[];
  cloudConnectorIds: string[];
  credentials: Array<{ appId: string; connectorId: string; id: string }>;
  conductorOneAppIds: string[];
  conductorOneConnectors: Array<{ appId: string; id: string }>;
  appAuthorizations: Array<{ appBundleArn: string; arn: string; app: string; authType: string; status: string }>;
}

export type ChildMessage =
  | { type: 'ready'; url: string; ids: SoakIds }
  | { type: 'reply'; id: number; ok: true; memory?: MemorySnapshot }
  | { type: 'reply'; id: number; ok: false; error: string };

const send = process.send?.bind(process);
if (!send) {
  process.stderr.write('bench/soakChild.ts is started by bench/soak.ts (it needs an IPC channel).\n');
  process.exit(2);
}
const gc = globalThis.gc;
if (!gc) {
  process.stderr.write('bench/soakChild.ts needs --expose-gc.\n');
  process.exit(2);
}

const config = loadConfig(process.env);
if (config.host !== '127.0.0.1' || !config.sandbox) {
  process.stderr.write('bench/soakChild.ts serves the sandbox on 127.0.0.1 only.\n');
  process.exit(2);
}
const logger = createLogger(config);
const metrics = createMetrics();
const { adapters, sandbox, circuits, close: closeAdapters } = await createAdapters(config, { logger, metrics });
if (!sandbox?.aws || !sandbox.conductorOne) {
  process.stderr.write('bench/soakChild.ts needs every upstream in sandbox mode.\n');
  process.exit(2);
}
const aws = sandbox.aws;
const conductorOne = sandbox.conductorOne;
const server = createServer({ config, adapters, logger, metrics, circuits });

process.on('unhandledRejection', (reason) => {
  metrics.unhandledRejections.inc();
  logger.error({ err: reason }, 'unhandled promise rejection');
});

function apply(action: FaultAction): void {
  switch (action.kind) {
    case 'awsFault':
      aws.inject(action.operation, action.fault);
      return;
    case 'awsLatency':
      aws.setLatency(action.ms, action.operation);
      return;
    case 'conductorOneFault':
      conductorOne.inject(action.operation, action.fault);
      return;
    case 'conductorOneLatency':
      conductorOne.setLatency(action.ms, action.operation);
      return;
    case 'conductorOneExpireTokens':
      conductorOne.expireAllTokens();
      return;
  }
}

async function memory(collect: boolean): Promise<MemorySnapshot> {
  const started = performance.now();
  if (collect) {
    // Several full collections, with turns in between so finalizers and weak callbacks run.
    for (let i = 0; i < 3; i += 1) {
      gc!();
      await nextTurn();
    }
    await sleep(50);
    gc!();
  }
  const usage = process.memoryUsage();
  return {
    at: new Date().toISOString(),
    rss: usage.rss,
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    gcMs: Math.round(performance.now() - started),
  };
}

let stopping: Promise<void> | null = null;
function stop(): Promise<void> {
  stopping ??= server
    .drain()
    .then(closeAdapters)
    .then(() => logger.info('soak child stopped'));
  return stopping;
}

async function handle(message: ParentMessage): Promise<MemorySnapshot | undefined> {
  switch (message.cmd) {
    case 'apply':
      message.actions.forEach(apply);
      return undefined;
    case 'clear':
      aws.reset();
      aws.resetState();
      conductorOne.reset();
      return undefined;
    case 'memory':
      return memory(message.gc === true);
    case 'stop':
      await stop();
      return undefined;
  }
}

process.on('message', (raw: unknown) => {
  const message = raw as ParentMessage;
  if (typeof message !== 'object' || message === null || typeof message.id !== 'number') return;
  handle(message).then(
    (memory) => {
      send({ type: 'reply', id: message.id, ok: true, ...(memory ? { memory } : {}) } satisfies ChildMessage, () => {
        if (message.cmd === 'stop') process.exit(0);
      });
    },
    (error: unknown) => {
      send({ type: 'reply', id: message.id, ok: false, error: String(error) } satisfies ChildMessage);
    },
  );
});

// The parent went away without saying stop: do not linger.
process.on('disconnect', () => {
  stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});

const { url } = await server.listen();
const seed = sandbox.seed;
const ids: SoakIds = {
  destinationIds: seed.iotManagedIntegrations.connectorDestinations.map((d) => d.Id!),
  cloudConnectorIds: seed.iotManagedIntegrations.cloudConnectors.map((c) => c.Id!),
  credentials: seed.conductorOne.credentials.map((c) => ({
    appId: String(c.appId),
    connectorId: String(c.connectorId),
    id: String(c.id),
  })),
  conductorOneAppIds: seed.conductorOne.apps.map((a) => String(a.id)),
  conductorOneConnectors: seed.conductorOne.connectors.map((c) => ({ appId: String(c.appId), id: String(c.id) })),
  appAuthorizations: seed.appFabric.appAuthorizations.map((a) => ({
    appBundleArn: a.appBundleArn!,
    arn: a.appAuthorizationArn!,
    app: a.app!,
    authType: String(a.authType),
    status: String(a.status),
  })),
};
logger.info({ url, aws: aws.url, conductorOne: conductorOne.url }, 'soak child listening');
send({ type: 'ready', url, ids } satisfies ChildMessage);
