/** Member pickers for restJson1 outputs: keep declared members only, as the SDK's `take()` does. */
import { normalizeDateTime } from '../../dateTime.ts';

export function pick<K extends string>(source: unknown, members: readonly K[]): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  if (source === null || typeof source !== 'object') return out;
  for (const member of members) {
    const value = (source as Record<string, unknown>)[member];
    if (value !== undefined && value !== null) out[member] = value;
  }
  return out;
}

export function list(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * RFC 3339 date-time (with or without offset) → Date, as `parseRfc3339DateTimeWithOffset`, which
 * also refuses a day the month does not have; invalid → undefined.
 */
export function dateTime(value: unknown): Date | undefined {
  const normalized = typeof value === 'string' ? normalizeDateTime(value) : null;
  return normalized === null ? undefined : new Date(normalized);
}
