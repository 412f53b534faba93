import { describe, expect, it } from 'vitest';
import { dateTime } from '../deserialize.ts';

describe('dateTime (restJson1 date-time members)', () => {
  it('reads RFC 3339 with or without an offset', () => {
    expect(dateTime('2026-11-22T05:31:56Z')?.toISOString()).toBe('2026-11-22T05:31:56.000Z');
    expect(dateTime('2026-11-22T07:31:56.5+02:00')?.toISOString()).toBe('2026-11-22T05:31:56.500Z');
  });

  it('refuses what is not one, or a day the month does not have, instead of rolling it over', () => {
    for (const bad of ['2026-02-30T00:00:00Z', '2026-04-31T10:00:00Z', '2026-01-01T24:00:00Z', 'soon', 1_700_000_000]) {
      expect(dateTime(bad)).toBeUndefined();
    }
  });
});
