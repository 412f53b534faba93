/**
 * Apollo Server over the subgraph schema, with the defaults a subgraph needs: no CDN landing page,
 * no stack traces, no persisted-query cache, CSRF prevention, and errors masked to an allow-list.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Context } from './context.ts';
import { createJitGateway } from './execution/jitGateway.ts';
import { ERRORS, isRegistryError } from './errors.ts';
import type { Logger } from './logger.ts';
import { outcomeLabel, type Metrics } from './metrics.ts';
import { activeSpan } from './tracing.ts';
import {
  costLimitPlugin,
  limitParseOptions,
  limitValidationRules,
  type OperationLimits,
} from './security/operationLimits.ts';

/** Extension keys a client may see; everything else is dropped. */
const ALLOWED_EXTENSION_KEYS = ['code', 'upstream', 'argumentPath'] as const;

/** Apollo's own request-level errors (parse, validation, variables): safe to return as they are. */
const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set([
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.BAD_REQUEST,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
]);

function pickExtensions(extensions: GraphQLFormattedError['extensions']): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of ALLOWED_EXTENSION_KEYS) {
    if (extensions?.[key] !== undefined) picked[key] = extensions[key];
  }
  return picked;
}

/**
 * Registry errors keep their message; Apollo's request errors (which have no path) keep theirs;
 * anything else becomes a generic INTERNAL_SERVER_ERROR. The original is logged by the plugin below.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = formatted.extensions?.['code'];
  const safe =
    isRegistryError(original) ||
    (formatted.path === undefined && typeof code === 'string' && REQUEST_ERROR_CODES.has(code));
  if (safe) {
    return {
      message: formatted.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: pickExtensions(formatted.extensions),
    };
  }
  return {
    message: ERRORS.INTERNAL_SERVER_ERROR.err().message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ERRORS.INTERNAL_SERVER_ERROR.code },
  };
}

/**
 * One log line per GraphQL request (request id, operation, duration, outcome, the upstream calls
 * it made), and what formatError hides: unexpected errors in full, upstream errors at warn.
 */
function errorLoggingPlugin(logger: Logger): ApolloServerPlugin<Context> {
  // The request line has a fixed set of fields, none at a redacted path (no headers, variables or
  // credentials), so path redaction could never censor anything in it; skipping it makes the line
  // about four times cheaper. Everything else goes through the redacting per-request logger.
  const requestLog = logger.child({}, { redact: { paths: [] } });
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async didResolveOperation({ operation, operationName }) {
          const span = activeSpan();
          if (operation) span?.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) span?.setAttribute('graphql.operation.name', operationName);
        },
        async willSendResponse({ contextValue, operation, operationName, response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const codes = [...new Set((body?.errors ?? []).map((e) => String(e.extensions?.['code'] ?? 'UNKNOWN')))];
          const outcome = codes.length === 0 ? 'success' : body?.data ? 'partial' : 'error';
          activeSpan()?.setAttribute('graphql.outcome', outcome);
          requestLog.info(
            {
              requestId: contextValue.requestId,
              operationName: operationName ?? null,
              operationType: operation?.operation ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              outcome,
              ...(codes.length > 0 ? { errorCodes: codes } : {}),
              upstreamCalls: contextValue.upstreamCalls?.calls() ?? {},
            },
            'graphql request',
          );
        },
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            const log = contextValue.log;
            const fields = { operationName: operationName ?? null, path: error.path };
            if (isRegistryError(original)) {
              if (original.extensions['upstream']) {
                log.warn(
                  { ...fields, code: original.extensions['code'], upstream: original.extensions['upstream'] },
                  original.message,
                );
              }
            } else if (error.path !== undefined) {
              log.error({ ...fields, err: original }, 'unexpected resolver error');
            }
          }
        },
      };
    },
  };
}

export interface CreateApolloServerOptions {
  schema: GraphQLSchema;
  production: boolean;
  logger: Logger;
  metrics: Metrics;
  limits: OperationLimits;
}

/** GraphQL requests and their duration by operation type and outcome. */
function metricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, response, errors }) {
          const type = operation?.operation ?? 'unknown';
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const firstCode = (errors ?? body?.errors ?? [])[0]?.extensions?.['code'];
          const outcome =
            errors?.length || body?.errors?.length ? (body?.data ? 'partial' : outcomeLabel(firstCode)) : 'success';
          const labels = { operation_type: type, outcome };
          metrics.graphqlRequests.inc(labels);
          metrics.graphqlDuration.observe(labels, (performance.now() - started) / 1000);
        },
      };
    },
  };
}

export function createApolloServer({
  schema,
  production,
  logger,
  metrics,
  limits,
}: CreateApolloServerOptions): ApolloServer<Context> {
  const apolloLogger = logger.child({ component: 'apollo' });
  return new ApolloServer<Context>({
    // The schema, executed by graphql-jit once an operation repeats (src/execution/jitGateway.ts).
    gateway: createJitGateway(schema, {
      onCompileError: (error, operationName) =>
        apolloLogger.warn({ err: error, operationName }, 'compiling the operation failed; it runs on graphql-js'),
    }),
    logger: apolloLogger,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    persistedQueries: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // The process entry owns SIGTERM/SIGINT: readiness first, then drain, then stop (server.ts).
    stopOnTerminationSignals: false,
    formatError,
    // Operation limits run before any resolver: tokens at parse, depth/aliases/directives/cost
    // once the operation is resolved (where variables, such as `first`, are known).
    parseOptions: limitParseOptions(limits),
    validationRules: limitValidationRules(limits),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Responses are never cacheable (Cache-Control: private, no-store is set by the HTTP layer), so
      // per-field cache hints would be computed for nothing.
      ApolloServerPluginCacheControlDisabled(),
      costLimitPlugin<Context>(schema, limits),
      errorLoggingPlugin(logger),
      metricsPlugin(metrics),
    ],
  });
}
