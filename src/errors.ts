/**
 * The one registry of `extensions.code` values this subgraph returns.
 *
 * Every error a client can see is made here, so the set of codes is closed and documented in one
 * place. Adapters translate their upstream's failures into these codes in exactly one function
 * each; resolvers never invent codes. Anything that is not a registry error is masked by
 * the error formatter in apollo.ts.
 */
import { GraphQLError } from 'graphql';

/** The upstream an error came from, carried as `extensions.upstream`. */
export type UpstreamName = 'iotManagedIntegrations' | 'appFabric' | 'conductorOne';

export interface UpstreamErrorExtension {
  /** Which upstream API failed. */
  name: UpstreamName;
  /** The upstream operation, e.g. `GetAppAuthorization`. */
  operation: string;
  /** The upstream HTTP status, when there was a response. */
  status?: number;
}

export interface ErrorOptions {
  upstream?: UpstreamErrorExtension;
  /** Kept on the GraphQLError for logs; never serialized to clients. */
  cause?: unknown;
  /** Input path for BAD_USER_INPUT, e.g. `['input', 'authRequest', 'code']`. */
  argumentPath?: readonly string[];
}

export interface ErrorCodeDefinition<C extends string = string> {
  code: C;
  description: string;
  /** Whether the failure is about an upstream (and so carries `extensions.upstream`). */
  upstream: boolean;
  err(message?: string, options?: ErrorOptions): GraphQLError;
}

function makeCodeDefinition<C extends string>(
  code: C,
  description: string,
  defaultMessage: string,
  {
    upstream = false,
    stackless = false,
  }: {
    /** The failure is about an upstream (its errors carry `extensions.upstream`). */
    upstream?: boolean;
    /** Made without a stack trace: one per upstream call of a request, and its stack says nothing. */
    stackless?: boolean;
  } = {},
): ErrorCodeDefinition<C> {
  const make = (message: string, options: ErrorOptions) => {
    const extensions: Record<string, unknown> = { code };
    if (options.upstream) extensions['upstream'] = { ...options.upstream };
    if (options.argumentPath) extensions['argumentPath'] = [...options.argumentPath];
    return new GraphQLError(message, {
      extensions,
      ...(options.cause instanceof Error ? { originalError: options.cause } : {}),
    });
  };
  return {
    code,
    description,
    upstream,
    err(message = defaultMessage, options = {}) {
      if (!stackless) return make(message, options);
      // graphql-jit copies each item's error's stack, which formats it: for a batch cut short,
      // that was a formatted stack per item, for errors no one reads.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        return make(message, options);
      } finally {
        Error.stackTraceLimit = limit;
      }
    },
  };
}

export const ERRORS = {
  BAD_REQUEST: makeCodeDefinition(
    'BAD_REQUEST',
    "The HTTP request is not one this subgraph takes: a method other than GET or POST, or a mutation sent with GET (405), an Accept header that takes neither JSON type (406), a body over MAX_REQUEST_BODY_BYTES (413), a Content-Encoding other than gzip, deflate or br (415), a body that is not JSON, does not decompress or has no query, an operationName over 1024 characters, a batch, or a request Apollo's CSRF prevention blocks (400). Nothing was executed.",
    'Bad request.',
  ),
  BAD_USER_INPUT: makeCodeDefinition(
    'BAD_USER_INPUT',
    'An argument is malformed (an identifier, a page size or a cursor), and nothing was sent upstream; or the upstream refused the request as invalid (an expired continuation token).',
    'Invalid argument.',
  ),
  UNAUTHENTICATED: makeCodeDefinition(
    'UNAUTHENTICATED',
    'The caller presented no valid credentials.',
    'Authentication required.',
  ),
  FORBIDDEN: makeCodeDefinition(
    'FORBIDDEN',
    "The caller's token lacks the scopes this field requires.",
    'Not allowed.',
  ),
  UPSTREAM_ACCESS_DENIED: makeCodeDefinition(
    'UPSTREAM_ACCESS_DENIED',
    "The upstream refused this subgraph's own credentials (HTTP 401/403), or, for AWS, STS refused its identity when asked for credentials (nothing was sent).",
    'The upstream service denied access.',
    { upstream: true },
  ),
  UPSTREAM_THROTTLED: makeCodeDefinition(
    'UPSTREAM_THROTTLED',
    'The upstream kept throttling after the allowed retries (HTTP 429). Retrying later may succeed.',
    'The upstream service is throttling requests.',
    { upstream: true },
  ),
  UPSTREAM_TIMEOUT: makeCodeDefinition(
    'UPSTREAM_TIMEOUT',
    'The upstream did not answer within the deadline.',
    'The upstream service did not answer in time.',
    { upstream: true },
  ),
  UPSTREAM_UNAVAILABLE: makeCodeDefinition(
    'UPSTREAM_UNAVAILABLE',
    "The upstream failed (5xx, a transport error or an open circuit), refused the request with a 4xx that has no code of its own, or answered with something unusable; or too many calls to it were already waiting here; or, for AWS, the credentials' source did not answer (nothing was sent).",
    'The upstream service is unavailable.',
    { upstream: true },
  ),
  UPSTREAM_NOT_CONFIGURED: makeCodeDefinition(
    'UPSTREAM_NOT_CONFIGURED',
    'This deployment has no configuration for the upstream the field needs; for AWS, also no credentials found by the default chain (nothing was sent).',
    'The upstream service is not configured.',
    { upstream: true },
  ),
  REQUEST_LIMIT_EXCEEDED: makeCodeDefinition(
    'REQUEST_LIMIT_EXCEEDED',
    'The operation exceeded a limit of this subgraph (size, depth, aliases, directives, tokens or cost, HTTP 400 before anything runs; or upstream calls per operation, where extensions.upstream names the call that would have passed it).',
    'The request exceeded a limit.',
  ),
  REQUEST_CANCELLED: makeCodeDefinition(
    'REQUEST_CANCELLED',
    'The client closed the connection before the response was written, and the calls still pending upstream were stopped. No client receives it: it shows in logs and metrics.',
    'The request was cancelled by its client.',
    { stackless: true },
  ),
  AUTHENTICATION_UNAVAILABLE: makeCodeDefinition(
    'AUTHENTICATION_UNAVAILABLE',
    "The caller's token could not be checked: the key set (AUTH_JWKS_URL) could not be read, or not before the request's deadline (HTTP 503 with Retry-After). Retrying later may succeed.",
    'Caller authentication is unavailable; retry later.',
  ),
  OVERLOADED: makeCodeDefinition(
    'OVERLOADED',
    'The subgraph was saturated: the request waited for its turn to execute until its deadline passed, or arrived when the waiting list was full (HTTP 503 with Retry-After). Nothing was executed or sent upstream, so retrying later is safe.',
    'The subgraph is overloaded; retry later.',
  ),
  INTERNAL_SERVER_ERROR: makeCodeDefinition(
    'INTERNAL_SERVER_ERROR',
    'An unexpected failure. Details are in the logs, never in the response.',
    'Internal server error.',
  ),
} as const;

