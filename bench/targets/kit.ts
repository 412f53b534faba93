/**
 * The part every contender process shares: report readiness to `bench/run.ts`, answer its
 * resource questions, stop when told (or when the parent goes away).
 */
import { readdirSync, readFileSync } from 'node:fs';
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
      const workerCpuMs = v8WorkerCpuMs();
      send({
        type: 'stats',
        id: message.id,
        cpu: process.cpuUsage(),
        memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
        gc: { count, pauseMs },
        allocatedBytes,
        ...(workerCpuMs === null ? {} : { v8WorkerCpuMs: workerCpuMs }),
      });
    } else if (message.cmd === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', url: started.url, startupMs: Math.round(performance.now()) });
}
