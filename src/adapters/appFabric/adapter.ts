/**
 * The AppFabric port on the real client. Reads go through `call`, the one place where upstream
 * failures are logged and translated; the connect step has its own outcome rules below. The status
 * check after an ambiguous connect is made by connectOnce.ts, through the guarded port, so that it
 * is counted, budgeted and limited like every other call.
 */
import type { Logger } from 'pino';
import { deadlineExceeded, whenAborted } from '../../deadlines.ts';
import { AwsServiceException } from '../aws/errors.ts';
import { TransportError } from '../http/transport.ts';
import { UpstreamDataError } from '../mappingHelpers.ts';
import { createAwsCalls, describeAwsFailure, toSubgraphError } from '../aws/translate.ts';
import { failedCall } from '../callLog.ts';
import { ERRORS } from '../../errors.ts';
import { redactText } from '../../redact.ts';
import type { CallOptions } from '../types.ts';
import type { AppFabric } from './client.ts';
import { inputPathFromAppFabricField, toAppAuthorization, toAppAuthorizationSummary } from './mapping.ts';
import { isOutcomeUnknown, OUTCOME_UNKNOWN, type AppFabricPort, type ConnectAppAuthorizationResult } from './port.ts';

const NAME = 'appFabric';

/**
 * Time kept back from the send for the status check after an ambiguous failure (made by
 * connectOnce.ts): at most this, and at most a quarter of what is left of the request.
 */
export const CONNECT_CHECK_RESERVE_MS = 2_000;
/** With less time than this left for the send itself, the code is not sent at all (it stays unused). */
export const MIN_SEND_WINDOW_MS = 250;

/**
 * The connect send's own options: its signal also aborts (as a passed deadline) early enough to
 * leave the status check {@link CONNECT_CHECK_RESERVE_MS}. Without a deadline, the options as they are.
 */
function reserveForCheck(
  options: CallOptions | undefined,
  now: () => number,
): { send: CallOptions | undefined; window: number; done: () => void } {
  const deadline = options?.deadline;
  if (deadline === undefined) return { send: options, window: Infinity, done: () => undefined };
  const left = deadline - now();
  const cutoff = deadline - Math.min(CONNECT_CHECK_RESERVE_MS, Math.max(0, left) / 4);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(deadlineExceeded()), Math.max(0, cutoff - now()));
  const parent = options?.signal;
  if (parent?.aborted) controller.abort(parent.reason);
  const untrack =
    parent && !parent.aborted ? whenAborted(parent, (reason) => controller.abort(reason)) : () => undefined;
  return {
    send: { ...options, signal: controller.signal, deadline: cutoff },
    window: cutoff - now(),
    done: () => {
      clearTimeout(timer);
      untrack();
    },
  };
}

/** AppFabric's refusals of a connect that the payload answers as user errors. */
const ANSWERED_AS_USER_ERRORS: ReadonlySet<string> = new Set([
  'ValidationException',
  'ResourceNotFoundException',
  'AccessDeniedException',
]);

/**
 * How the guard counts a connect answered as a value (src/adapters/guard.ts): OUTCOME_UNKNOWN
 * follows a 5xx, a transport failure or a timeout after the code was sent, a failure of AppFabric's
 * for metrics and its circuit breaker (also when the status check made after it finds the code
 * worked); every other answer (user errors included) is AppFabric answering.
 */
export function connectFailureOf(value: unknown): string | undefined {
  return isOutcomeUnknown(value as ConnectAppAuthorizationResult) ? ERRORS.UPSTREAM_UNAVAILABLE.code : undefined;
}

/**
 * What is logged of a failed ConnectAppAuthorization: the failure's kind, status, request id and
 * attempts, and for a ValidationException its reason and the names of the fields it refused; never
 * the upstream's text. AppFabric's messages quote the values they refuse, cut to a length of their
 * own, so a code or redirect URI could reach the log in a piece that no redaction of the whole value
 * would find.
 */
function describeConnectFailure(error: unknown): Record<string, unknown> {
  const { message: _upstreamText, ...described } = describeAwsFailure(error);
  if (error instanceof AwsServiceException && error.name === 'ValidationException') {
    return {
      ...described,
      ...(error.reason ? { reason: redactText(error.reason, 80) } : {}),
      ...(error.fieldList?.length ? { fields: error.fieldList.map((field) => redactText(field.name, 80)) } : {}),
    };
  }
  return described;
}

