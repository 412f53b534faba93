/**
 * One code exchange at a time per app authorization, in this process.
 *
 * - Two identical submissions in flight at once (a double click, a client retry racing the first
 *   attempt) send one ConnectAppAuthorization and share its outcome. They are identical when they
 *   name the same authorization and carry the same code and redirect URI; the code is keyed by its
 *   SHA-256, so it is never held as a map key.
 * - A different submission for an authorization that has one in flight waits until that one has
 *   settled, status check included, and is then sent. Two codes exchanged at once for one
 *   authorization could race at the provider, and one exchange could revoke what the other was
 *   issued. A submission whose deadline passes (or whose client leaves) while it waits is not
 *   sent: the client sees that nothing reached AppFabric (`abortedBeforeSending`).
 *
 * This holds per process: replicas behind a load balancer do not see each other's submissions.
 */
import { createHash } from 'node:crypto';
import { cancelledByCaller, whenAborted } from '../../deadlines.ts';
import { ERRORS } from '../../errors.ts';
import { toSubgraphError } from '../aws/translate.ts';
import { abortedBeforeSending } from '../http/transport.ts';
import type { AppFabricPort, ConnectAppAuthorizationInput, ConnectAppAuthorizationResult } from './port.ts';

/** The last path segment of an ARN, or the UUID itself: the same authorization whichever form names it. */
const idOf = (identifier: string) => identifier.slice(identifier.lastIndexOf('/') + 1);

/** The authorization a submission is for. */
export function authorizationKey(input: ConnectAppAuthorizationInput): string {
  return `${idOf(input.appBundleIdentifier)}/${idOf(input.appAuthorizationIdentifier)}`;
}

export function submissionKey(input: ConnectAppAuthorizationInput): string {
  const code = input.authRequest ? createHash('sha256').update(input.authRequest.code).digest('hex') : '-';
  const redirect = input.authRequest
    ? createHash('sha256').update(input.authRequest.redirectUri).digest('hex').slice(0, 16)
    : '-';
  return `${authorizationKey(input)}/${code}/${redirect}`;
}

/** Resolves when `previous` has settled, or as soon as `signal` aborts. Never rejects. */
function settledOrAborted(previous: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return previous.then(noop, noop);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const untrack = whenAborted(signal, () => resolve());
    previous.then(noop, noop).then(() => {
      untrack();
      resolve();
    });
  });
}

const noop = () => undefined;

/** A submission that gave up waiting for its turn: nothing was sent, as the adapter says it. */
function notSent(signal: AbortSignal): Error {
  return cancelledByCaller(signal)
    ? ERRORS.REQUEST_CANCELLED.err()
    : toSubgraphError(abortedBeforeSending(signal), 'appFabric', 'ConnectAppAuthorization');
}

export function connectOnce(port: AppFabricPort): AppFabricPort {
  /** The submissions being sent, by {@link submissionKey}. */
  const inFlight = new Map<string, Promise<ConnectAppAuthorizationResult>>();
  /** Per authorization: settles once every submission queued for it so far has settled. */
  const tails = new Map<string, Promise<void>>();
  return {
    ...port,
    connectAppAuthorization(input, options) {
      const key = submissionKey(input);
      const shared = inFlight.get(key);
      if (shared) return shared;
      const authorization = authorizationKey(input);
      const previous = tails.get(authorization);
      const sent = (
        previous
          ? settledOrAborted(previous, options?.signal).then(() => {
              // It waited until its deadline passed or its client left: never sent, the code unused.
              if (options?.signal?.aborted) throw notSent(options.signal);
              return port.connectAppAuthorization(input, options);
            })
          : port.connectAppAuthorization(input, options)
      ).finally(() => inFlight.delete(key));
      inFlight.set(key, sent);
      // The next submission waits for this one and for every one before it, even if this one
      // stops waiting early.
      const tail = Promise.allSettled(previous ? [previous, sent] : [sent]).then(noop);
      tails.set(authorization, tail);
      void tail.then(() => {
        if (tails.get(authorization) === tail) tails.delete(authorization);
      });
      return sent;
    },
  };
}
