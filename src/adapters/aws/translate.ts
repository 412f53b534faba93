/**
 * The one translation of AWS client failures into the subgraph's error registry, and the one
 * wrapper that settles every call of both AWS adapters (createAwsCalls). Upstream messages and
 * bodies are logged, never returned.
 */
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { ERRORS, isRegistryError, type UpstreamName } from '../../errors.ts';
import { redactText } from '../../redact.ts';
import { UpstreamDataError } from '../mappingHelpers.ts';
import { attemptsOf } from '../http/attempts.ts';
import { TransportError } from '../http/transport.ts';
import { failedCall } from '../callLog.ts';
import type { CallOptions } from '../types.ts';
import { AwsCredentialsError, AwsServiceException, type ResponseMetadata } from './errors.ts';
import type { HttpHandlerOptions } from './restJsonClient.ts';

const ACCESS_DENIED_NAMES = new Set([
  'AccessDeniedException',
  'UnauthorizedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
]);

/**
 * A continuation token the upstream no longer takes: AppFabric's model documents an expired
 * `nextToken` as "HTTP 400 InvalidToken" (the simulator sends it as a ValidationException).
 */
const INVALID_TOKEN_NAMES = new Set(['InvalidToken', 'InvalidTokenException', 'InvalidNextTokenException']);

export function toSubgraphError(error: unknown, name: UpstreamName, operation: string): GraphQLError {
  if (isRegistryError(error)) return error;
  const upstream = (status?: number) => ({
    upstream: { name, operation, ...(status ? { status } : {}) },
    cause: error,
  });
  if (error instanceof TransportError) {
    return error.timeout
      ? ERRORS.UPSTREAM_TIMEOUT.err(undefined, upstream())
      : ERRORS.UPSTREAM_UNAVAILABLE.err(undefined, upstream());
  }
  if (error instanceof AwsServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (status === 401 || status === 403 || ACCESS_DENIED_NAMES.has(error.name)) {
      return ERRORS.UPSTREAM_ACCESS_DENIED.err(undefined, upstream(status));
    }
    if (status === 429 || error.name === 'ThrottlingException')
      return ERRORS.UPSTREAM_THROTTLED.err(undefined, upstream(status));
    if (error.name === 'ValidationException' || (status === 400 && INVALID_TOKEN_NAMES.has(error.name))) {
      return ERRORS.BAD_USER_INPUT.err(
        'The upstream rejected the request as invalid (a cursor may have expired: start again without `after`).',
        upstream(status),
      );
    }
    return ERRORS.UPSTREAM_UNAVAILABLE.err(undefined, upstream(status));
  }
  if (error instanceof UpstreamDataError) {
    return ERRORS.UPSTREAM_UNAVAILABLE.err('The upstream answered with data this subgraph cannot use.', upstream());
  }
  if (error instanceof AwsCredentialsError) {
    // Nothing was sent: the request was never signed.
    if (error.missing) {
      return ERRORS.UPSTREAM_NOT_CONFIGURED.err('No AWS credentials could be loaded for this upstream.', upstream());
    }
    return error.refused
      ? ERRORS.UPSTREAM_ACCESS_DENIED.err(
          "AWS refused this subgraph's identity when asked for credentials; nothing was sent to the upstream.",
          upstream(),
        )
      : ERRORS.UPSTREAM_UNAVAILABLE.err(
          'AWS credentials could not be obtained (their source did not answer); nothing was sent to the upstream.',
          upstream(),
        );
  }
  return ERRORS.INTERNAL_SERVER_ERROR.err(undefined, { cause: error });
}

/** What an adapter logs about a failed upstream call: names and ids, never bodies or secrets. */
export function describeAwsFailure(error: unknown, known: readonly string[] = []): Record<string, unknown> {
  if (error instanceof AwsServiceException) {
    return {
      errorType: redactText(error.name, 80, known), // from the upstream: x-amzn-errortype or the body
      status: error.$metadata.httpStatusCode,
      upstreamRequestId: error.$metadata.requestId,
      message: redactText(error.message, 300, known),
      attempts: error.$metadata.attempts,
      retryDelayMs: error.$metadata.totalRetryDelay,
    };
  }
  if (error instanceof TransportError)
    return { errorType: error.name, code: error.code, timeout: error.timeout, sent: error.sent, ...attemptsOf(error) };
  if (error instanceof AwsCredentialsError) {
    // Which source failed and how: its error's name, code, status and cleaned message.
    const cause = error.cause as { name?: unknown; code?: unknown; message?: unknown; $metadata?: ResponseMetadata };
    return {
      errorType: error.name,
      sent: false,
      source: {
        errorType: typeof cause?.name === 'string' ? redactText(cause.name, 80, known) : typeof cause,
        ...(typeof cause?.code === 'string' ? { code: redactText(cause.code, 40, known) } : {}),
        ...(typeof cause?.$metadata?.httpStatusCode === 'number' ? { status: cause.$metadata.httpStatusCode } : {}),
        ...(typeof cause?.message === 'string' ? { message: redactText(cause.message, 300, known) } : {}),
      },
    };
  }
  if (error instanceof Error) return { errorType: error.name, message: redactText(error.message, 300, known) };
  return { errorType: typeof error };
}

/** The AWS adapters' wrapper around every client call: {@link createAwsCalls}. */
export interface AwsCalls {
  /**
   * Runs one operation with the request's handler options. `notFound` answers a
   * ResourceNotFoundException instead of failing; any other failure is logged (callLog.ts) and
   * translated by {@link toSubgraphError}, here and nowhere else.
   */
  call<T>(
    operation: string,
    options: CallOptions | undefined,
    run: (handler: HttpHandlerOptions) => Promise<T>,
    notFound?: () => T,
  ): Promise<T>;
  /** The client's per-call options for a request: its signal, its deadline, and retry reporting. */
  handlerOptions(options: CallOptions | undefined): HttpHandlerOptions;
}

/** Both AWS adapters settle their calls alike; only the upstream's name and the port differ. */
export function createAwsCalls(
  name: UpstreamName,
  log: Logger,
  onRetries: (operation: string, retries: number) => void,
): AwsCalls {
  const handlerOptions = (options: CallOptions | undefined): HttpHandlerOptions => ({
    ...(options?.signal ? { abortSignal: options.signal } : {}),
    ...(options?.deadline ? { deadline: options.deadline } : {}),
    onOutcome: (outcome) => onRetries(outcome.operation, outcome.attempts - 1),
  });
  return {
    handlerOptions,
    async call(operation, options, run, notFound) {
      try {
        return await run(handlerOptions(options));
      } catch (error) {
        if (notFound && error instanceof AwsServiceException && error.name === 'ResourceNotFoundException')
          return notFound();
        const fields = { upstream: name, operation, ...describeAwsFailure(error) };
        throw failedCall(log, options, fields, () => toSubgraphError(error, name, operation));
      }
    },
  };
}
