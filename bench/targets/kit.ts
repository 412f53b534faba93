/**
 * The part every contender process shares: report readiness to `bench/run.ts`, answer its
 * resource questions, stop when told (or when the parent goes away).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { ParentCommand, TargetMessage } from '../protocol.ts';

/** Garbage-collection pauses of this process, as Node's `gc` performance entries report them. */
const gc = { count: 0, pauseMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count += 1;
    gc.pauseMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

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
      });
    } else if (message.cmd === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', url: started.url, startupMs: Math.round(performance.now()) });
}
