/**
 * Two identical connect submissions in flight at once (a double click, a client retry racing the
 * first attempt) send one ConnectAppAuthorization and share its outcome. They are identical when
 * they name the same authorization and carry the same code; the code is keyed by its SHA-256, so
 * it is never held as a map key. This holds per process: replicas behind a load balancer do not
 * see each other's submissions.
 */
import { createHash } from 'node:crypto';
import type { AppFabricPort, ConnectAppAuthorizationInput, ConnectAppAuthorizationResult } from './port.ts';

/** The last path segment of an ARN, or the UUID itself: the same authorization whichever form names it. */
const idOf = (identifier: string) => identifier.slice(identifier.lastIndexOf('/') + 1);

export function submissionKey(input: ConnectAppAuthorizationInput): string {
  const code = input.authRequest ? createHash('sha256').update(input.authRequest.code).digest('hex') : '-';
  const redirect = input.authRequest
    ? createHash('sha256').update(input.authRequest.redirectUri).digest('hex').slice(0, 16)
    : '-';
  return `${idOf(input.appBundleIdentifier)}/${idOf(input.appAuthorizationIdentifier)}/${code}/${redirect}`;
}

export function connectOnce(port: AppFabricPort): AppFabricPort {
  const inFlight = new Map<string, Promise<ConnectAppAuthorizationResult>>();
  return {
    ...port,
    connectAppAuthorization(input, options) {
      const key = submissionKey(input);
      const shared = inFlight.get(key);
      if (shared) return shared;
      const sent = port.connectAppAuthorization(input, options).finally(() => inFlight.delete(key));
      inFlight.set(key, sent);
      return sent;
    },
  };
}
