/**
 * The redaction rules for text that reaches logs from outside (upstream error messages): the
 * shapes of the secrets this subgraph handles are cut out wherever they appear. Structured log
 * fields are redacted by path in logger.ts; this covers free text.
 */

const RULES: ReadonlyArray<[RegExp, string]> = [
  // ConductorOne client secrets
  [/secret-token:[^\s"'<>]+/gi, '[Redacted secret]'],
  // Authorization header values and bearer tokens
  [/\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [Redacted]'],
  // JWTs (three base64url parts)
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[Redacted jwt]'],
  // AWS access key ids and things that look like secret access keys
  [/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '[Redacted key id]'],
  [/(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g, '[Redacted]'],
  // OAuth codes, tokens and secrets in query strings, forms or JSON
  [
    /((?:code|token|access_token|refresh_token|client_secret|client_assertion|secret|password)["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi,
    '$1[Redacted]',
  ],
  // Long opaque strings (tokens): 32+ base64url characters
  [/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g, '[Redacted]'],
];

/**
 * Returns `text` with every secret-shaped part, and every value in `known` (secrets the caller
 * holds, such as the OAuth code it just sent), replaced; truncated to `max` characters.
 */
export function redactText(text: string, max = 300, known: readonly string[] = []): string {
  let out = withoutValues(text, known);
  out = out.length > max * 4 ? out.slice(0, max * 4) : out;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/** `text` with every value in `known` of 4 or more characters replaced, whole, by `[Redacted]`. */
export function withoutValues(text: string, known: readonly string[]): string {
  let out = text;
  for (const value of known) if (value.length >= 4 && out.includes(value)) out = out.split(value).join('[Redacted]');
  return out;
}
