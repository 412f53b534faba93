import { describe, expect, it } from 'vitest';
import { HotOperations } from '../hotPath.ts';

describe('HotOperations', () => {
  it('finds an operation by query text and operation name, and nothing else', () => {
    const hot = new HotOperations<string>(10);
    hot.set('query A { a } query B { b }', 'A', 'a');
    hot.set('query A { a } query B { b }', 'B', 'b');
    hot.set('{ c }', '', 'c');
    expect(hot.get('query A { a } query B { b }', 'A')).toBe('a');
    expect(hot.get('query A { a } query B { b }', 'B')).toBe('b');
    expect(hot.get('query A { a } query B { b }', '')).toBeUndefined();
    expect(hot.get('{ c }', '')).toBe('c');
    expect(hot.get('{ c }', 'C')).toBeUndefined();
    expect(hot.get('{ c } ', '')).toBeUndefined();
    expect(hot.size).toBe(3);
  });

  it('replaces an operation set again without growing', () => {
    const hot = new HotOperations<string>(2);
    hot.set('{ a }', '', 'first');
    hot.set('{ a }', '', 'second');
    expect(hot.size).toBe(1);
    expect(hot.get('{ a }', '')).toBe('second');
  });

  it('drops the least recently used operation beyond its capacity', () => {
    const hot = new HotOperations<string>(3);
    hot.set('{ a }', '', 'a');
    hot.set('{ b }', '', 'b');
    hot.set('query X { x } query Y { y }', 'X', 'x');
    // `{ a }` used again: `{ b }` is now the least recently used.
    expect(hot.get('{ a }', '')).toBe('a');
    hot.set('query X { x } query Y { y }', 'Y', 'y');
    expect(hot.size).toBe(3);
    expect(hot.get('{ b }', '')).toBeUndefined();
    expect(hot.get('{ a }', '')).toBe('a');

    // Setting an operation again counts as a use: X is refreshed, so Y is now the oldest.
    hot.set('query X { x } query Y { y }', 'X', 'x2');
    hot.set('{ c }', '', 'c');
    expect(hot.size).toBe(3);
    expect(hot.get('query X { x } query Y { y }', 'Y')).toBeUndefined();
    expect(hot.get('query X { x } query Y { y }', 'X')).toBe('x2');
    expect(hot.get('{ a }', '')).toBe('a');
    expect(hot.get('{ c }', '')).toBe('c');
  });

  it('holds at most its budget of query text, counting a text once for all its operations', () => {
    const hot = new HotOperations<string>(100, 30);
    hot.set(`{ a }${' '.repeat(5)}`, '', 'a'); // 10 characters
    hot.set(`query P { p } query Q { q }`, 'P', 'p'); // 27: over 30 in all
    expect(hot.get(`{ a }${' '.repeat(5)}`, '')).toBeUndefined();
    expect(hot.characters).toBe(27);
    hot.set(`query P { p } query Q { q }`, 'Q', 'q'); // the same text: no more characters
    expect(hot.characters).toBe(27);
    expect(hot.size).toBe(2);
    // A text longer than the whole budget is not kept, and evicts nothing else for nothing.
    hot.set('#'.repeat(31), '', 'long');
    expect(hot.get('#'.repeat(31), '')).toBeUndefined();
    expect(hot.get(`query P { p } query Q { q }`, 'Q')).toBe('q');
    expect(hot.characters).toBe(27);
  });

  it("counts each entry's weight (what its compiled code retains) with the texts, and gives it back on eviction", () => {
    const hot = new HotOperations<string>(100, 100);
    hot.set('{ a }', '', 'a', 40); // 5 + 40
    hot.set('{ b }', '', 'b', 40); // 45 more: 90
    expect(hot.characters).toBe(90);
    hot.set('{ c }', '', 'c', 40); // 135 > 100: the oldest, with its weight, goes
    expect(hot.get('{ a }', '')).toBeUndefined();
    expect(hot.characters).toBe(90);
    hot.set('{ b }', '', 'b', 10); // set again, lighter
    expect(hot.characters).toBe(60);
    // Text and weight over the whole budget: not kept, nothing evicted for it.
    hot.set('{ d }', '', 'd', 96);
    expect(hot.get('{ d }', '')).toBeUndefined();
    expect([hot.get('{ b }', ''), hot.get('{ c }', '')]).toEqual(['b', 'c']);
  });
});
