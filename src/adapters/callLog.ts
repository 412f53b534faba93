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
import type { Unusable, UpstreamDataError } from './mappingHelpers.ts';
import type { CallOptions } from './types.ts';

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

/** How often one kind of unusable member is logged per upstream operation: a batch may carry hundreds. */
export const UNUSABLE_MEMBER_LOG_INTERVAL_MS = 60_000;

/**
 * An adapter's handling of members of its answers that cannot be mapped (`error` names the member,
 * never its value): each fails only the field it feeds, with the adapter's translation of it, and
 * is logged at most once a minute per operation and member, with how many were not logged since.
 */
export function unusableMembers(
  log: Logger,
  upstream: string,
  translate: (error: UpstreamDataError, operation: string) => GraphQLError,
  /** Monotonic milliseconds: a step of the wall clock neither silences the lines nor repeats them. */
  now: () => number = () => performance.now(),
): (operation: string, options: CallOptions | undefined) => Unusable {
  /** By operation and member (a message from this project's code: a small set). */
  const logged = new Map<string, { at: number; unlogged: number }>();
  return (operation, options) => (error) => {
    const key = `${operation}\n${error.message}`;
    const at = now();
    const last = logged.get(key);
    if (last && at - last.at < UNUSABLE_MEMBER_LOG_INTERVAL_MS) {
      last.unlogged += 1;
    } else {
      log.warn(
        {
          ...(options?.requestId !== undefined ? { requestId: options.requestId } : {}),
          upstream,
          operation,
          member: error.message,
          ...(last?.unlogged ? { unloggedSince: last.unlogged } : {}),
        },
        'upstream member unusable: only the field it feeds fails',
      );
      logged.set(key, { at, unlogged: 0 });
    }
    return translate(error, operation);
  };
}
