import { describe, expect, it } from 'vitest';
import { williamsOrder } from '../load.ts';

describe('williamsOrder', () => {
  it('puts every contender first once, and after every other exactly once, over four rows of four', () => {
    const targets = ['subgraph', 'subgraph-n1', 'apollo-stock', 'mercurius-jit'];
    const rows = [0, 1, 2, 3].map((row) => williamsOrder(targets, row));
    for (const row of rows) expect([...row].sort()).toEqual([...targets].sort());
    expect(rows.map((row) => row[0]).sort()).toEqual([...targets].sort());
    const follows = rows.flatMap((row) => row.slice(1).map((target, i) => `${row[i]}→${target}`));
    expect(new Set(follows).size).toBe(12); // every ordered pair, each once
    expect(follows).toHaveLength(12);
  });

  it('alternates two contenders, and keeps one as it is', () => {
    expect([0, 1, 2].map((row) => williamsOrder(['a', 'b'], row))).toEqual([
      ['a', 'b'],
      ['b', 'a'],
      ['a', 'b'],
    ]);
    expect(williamsOrder(['a'], 5)).toEqual(['a']);
  });
});
