/**
 * The part every contender process shares: report readiness to `bench/run.ts`, answer its
 * resource questions, stop when told (or when the parent goes away).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import type { ParentCommand, TargetMessage } from '../protocol.ts';

/**
 * This process's garbage collections so far, and their pauses in total (ms): one `perf_hooks` entry
 * per collection, whose duration is the main thread's pause. Always on; it keeps nothing but the
 * two sums.
 */
export interface GcTotals {
  count: number;
  pauseMs: number;
}

const gcTotalsSoFar: GcTotals = { count: 0, pauseMs: 0 };
const addCollections = (entries: readonly PerformanceEntry[]) => {
  for (const entry of entries) {
    gcTotalsSoFar.count += 1;
    gcTotalsSoFar.pauseMs += entry.duration;
  }
};
const gcObserver = new PerformanceObserver((list) => addCollections(list.getEntries()));
gcObserver.observe({ entryTypes: ['gc'] });

export function gcTotals(): GcTotals {
  // Entries are delivered to the callback after the collection, a turn of the event loop later:
  // take the ones still waiting, so that a read right after a collection counts it.
  addCollections(gcObserver.takeRecords());
  return { ...gcTotalsSoFar };
}

/**
 * Bytes allocated on V8's heap between `startAllocationMeter()` and `stopAllocationMeter()`. V8
 * keeps no such counter, so it is summed from V8's GC profiler, which records the heap in use
 * before and after every collection: what each collection found in use beyond what the one before
 * it left, plus the growth since the last one.
 *
 * The benchmark runs it only in a pass of its own, after everything else is measured, because a
 * GC profiler costs more than its records. A stopped `GCProfiler` keeps its callbacks, and keeps
 * writing a record of every collection into memory outside V8's heap, until V8 collects its
 * object, which is old by then, so at the next full collection. Restarted at every stats request
 * (every 250 ms), dozens ran at once between two full collections: at the peak their records held
 * 44 MB, and this subgraph spent 4-16 % more CPU per request (docs/performance.md, *The
 * benchmark's own GC profiler*).
 */
let meter: { profiler: GCProfiler; usedAtStart: number } | null = null;

export function startAllocationMeter(): void {
  if (meter) throw new Error('the allocation meter is already running');
  const profiler = new GCProfiler();
  profiler.start();
  meter = { profiler, usedAtStart: getHeapStatistics().used_heap_size };
}

export function stopAllocationMeter(): number {
  if (!meter) throw new Error('the allocation meter is not running');
  const { profiler, usedAtStart } = meter;
  meter = null;
  // Read before stopping: stopping parses the profiler's record, which allocates.
  const usedAtStop = getHeapStatistics().used_heap_size;
  const collections = profiler.stop()?.statistics ?? [];
  let allocated = 0;
  let lastUsed = usedAtStart;
  for (const collection of collections) {
    allocated += Math.max(0, collection.beforeGC.heapStatistics.usedHeapSize - lastUsed);
    lastUsed = collection.afterGC.heapStatistics.usedHeapSize;
  }
  return allocated + Math.max(0, usedAtStop - lastUsed);
}

/**
 * One thread's name and CPU time (user + system, ms) from its `/proc/<pid>/task/<tid>/stat` line.
 * The name sits between the first `(` and the last `)` (it may hold either, or spaces); the times
 * are fields 14 and 15, in clock ticks of 1/100 s (Linux's `USER_HZ`, 100 on every architecture
 * Node supports).
 */
export function threadCpu(stat: string): { name: string; cpuMs: number } {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${stat.slice(0, 80)}`);
  const fields = stat.slice(close + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`no CPU times in: ${stat.slice(0, 80)}`);
  return { name: stat.slice(open + 1, close), cpuMs: (utime + stime) * 10 };
}

/**
 * CPU time (ms) this process's V8 worker threads have used so far: V8's platform threads, named
 * `V8Worker`, which run concurrent and parallel garbage collection (marking the old generation,
 * helping scavenges, sweeping) and background compilation. It is part of `process.cpuUsage()`;
 * the report shows it apart because it is where a smaller heap costs CPU. Linux only (`/proc`):
 * null where there is no such thread to read. Resolution 10 ms, ample over a run of seconds.
 */
export function v8WorkerCpuMs(): number | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  let total = 0;
  let found = false;
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended since the directory was read
    }
    const thread = threadCpu(stat);
    if (thread.name !== 'V8Worker') continue;
    found = true;
    total += thread.cpuMs;
  }
  return found ? total : null;
}

/**
 * Bytes of this process's RSS mapped from files (`RssFile` in `/proc/self/status`): the pages of
 * the Node executable and the shared libraries it has touched, most of them during start-up. Null
 * where there is no `/proc`. The report shows it beside the total, because it is about the same
 * for every contender (the same executable) and no heap option changes it.
 */
export function fileBackedRss(): number | null {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return null;
  }
  const kB = /^RssFile:\s+(\d+) kB$/m.exec(status)?.[1];
  return kB === undefined ? null : Number(kB) * 1024;
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
      const workerCpuMs = v8WorkerCpuMs();
      const rssFile = fileBackedRss();
      send({
        type: 'stats',
        id: message.id,
        cpu: process.cpuUsage(),
        memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
        gc: gcTotals(),
        ...(workerCpuMs === null ? {} : { v8WorkerCpuMs: workerCpuMs }),
        ...(rssFile === null ? {} : { rssFile }),
      });
    } else if (message.cmd === 'allocation') {
      try {
        if (message.action === 'start') {
          startAllocationMeter();
          send({ type: 'allocation', id: message.id });
        } else {
          send({ type: 'allocation', id: message.id, bytes: stopAllocationMeter() });
        }
      } catch (error) {
        send({ type: 'allocation', id: message.id, error: error instanceof Error ? error.message : String(error) });
      }
    } else if (message.cmd === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', url: started.url, startupMs: Math.round(performance.now()) });
}