export function createAppFabricAdapter(
  client: AppFabric,
  log: Logger,
  onRetries: (operation: string, retries: number) => void = () => undefined,
  now: () => number = Date.now,
): AppFabricPort {
  const { call, handlerOptions } = createAwsCalls(NAME, log, onRetries);

  return {
    getAppAuthorization: (ref, options) =>
      call(
        'GetAppAuthorization',
        options,
        async (h) => {
          const out = await client.getAppAuthorization(ref, h);
          // A missing authorization is a 404 (answered null below); a 200 without one breaks the model.
          if (!out.appAuthorization)
            throw new UpstreamDataError('GetAppAuthorization answered without appAuthorization.');
          return toAppAuthorization(out.appAuthorization);
        },
        () => null,
      ),

    listAppAuthorizations: ({ appBundleIdentifier, maxResults, nextToken }, options) =>
      call(
        'ListAppAuthorizations',
        options,
        async (h) => {
          const out = await client.listAppAuthorizations({ appBundleIdentifier, maxResults, nextToken }, h);
          return {
            items: (out.appAuthorizationSummaryList ?? []).map(toAppAuthorizationSummary),
            nextToken: out.nextToken ?? null,
          };
        },
        // An app bundle that does not exist has no authorizations.
        () => ({ items: [], nextToken: null }),
      ),

    async connectAppAuthorization(input, options) {
      const ref = {
        appBundleIdentifier: input.appBundleIdentifier,
        appAuthorizationIdentifier: input.appAuthorizationIdentifier,
      };
      const operation = 'ConnectAppAuthorization';
      const reserve = reserveForCheck(options, now);
      const sentAt = now();
      /** The send's outcome is not known: connectOnce.ts reads the authorization's status. */
      const unknown: ConnectAppAuthorizationResult = { ok: false, errors: [OUTCOME_UNKNOWN], sentAt };
      if (reserve.window < MIN_SEND_WINDOW_MS) {
        // Sent now, it would be cut off at once and its outcome unknown: better not spend the code.
        reserve.done();
        throw toSubgraphError(
          new TransportError('Too little of the request deadline was left to send the code; it was not sent.', {
            code: 'DEADLINE_EXCEEDED',
            timeout: true,
            sent: false,
          }),
          NAME,
          operation,
        );
      }
      try {
        const out = await client
          .connectAppAuthorization(
            { ...ref, ...(input.authRequest ? { authRequest: input.authRequest } : {}) },
            handlerOptions(reserve.send),
          )
          .finally(reserve.done);
        if (!out.appAuthorizationSummary) return unknown;
        return { ok: true, appAuthorization: toAppAuthorizationSummary(out.appAuthorizationSummary) };
      } catch (error) {
        // AppFabric's text is not logged: it may quote pieces of the code or redirect URI.
        const failure = { upstream: NAME, operation, ...describeConnectFailure(error) };
        const answered = error instanceof AwsServiceException && ANSWERED_AS_USER_ERRORS.has(error.name);
        const thrown =
          (error instanceof AwsServiceException && !answered && (error.$metadata.httpStatusCode ?? 0) < 500) ||
          (error instanceof TransportError && !error.sent) ||
          !(
            error instanceof AwsServiceException ||
            error instanceof TransportError ||
            error instanceof UpstreamDataError
          );
        // A failure that proves the code unused (throttled, another 4xx, never sent) is thrown,
        // logged and translated as every upstream call's is: a departed client's is a cancellation.
        if (thrown) throw failedCall(log, options, failure, () => toSubgraphError(error, NAME, operation));
        log.warn({ requestId: options?.requestId, ...failure }, 'upstream call failed');
        if (error instanceof AwsServiceException) {
          switch (error.name) {
            case 'ValidationException': {
              // One user error per input path, however many entries name it.
              const byPath = new Map<string, string[] | null>();
              for (const entry of error.fieldList?.length ? error.fieldList : [null]) {
                const path = entry ? inputPathFromAppFabricField(entry.name) : null;
                byPath.set(path ? path.join('.') : '', path);
              }
              const fields = [...byPath.values()];
              return {
                ok: false,
                errors: fields.map((field) => ({
                  code: 'INVALID_INPUT' as const,
                  message: field
                    ? `AppFabric rejected ${field.slice(1).join('.') || 'the input'}.`
                    : 'AppFabric rejected the input or the code.',
                  field,
                })),
              };
            }
            case 'ResourceNotFoundException':
              return {
                ok: false,
                errors: [
                  { code: 'NOT_FOUND', message: 'The app bundle or app authorization does not exist.', field: null },
                ],
              };
            case 'AccessDeniedException':
              return {
                ok: false,
                errors: [
                  { code: 'ACCESS_DENIED', message: "AppFabric denied this subgraph's AWS identity.", field: null },
                ],
              };
          }
          // Throttling (after the allowed resends) and other 4xx were thrown above: AppFabric did
          // not process the code, so the caller may retry with it. A 5xx may have used it.
        }
        // A 5xx; or sent, with no answer (a timeout, a reset), or answered with unusable data.
        return unknown;
      }
    },
  };
}