export type ErrorCode = keyof typeof ERRORS;

/**
 * Apollo Server's own request errors, which reach clients as Apollo makes them (their messages
 * without the values they quote, src/apollo.ts): the request failed before execution, with HTTP 400
 * (PERSISTED_QUERY_NOT_SUPPORTED with 200, as Apollo answers every persisted-query error).
 * Apollo also answers BAD_REQUEST and BAD_USER_INPUT, which the registry has. With the registry,
 * this is every code a client can receive.
 */
export const APOLLO_REQUEST_ERRORS = {
  GRAPHQL_PARSE_FAILED: 'The query is not valid GraphQL.',
  GRAPHQL_VALIDATION_FAILED: 'The query does not validate against the schema.',
  OPERATION_RESOLUTION_FAILURE:
    'The request names an operation the document does not have, or names none for a document of several.',
  // Automatic persisted queries are off (src/apollo.ts), so Apollo never answers PERSISTED_QUERY_NOT_FOUND.
  PERSISTED_QUERY_NOT_SUPPORTED: 'The request sent a persisted-query hash: this subgraph takes the query text only.',
} as const;

const requestErrorCodes: ReadonlySet<string> = new Set([
  ERRORS.BAD_REQUEST.code,
  ERRORS.BAD_USER_INPUT.code,
  ...Object.keys(APOLLO_REQUEST_ERRORS),
]);

/** Whether a code is one of a request error's (made before execution, by Apollo or the HTTP layer). */
export function isRequestErrorCode(code: unknown): boolean {
  return typeof code === 'string' && requestErrorCodes.has(code);
}

const registryCodes: ReadonlySet<string> = new Set(Object.keys(ERRORS));

/** True for GraphQLErrors made by this registry (safe to return as they are). */
export function isRegistryError(error: unknown): error is GraphQLError {
  return (
    error instanceof GraphQLError &&
    typeof error.extensions['code'] === 'string' &&
    registryCodes.has(error.extensions['code'])
  );
}

/**
 * graphql-js's refusal of an argument's value at execution (graphql-jit's compiled code throws the
 * same): a nullable variable with a default, sent as `null` into a non-null argument or input
 * field, passes validation (as the spec allows) and only fails here. A client's error, not a
 * fault: BAD_USER_INPUT.
 */
const ARGUMENT_ERROR =
  /^Argument "([_A-Za-z][_0-9A-Za-z]*)" (?:has invalid value .*|of non-null type "[^"]*" must not be null|of required type "[^"]*" was (?:not provided|provided the variable "\$[_A-Za-z][_0-9A-Za-z]*" which was not provided a runtime value))\.$/s;

/**
 * The client-facing message of an argument refused at execution, without the literal graphql-js
 * prints (`has invalid value {code: "…", …}`); null for any other error.
 */
export function argumentErrorMessage(error: unknown): string | null {
  // A registry error is never one of these, whatever its message says.
  if (!(error instanceof GraphQLError) || error.extensions['code'] !== undefined) return null;
  const match = ARGUMENT_ERROR.exec(error.message);
  if (!match) return null;
  return error.message.includes('" has invalid value ')
    ? `Argument "${match[1]}" has an invalid value.`
    : error.message;
}

/** A thrown or rejected value as an Error (an Error as it is; anything else by its string form). */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Shorthand for the most common input error. */
export function badUserInput(message: string, argumentPath?: readonly string[]): GraphQLError {
  return ERRORS.BAD_USER_INPUT.err(message, argumentPath ? { argumentPath } : {});
}
