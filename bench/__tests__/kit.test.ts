import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gcTotals, startAllocationMeter, stopAllocationMeter, threadCpu, v8WorkerCpuMs } from '../targets/kit.ts';

/** 4,000 arrays of 1,000 doubles: 8 KB each, about 32 MB in all, enough for several scavenges. */
function allocate32MB(): number {
  let kept = 0;
  for (let i = 0; i < 4000; i++) kept += new Array<number>(1000).fill(i + 0.5).length;
  return kept;
}

/** Node hands each collection's entry to JavaScript in a later turn of the event loop. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('allocation meter', () => {
  it('counts what was allocated on the heap between start and stop, across collections, and only that', () => {
    startAllocationMeter();
    const kept = allocate32MB();
    const counted = stopAllocationMeter();
    expect(kept).toBe(4_000_000);
    expect(counted).toBeGreaterThanOrEqual(32_000_000);
    expect(counted).toBeLessThan(48_000_000);
  });

  it('starts again after a stop, from zero', () => {
    startAllocationMeter();
    allocate32MB();
    stopAllocationMeter();
    startAllocationMeter();
    expect(stopAllocationMeter()).toBeLessThan(1_000_000);
  });

  it('refuses a second start and a stop without a start', () => {
    startAllocationMeter();
    expect(() => startAllocationMeter()).toThrow(/already running/);
    stopAllocationMeter();
    expect(() => stopAllocationMeter()).toThrow(/not running/);
  });
});

describe('gcTotals', () => {
  it('counts the collections and their pauses', async () => {
    await nextTurn();
    const before = gcTotals();
    allocate32MB();
    await nextTurn();
    const after = gcTotals();
    expect(after.count).toBeGreaterThanOrEqual(before.count + 2);
    expect(after.pauseMs).toBeGreaterThan(before.pauseMs);
  });

  it('never goes down', () => {
    const first = gcTotals();
    const second = gcTotals();
    expect(second.count).toBeGreaterThanOrEqual(first.count);
    expect(second.pauseMs).toBeGreaterThanOrEqual(first.pauseMs);
  });
});

describe('threadCpu', () => {
  // A V8 worker thread's line, as Linux writes it: fields 14 and 15 are user and system ticks.
  const line = (name: string, utime: number, stime: number) =>
    `4242 (${name}) S 1 4242 4242 0 -1 4194368 3107 0 0 0 ${utime} ${stime} 0 0 20 0 7 0 1234 0 0\n`;

  it('reads the name and user + system CPU in ms (ticks of 1/100 s)', () => {
    expect(threadCpu(line('V8Worker', 123, 45))).toEqual({ name: 'V8Worker', cpuMs: 1680 });
  });

  it('takes the name up to the last parenthesis, so names with spaces or parentheses parse', () => {
    expect(threadCpu(line('a (b) c', 1, 2))).toEqual({ name: 'a (b) c', cpuMs: 30 });
  });

  it('refuses a line without a name or times', () => {
    expect(() => threadCpu('garbage')).toThrow(/not a \/proc stat line/);
    expect(() => threadCpu('1 (x) S 1 2')).toThrow(/no CPU times/);
  });

  it("agrees with the kernel's own line for this thread", () => {
    const main = threadCpu(readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8'));
    expect(main.cpuMs).toBeGreaterThanOrEqual(0);
    expect(main.cpuMs).toBeLessThanOrEqual((process.cpuUsage().user + process.cpuUsage().system) / 1000 + 10);
  });
});

describe('v8WorkerCpuMs', () => {
  it("sums V8's worker threads: part of the process's CPU, and never going down", () => {
    const first = v8WorkerCpuMs();
    // Node 24 names V8's platform threads V8Worker; this test runs on Linux, as the benchmark does.
    expect(first).not.toBeNull();
    // Old-generation garbage, so that V8's workers mark and sweep.
    const kept: number[][] = [];
    for (let i = 0; i < 20_000; i++) kept.push(new Array<number>(100).fill(i));
    kept.length = 0;
    const second = v8WorkerCpuMs()!;
    expect(second).toBeGreaterThanOrEqual(first!);
    // Not the main thread's time: with it, the sum would pass the process's total less the main
    // thread's (both read from the kernel in ticks of 10 ms; the slack is one tick each).
    const main = threadCpu(readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')).cpuMs;
    const usage = process.cpuUsage();
    expect(main).toBeGreaterThan(0);
    expect(second).toBeLessThanOrEqual((usage.user + usage.system) / 1000 - main + 20);
  });
});
