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
    const cursorAt = codec.page(scope, token, 99);
    expect(codec.decode(cursorAt(99), scope)).toEqual({ token, skip: 99 });
  });

  it('refuse text longer than the longest cursor before checking it', () => {
    const genuine = codec.encode(scope, { token: 'next', skip: 1 });
    const [page, skip, tag] = genuine.split('.') as [string, string, string];
    const long = `${page}${'A'.repeat(MAX_CURSOR_LENGTH)}.${skip}.${tag}`;
    expect(() => codec.decode(long, scope)).toThrow(/not a cursor/);
  });
});
