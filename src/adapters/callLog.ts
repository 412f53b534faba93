/**
 * The log line of a failed upstream call, shared by the adapters' `call` functions: at `warn`,
 * unless the caller went away. A client that closes its connection aborts every call its request
 * still has under way; those are logged at `debug`, so one disconnect does not read as an outage.
 */
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { ERRORS } from '../errors.ts';

/** `failure` is the call's translated error; `fields` say which call and why (no bodies or secrets). */
export function logFailedCall(log: Logger, failure: GraphQLError, fields: Record<string, unknown>): void {
  if (failure.extensions['code'] === ERRORS.REQUEST_CANCELLED.code) log.debug(fields, 'upstream call cancelled');
  else log.warn(fields, 'upstream call failed');
}
