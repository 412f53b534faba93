/** Reading HTTP headers as Node and undici give them (lower-case names; a repeated header is an array). */

/**
 * One header as a string: the first value of a repeated one (a proxy can add a second
 * `Retry-After` or request id), undefined when absent.
 */
export function headerOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A `Retry-After` value (delay seconds or an HTTP date) as milliseconds from `now`; undefined if absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d{1,6}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
