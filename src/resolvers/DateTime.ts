import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { formatDateTime } from '../adapters/mappingHelpers.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function normalize(value: unknown): string {
  const date =
    value instanceof Date ? value : typeof value === 'string' && RFC3339.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an RFC 3339 date-time, e.g. 2026-11-22T05:31:56Z.');
  }
  return formatDateTime(date);
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
