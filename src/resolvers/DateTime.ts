import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { formatDateTime, normalizeDateTime } from '../dateTime.ts';

/**
 * A Date, or an RFC 3339 date-time with `T` between date and time, as the schema's canonical UTC
 * form. What the adapters produce is canonical already and passes through without a `Date`.
 */
function normalize(value: unknown): string {
  let normalized: string | null = null;
  if (value instanceof Date) normalized = Number.isNaN(value.getTime()) ? null : formatDateTime(value);
  // RFC 3339 proper: `T` or `t` between date and time (the adapters also take a space from upstreams).
  else if (typeof value === 'string' && (value[10] === 'T' || value[10] === 't')) normalized = normalizeDateTime(value);
  if (normalized === null) {
    throw new GraphQLError('DateTime must be an RFC 3339 date-time, e.g. 2026-11-22T05:31:56Z.');
  }
  return normalized;
}

/** RFC 3339 date-time, always serialized in UTC. */
export const DateTime = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'RFC 3339 date-time in UTC, e.g. 2026-11-22T05:31:56Z.',
  serialize: normalize,
  parseValue: normalize,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string.', { nodes: ast });
    return normalize(ast.value);
  },
});
