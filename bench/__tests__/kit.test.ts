import { describe, expect, it } from 'vitest';
import { gcTotals } from '../targets/kit.ts';

const allocatedBytes = () => gcTotals().allocatedBytes;

describe('gcTotals', () => {
  it('counts what was allocated on the heap, across collections, and only that', () => {
    const before = allocatedBytes();
    // 4,000 arrays of 1,000 doubles: 8 KB each, about 32 MB in all, enough for several scavenges.
    let kept = 0;
    for (let i = 0; i < 4000; i++) kept += new Array<number>(1000).fill(i + 0.5).length;
    const counted = allocatedBytes() - before;
    expect(kept).toBe(4_000_000);
    expect(counted).toBeGreaterThanOrEqual(32_000_000);
    expect(counted).toBeLessThan(48_000_000);
  });

  it('never goes down', () => {
    const first = allocatedBytes();
    expect(allocatedBytes()).toBeGreaterThanOrEqual(first);
  });

  it('counts the collections and their pauses', () => {
    const before = gcTotals();
    for (let i = 0; i < 4000; i++) new Array<number>(1000).fill(i + 0.5);
    const after = gcTotals();
    expect(after.count).toBeGreaterThan(before.count);
    expect(after.pauseMs).toBeGreaterThan(before.pauseMs);
  });
});
