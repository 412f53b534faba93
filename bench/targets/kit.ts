/**
 * The part every contender process shares: report readiness to `bench/run.ts`, answer its
 * resource questions, stop when told (or when the parent goes away).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import type { ParentCommand, TargetMessage } from '../protocol.ts';

/** Garbage-collection pauses of this process, as Node's `gc` performance entries report them. */
const gc = { count: 0, pauseMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count += 1;
    gc.pauseMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

/**
 * Bytes allocated on V8's heap so far. V8 keeps no such counter, so it is summed from what each
 * collection found in use beyond what the collection before it left (V8's GC profiler reports the
 * heap before and after every collection), plus the growth since the last one. Read at every
 * stats request, which restarts the profiler.
 */
const allocation = { bytes: 0, lastUsed: getHeapStatistics().used_heap_size };
const gcProfiler = new GCProfiler();
gcProfiler.start();

export function allocatedBytes(): number {
  const collections = gcProfiler.stop()?.statistics ?? [];
  gcProfiler.start();
  for (const collection of collections) {
    allocation.bytes += Math.max(0, collection.beforeGC.heapStatistics.usedHeapSize - allocation.lastUsed);
    allocation.lastUsed = collection.afterGC.heapStatistics.usedHeapSize;
  }
  const used = getHeapStatistics().used_heap_size;
  allocation.bytes += Math.max(0, used - allocation.lastUsed);
  allocation.lastUsed = used;
  return allocation.bytes;
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
      send({
        type: 'stats',
        id: message.id,
        cpu: process.cpuUsage(),
        memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
        gc: { ...gc },
        allocatedBytes: allocatedBytes(),
      });
    } else if (message.cmd === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', url: started.url, startupMs: Math.round(performance.now()) });
}
