/**
 * Apollo Server over the subgraph schema, with the defaults a subgraph needs: no CDN landing page,
 * no stack traces, no persisted-query cache, CSRF prevention, and errors masked to an allow-list.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { Context } from './context.ts';
import { createDocumentStore } from './execution/documentStore.ts';
import { createJitGateway, type JitExecutorOptions } from './execution/jitGateway.ts';
import { argumentErrorMessage, ERRORS, isRegistryError, isRequestErrorCode } from './errors.ts';
import type { Logger } from './logger.ts';
import type { RequestRecorder } from './requestRecorder.ts';
import {
  costLimitPlugin,
  limitParseOptions,
  limitValidationRules,
  type OperationLimits,
} from './security/operationLimits.ts';

/** Extension keys a client may see; everything else is dropped. */
const ALLOWED_EXTENSION_KEYS = ['code', 'upstream', 'argumentPath'] as const;

function pickExtensions(extensions: GraphQLFormattedError['extensions']): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of ALLOWED_EXTENSION_KEYS) {
    if (extensions?.[key] !== undefined) picked[key] = extensions[key];
  }
  return picked;
}

const VARIABLE_ERROR = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" got invalid value /s;
/** `at "input.authRequest.code"` or `at "ids[2]"`: the path graphql-js appends, names and indexes only. */
const VARIABLE_PATH = /^ at "[_A-Za-z][_0-9A-Za-z]*(?:\.[_A-Za-z][_0-9A-Za-z]*|\[\d+\])*"$/;
/** graphql-js's messages about an input's shape, which name types and fields but never a value. */
const SHAPE_MESSAGES = [
  /^Field "[_A-Za-z][_0-9A-Za-z]*" is not defined by type "[^"]*"\.( Did you mean [^:]*\?)?$/s,
  /^Field "[_A-Za-z][_0-9A-Za-z]*" of required type "[^"]*" was not provided\.$/,
  /^Expected type "[^"]*" to be an object\.$/,
  /^Expected non-nullable type "[^"]*" not to be null\.$/,
  /^Expected type "[^"]*"\.$/,
];
/** A syntax error that quotes the token it stopped at: graphql-js writes `<kind> "<text>"` last. */
const SYNTAX_ERROR_TOKEN =
  /^(Syntax Error: (?:Expected .*?, found|Unexpected) (?:String|BlockString|Name|Int|Float|Comment)) ".*"\.$/s;
/** A literal in the document printed back by validation: `Expected value of type "T", found {…}.` */
const LITERAL_ERROR = /^(Expected value of type "[^"]*"), found /s;
/**
 * A scalar's refusal of a literal, which validation reports as the scalar wrote it, the literal
 * printed after the colon: `String cannot represent a non string value: abc`,
 * `Enum "Status" cannot represent non-enum value: "x".`
 */
const SCALAR_LITERAL_ERROR =
  /^((?:String|Int|Float|Boolean|ID) cannot represent [^:]*|Enum "[_A-Za-z][_0-9A-Za-z]*" cannot represent non-enum value): /s;
/** An enum literal that is not one of its values: `Value "X" does not exist in "Status" enum.` */
const ENUM_LITERAL_ERROR = /^Value .* does not exist in "([_A-Za-z][_0-9A-Za-z]*)" enum\./s;

/**
 * A request error's message without the values it quotes. graphql-js puts a bad variable's whole
 * value in its message (`Variable "$input" got invalid value { …, authRequest: { code: "…" } }`),
 * and a scalar's message quotes the value it refused: a client's OAuth code would come back in
 * the response. What is kept: the variable, the path within it, and what was wrong, in words.
 */
export function withoutQuotedValues(message: string, inner: string | undefined): string {
  const variable = VARIABLE_ERROR.exec(message);
  if (variable) {
    let path = '';
    if (inner !== undefined && message.endsWith(`; ${inner}`)) {
      const prefix = message.slice(0, message.length - inner.length - 2);
      const at = prefix.lastIndexOf(' at "');
      if (at >= 0 && VARIABLE_PATH.test(prefix.slice(at))) path = prefix.slice(at);
    }
    return `Variable "$${variable[1]}" got invalid value${path}; ${describeProblem(inner)}`;
  }
  const literal = LITERAL_ERROR.exec(message);
  // A `null` quotes nothing a client sent but the null itself.
  if (literal) return message.slice(literal[0].length) === 'null.' ? message : `${literal[1]}, found an invalid value.`;
  const scalar = SCALAR_LITERAL_ERROR.exec(message);
  if (scalar) return `${scalar[1]}.`;
  const enumLiteral = ENUM_LITERAL_ERROR.exec(message);
  if (enumLiteral) return `The value does not exist in "${enumLiteral[1]}" enum.`;
  // `Syntax Error: Expected ":", found String "…".`: the token's kind, not its text, which can be a
  // value written into the query (an OAuth code whose colon was forgotten).
  const syntax = SYNTAX_ERROR_TOKEN.exec(message);
  if (syntax) return `${syntax[1]}.`;
  return message;
}

/** The inner problem of a variable error, in words: shape messages as they are, values cut off. */
function describeProblem(inner: string | undefined): string {
  if (inner === undefined) return 'the value is not valid for its type.';
  if (SHAPE_MESSAGES.some((shape) => shape.test(inner))) return inner;
  // `Value "…" does not exist in "Status" enum.`
  const enumValue = ENUM_LITERAL_ERROR.exec(inner);
  if (enumValue) return `the value does not exist in "${enumValue[1]}" enum.`;
  // `String cannot represent a non string value: 123`, `Int cannot represent non-integer value: …`
  const colon = inner.indexOf(': ');
  if (colon > 0) return `${inner.slice(0, colon)}.`;
  // A scalar's own message (DateTime's quotes no value).
  return /["'{}[\]]/.test(inner) ? 'the value is not valid for its type.' : inner;
}

/**
 * An operation of a type the schema has no root for (a subscription here) is a client error.
 * graphql-js 16's validation does not check it, and execution then fails with a message of no
 * code, which the formatter masks as INTERNAL_SERVER_ERROR (and logs as a server fault).
 */
export const OperationTypeSupportedRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation) === undefined) {
      context.reportError(new GraphQLError(`This subgraph has no ${node.operation} operations.`, { nodes: node }));
    }
  },
});

