import { GraphQLError, Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DateTime } from '../DateTime.ts';

describe('DateTime scalar', () => {
  it('serializes the canonical form as it is, and other RFC 3339 forms and Dates in UTC', () => {
    expect(DateTime.serialize('2026-11-22T05:31:56Z')).toBe('2026-11-22T05:31:56Z');
    expect(DateTime.serialize('2026-11-22T05:31:56.120Z')).toBe('2026-11-22T05:31:56.120Z');
    expect(DateTime.serialize('2026-11-22T05:31:56.000Z')).toBe('2026-11-22T05:31:56Z');
    expect(DateTime.serialize('2026-11-22t07:31:56+02:00')).toBe('2026-11-22T05:31:56Z');
    expect(DateTime.serialize(new Date(Date.UTC(2026, 10, 22, 5, 31, 56, 7)))).toBe('2026-11-22T05:31:56.007Z');
    expect(DateTime.parseValue('2026-11-22T07:31:56+02:00')).toBe('2026-11-22T05:31:56Z');
    expect(DateTime.parseLiteral({ kind: Kind.STRING, value: '2026-11-22T05:31:56Z' })).toBe('2026-11-22T05:31:56Z');
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2026-11-22 05:31:56Z',
    '2026-11-22',
    'yesterday',
    1_700_000_000,
    null,
    new Date(NaN),
  ])('refuses %j', (value) => {
    expect(() => DateTime.serialize(value)).toThrow(GraphQLError);
    expect(() => DateTime.parseValue(value)).toThrow(GraphQLError);
  });
});
