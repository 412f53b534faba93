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
