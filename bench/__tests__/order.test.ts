import { describe, expect, it } from 'vitest';
import { cellOrder, williamsOrder } from '../load.ts';

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

describe('cellOrder', () => {
  const targets = ['subgraph', 'subgraph-n1', 'apollo-stock', 'mercurius-jit'];

  it("balances each query's own rounds, with twelve queries and four contenders", () => {
    for (let query = 0; query < 12; query += 1) {
      const rounds = [1, 2, 3, 4].map((round) => cellOrder(targets, round, query));
      expect(rounds.map((order) => order[0]).sort()).toEqual([...targets].sort());
      const follows = rounds.flatMap((order) => order.slice(1).map((target, i) => `${order[i]}→${target}`));
      expect(new Set(follows).size).toBe(12);
    }
  });

  it('alternates two contenders from round to round, whatever the number of queries', () => {
    for (let query = 0; query < 12; query += 1) {
      const [first, second, third] = [1, 2, 3].map((round) => cellOrder(['a', 'b'], round, query));
      expect(second).toEqual([...first!].reverse());
      expect(third).toEqual(first);
    }
  });

  it('still varies the order from query to query within a round', () => {
    const firsts = [0, 1, 2, 3].map((query) => cellOrder(targets, 1, query)[0]);
    expect(new Set(firsts).size).toBe(4);
  });
});
