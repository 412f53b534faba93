/**
 * The part every contender process shares: report readiness to `bench/run.ts`, answer its
 * resource questions, stop when told (or when the parent goes away).
 */
import { GCProfiler, getHeapStatistics } from 'node:v8';
import type { ParentCommand, TargetMessage } from '../protocol.ts';

/**
 * This process's garbage collection so far, from V8's GC profiler (it reports every collection's
 * pause and the heap before and after it), read at every stats request, which restarts it:
 * - `count` and `pauseMs`: the collections and their pauses in total, ms;
 * - `allocatedBytes`: bytes allocated on V8's heap. V8 keeps no such counter, so it is summed from
 *   what each collection found in use beyond what the collection before it left, plus the growth
 *   since the last one.
 */
export interface GcTotals {
  count: number;
  pauseMs: number;
  allocatedBytes: number;
}

const totals: GcTotals = { count: 0, pauseMs: 0, allocatedBytes: 0 };
let lastUsed = getHeapStatistics().used_heap_size;
const gcProfiler = new GCProfiler();
gcProfiler.start();
// The profiler keeps a record of every collection until it is stopped. bench/run.ts asks for stats
// every 250 ms while it measures, but not in between (the added-latency phase runs for minutes), so
// the records are folded into the totals every second as well: otherwise the process's memory
// would grow with the number of collections, most with the smallest young generation.
setInterval(gcTotals, 1000).unref();

export function gcTotals(): GcTotals {
  const collections = gcProfiler.stop()?.statistics ?? [];
  gcProfiler.start();
  for (const collection of collections) {
    totals.count += 1;
    totals.pauseMs += collection.cost / 1000;
    totals.allocatedBytes += Math.max(0, collection.beforeGC.heapStatistics.usedHeapSize - lastUsed);
    lastUsed = collection.afterGC.heapStatistics.usedHeapSize;
  }
  const used = getHeapStatistics().used_heap_size;
  totals.allocatedBytes += Math.max(0, used - lastUsed);
  lastUsed = used;
  return { ...totals };
}

export interface StartedTarget {
  url: string;
  close(): Promise<void>;
}

export async function runTarget(name: string, start: () => Promise<StartedTarget>): Promise<void> {
  const send = process.send?.bind(process) as ((message: TargetMessage) => boolean) | undefined;
  if (!send) {
    process.stderr.write(`bench/targets/${name}.ts is started by bench/run.ts (it needs an IPC channel).\n`);
    process.exit(2);
  }
  let started: StartedTarget;
  try {
    started = await start();
  } catch (error) {
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
  const stop = async () => {
    await started.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('message', (message: ParentCommand) => {
    if (message.cmd === 'stats') {
      const memory = process.memoryUsage();
      const { count, pauseMs, allocatedBytes } = gcTotals();
      send({
        type: 'stats',
        id: message.id,
        cpu: process.cpuUsage(),
        memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
        gc: { count, pauseMs },
        allocatedBytes,
      });
    } else if (message.cmd === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', url: started.url, startupMs: Math.round(performance.now()) });
}
