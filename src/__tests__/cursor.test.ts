import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCursorCodec, cursorScope, MAX_CURSOR_LENGTH } from '../cursor.ts';

describe('cursors', () => {
  const codec = createCursorCodec(randomBytes(32));
  const scope = cursorScope('connectorDestinations', null);

  it('carry the longest page token AWS sends (65,535 characters), on every edge of its page', () => {
    const token = `${'Ab0_-'.repeat(13_106)}=====`;
    expect(token).toHaveLength(65_535);
    const single = codec.encode(scope, { token, skip: 7 });
    expect(single.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(codec.decode(single, scope)).toEqual({ token, skip: 7 });
    const cursorAt = codec.page(scope, token, 99, 1_000);
    expect(cursorAt(99).length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(codec.decode(cursorAt(99), scope)).toEqual({ token, skip: 99, pageSize: 1_000 });
  });

  it('carry the page size a position was read with, and refuse one outside 1..1000', () => {
    const inside = codec.encode(scope, { token: 'next', skip: 3, pageSize: 25 });
    expect(codec.decode(inside, scope)).toEqual({ token: 'next', skip: 3, pageSize: 25 });
    // The start of a page not read yet has none.
    expect(codec.decode(codec.encode(scope, { token: 'next', skip: 0 }), scope)).toEqual({ token: 'next', skip: 0 });
    for (const pageSize of [0, 1_001, 2.5]) {
      expect(() => codec.encode(scope, { token: null, skip: 0, pageSize })).toThrow(RangeError);
      expect(() => codec.page(scope, null, 3, pageSize)).toThrow(RangeError);
    }
  });

  it('refuse text longer than the longest cursor before checking it', () => {
    const genuine = codec.encode(scope, { token: 'next', skip: 1 });
    const [page, skip, tag] = genuine.split('.') as [string, string, string];
    const long = `${page}${'A'.repeat(MAX_CURSOR_LENGTH)}.${skip}.${tag}`;
    expect(() => codec.decode(long, scope)).toThrow(/not a cursor/);
  });
});
