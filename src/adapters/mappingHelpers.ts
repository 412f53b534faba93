/**
 * Small, strict helpers for mapping upstream payloads into port models. Mappers copy only the
 * fields they name (never spread a payload), so fields the schema must not carry, such as a
 * ConductorOne `clientSecret`, cannot slip through.
 */

import { formatDateTime, normalizeDateTime } from '../dateTime.ts';
import type { FieldFailure } from './types.ts';

/** An upstream answered with data that breaks its own contract (a required member missing, an unknown enum). */
export class UpstreamDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamDataError';
  }
}

/** Turns a member that cannot be mapped into its field's failure (the adapter translates and logs it). */
export type Unusable = (error: UpstreamDataError) => FieldFailure;

/** `map()`, or the failure of the one field it feeds when the upstream's data breaks its contract. */
export function settle<T>(map: () => T, unusable: Unusable): T | FieldFailure {
  try {
    return map();
  } catch (error) {
    if (error instanceof UpstreamDataError) return unusable(error);
    throw error;
  }
}

/** A string, or null when absent. AWS strings are kept as sent, empty ones included. */
export function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function requiredString(value: unknown, what: string): string {
  if (typeof value === 'string' && value !== '') return value;
  throw new UpstreamDataError(`${what} is missing`);
}

export function optionalBoolean(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** GraphQL's `Int` is a signed 32-bit integer. */
const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);

/**
 * A whole number within GraphQL's `Int`, or null. The compiled executor returns leaves as they are
 * (src/execution/jitGateway.ts), so an out-of-range value must not get this far.
 */
export function optionalInteger(value: unknown): number | null {
  // protobuf JSON and some AWS members carry 64-bit integers as strings
  const number = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= INT_MIN && number <= INT_MAX
    ? number
    : null;
}

/** Maps a wire enum value; unknown or absent values give null (for nullable schema fields). */
export function optionalEnum<W extends string, M extends string>(
  table: Readonly<Record<W, M>>,
  value: unknown,
): M | null {
  return typeof value === 'string' && Object.hasOwn(table, value) ? table[value as W] : null;
}

/** Maps a wire enum value that the schema declares non-null; anything else is an upstream contract break. */
export function requiredEnum<W extends string, M extends string>(
  table: Readonly<Record<W, M>>,
  value: unknown,
  what: string,
): M {
  const mapped = optionalEnum(table, value);
  if (mapped === null) throw new UpstreamDataError(`${what} has an unrecognised value`);
  return mapped;
}

/**
 * Normalises an upstream timestamp to the schema's DateTime: RFC 3339 in UTC, with milliseconds
 * only when they are not zero. Accepts a Date, an RFC 3339 string with any offset, or epoch
 * seconds. Absent values give null; unparseable ones (a 30 February included) are an upstream
 * contract break.
 */
export function optionalDateTime(value: unknown, what: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  let date: Date;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number') date = new Date(value * 1000);
  else if (typeof value === 'string') {
    const normalized = normalizeDateTime(value);
    if (normalized === null) throw new UpstreamDataError(`${what} is not a timestamp`);
    return normalized;
  } else throw new UpstreamDataError(`${what} is not a timestamp`);
  if (Number.isNaN(date.getTime())) throw new UpstreamDataError(`${what} is not a timestamp`);
  return formatDateTime(date);
}

export function requiredDateTime(value: unknown, what: string): string {
  const result = optionalDateTime(value, what);
  if (result === null) throw new UpstreamDataError(`${what} is missing`);
  return result;
}
