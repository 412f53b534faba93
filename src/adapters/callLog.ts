/**
 * A failed upstream call, as the adapters' `call` functions settle it: the error for the caller,
 * and the log line. A client that closes its connection aborts every call its request still has
 * under way; whatever such a call then failed with (the abort itself, or an earlier upstream error
 * after a retry was cut short), it is REQUEST_CANCELLED and logged at `debug`, so one disconnect
 * does not read as an outage. (guardPort counts it the same way for metrics and the breaker.)
 * Every other failure is translated by the adapter and logged at `warn`.
 */
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { cancelledByCaller } from '../deadlines.ts';
import { ERRORS } from '../errors.ts';
import type { UpstreamDataError } from './mappingHelpers.ts';
import type { CallOptions, FieldFailure } from './types.ts';

/** `fields` say which call and why (no bodies or secrets); `translate` is the adapter's own. */
export function failedCall(
  log: Logger,
  options: CallOptions | undefined,
  fields: Record<string, unknown>,
  translate: () => GraphQLError,
): GraphQLError {
  // The request's id ties the line to the request's own (its `graphql request` line and errors).
  if (options?.requestId !== undefined) fields = { requestId: options.requestId, ...fields };
  if (cancelledByCaller(options?.signal)) {
    log.debug(fields, 'upstream call cancelled');
    return ERRORS.REQUEST_CANCELLED.err();
  }
  log.warn(fields, 'upstream call failed');
  return translate();
}

/**
 * A member of an answer that cannot be mapped (`error` names it, never its value): logged, and
 * failing only the field it feeds, with the adapter's translation of it.
 */
export function unusableMember(
  log: Logger,
  options: CallOptions | undefined,
  fields: { upstream: string; operation: string },
  error: UpstreamDataError,
  translate: (error: UpstreamDataError) => GraphQLError,
): FieldFailure {
  log.warn(
    {
      ...(options?.requestId !== undefined ? { requestId: options.requestId } : {}),
      ...fields,
      member: error.message,
    },
    'upstream member unusable: only the field it feeds fails',
  );
  return translate(error);
}