/**
 * `message` without graphql-js's suggestion at its end (` Did you mean "code"?`), from its first
 * occurrence. Linear: a regex here rescanned the rest of the message from every occurrence, and an
 * operation name of " Did you mean " repeated (quoted back by Apollo) made that quadratic.
 */
function withoutSuggestion(message: string): string {
  const at = message.indexOf(' Did you mean ');
  return at >= 0 && message.endsWith('?') ? message.slice(0, at) : message;
}

/**
 * The error formatter. Registry errors keep their message; Apollo's request errors (which have no
 * path) keep theirs, without the values they quote; an argument refused at execution is
 * BAD_USER_INPUT ({@link argumentErrorMessage}); anything else becomes a generic
 * INTERNAL_SERVER_ERROR. The original is logged by the plugin below. With `hideSchemaDetails` (in
 * production, as Apollo's `hideSchemaDetailsFromClientErrors`, which covers validation errors only)
 * a variable error's "Did you mean …?" is dropped too: it names fields of the schema.
 */
export function createFormatError(
  hideSchemaDetails: boolean,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => formatError(formatted, error, hideSchemaDetails);
}

function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  hideSchemaDetails: boolean,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = formatted.extensions?.['code'];
  const safe = isRegistryError(original) || (formatted.path === undefined && isRequestErrorCode(code));
  if (safe) {
    // Apollo's variable errors carry BAD_USER_INPUT too, so every safe message goes through this.
    const message = withoutQuotedValues(formatted.message, innerMessage(original));
    return {
      message: hideSchemaDetails ? withoutSuggestion(message) : message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: pickExtensions(formatted.extensions),
    };
  }
  const argument = formatted.path === undefined ? null : argumentErrorMessage(original);
  if (argument !== null) {
    return {
      message: argument,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      path: formatted.path!,
      extensions: { code: ERRORS.BAD_USER_INPUT.code },
    };
  }
  return {
    message: ERRORS.INTERNAL_SERVER_ERROR.err().message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ERRORS.INTERNAL_SERVER_ERROR.code },
  };
}

/** The message of the error a request error wraps (graphql-js keeps a scalar's own error there). */
function innerMessage(error: unknown): string | undefined {
  const inner = error instanceof Error ? (error as { originalError?: unknown }).originalError : undefined;
  return inner instanceof Error ? inner.message : undefined;
}

/** Hands every request to the recorder: span attributes, error logs, the log line, metrics. */
function recordingPlugin(recorder: RequestRecorder): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        async didResolveOperation({ operation, operationName }) {
          recorder.operationResolved(operation?.operation ?? null, operationName ?? null);
        },
        async didEncounterErrors({ errors, contextValue, operationName }) {
          recorder.errorsEncountered(errors, contextValue, operationName ?? null);
        },
        async willSendResponse({ contextValue, operation, operationName, response, errors }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          recorder.responded({
            context: contextValue,
            operationType: operation?.operation ?? null,
            operationName: operationName ?? null,
            startedAt,
            requestErrors: errors,
            responseErrors: body?.errors,
            hasData: body?.data !== undefined && body?.data !== null,
          });
        },
      };
    },
  };
}

export interface CreateApolloServerOptions {
  schema: GraphQLSchema;
  production: boolean;
  /**
   * Answer introspection queries: outside production, and in production when GRAPHIQL=true (the
   * page has no schema to explore without it). Default: not in production.
   */
  introspection?: boolean;
  logger: Logger;
  recorder: RequestRecorder;
  limits: OperationLimits;
  /** Called when an operation has been compiled (the hot path takes it from there). */
  onCompiled?: JitExecutorOptions['onCompiled'];
}

export function createApolloServer({
  schema,
  production,
  introspection = !production,
  logger,
  recorder,
  limits,
  onCompiled,
}: CreateApolloServerOptions): ApolloServer<Context> {
  const apolloLogger = logger.child({ component: 'apollo' });
  return new ApolloServer<Context>({
    // The schema, executed by graphql-jit once an operation repeats (src/execution/jitGateway.ts).
    gateway: createJitGateway(schema, {
      onCompileError: (error, operationName) =>
        apolloLogger.warn({ err: error, operationName }, 'compiling the operation failed; it runs on graphql-js'),
      ...(onCompiled ? { onCompiled } : {}),
    }),
    logger: apolloLogger,
    introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    persistedQueries: false,
    // Sized by each document's source text too (src/execution/documentStore.ts).
    documentStore: createDocumentStore(),
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // The process entry owns SIGTERM/SIGINT: readiness first, then drain, then stop (server.ts).
    stopOnTerminationSignals: false,
    formatError: createFormatError(production),
    // Operation limits run before any resolver: tokens at parse, depth/aliases/directives/cost
    // once the operation is resolved (where variables, such as `first`, are known).
    parseOptions: limitParseOptions(limits),
    validationRules: [OperationTypeSupportedRule, ...limitValidationRules(limits)],
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Responses are never cacheable (Cache-Control: private, no-store is set by the HTTP layer), so
      // per-field cache hints would be computed for nothing.
      ApolloServerPluginCacheControlDisabled(),
      costLimitPlugin<Context>(schema, limits),
      recordingPlugin(recorder),
    ],
  });
}
