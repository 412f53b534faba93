/** The public shapes of the AWS simulator: its options, its logs and its test hooks. */
import type { CallCounter } from '../callCounter.ts';
import type { SandboxSeed } from '../seed.ts';
import type { SimulatorFault } from './faults.ts';
import type { ServiceKey } from './restJson.ts';
import type { SigV4Credential } from './sigv4Verifier.ts';

/** The operations the simulator serves. */
export type SimulatedOperation =
  | 'GetConnectorDestination'
  | 'ListConnectorDestinations'
  | 'GetCloudConnector'
  | 'ListCloudConnectors'
  | 'GetAppBundle'
  | 'ListAppAuthorizations'
  | 'GetAppAuthorization'
  | 'ConnectAppAuthorization';

export type SimulatorCredential = SigV4Credential;

export interface AwsSimulatorOptions {
  /** Demo data; the simulator works on its own copy. */
  seed: SandboxSeed;
  /** The region credential scopes must name. */
  region: string;
  /** The credentials requests may be signed with (`resetCredentials` returns to these). */
  credentials: readonly SimulatorCredential[];
  /** The simulator's clock, for signature age, the `date` header and timestamps. @default () => new Date() */
  now?: () => Date;
  /** @default 0 (any free port) */
  port?: number;
}

/** One received request, as it arrived. */
export interface SimulatorRequestRecord {
  service: ServiceKey | undefined;
  /** The operation its method and path name (`UnknownOperation` when none). */
  operation: string;
  method: string;
  /** The raw path, still percent-encoded. */
  path: string;
  /** Decoded query parameters (the first value of a repeated key). */
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** Wall-clock arrival time (`Date.now()`), whatever the simulator's clock says. */
  receivedAt: number;
}

/** One answer the simulator sent (resets and hangs send none). */
export interface SimulatorResponseRecord {
  operation: string;
  status: number;
  /** The error name, undecorated, for an error answer. */
  errorType: string | undefined;
  requestId: string;
}

export interface AwsSimulator {
  /** e.g. `http://127.0.0.1:45123`. */
  readonly url: string;
  readonly port: number;
  readonly region: string;
  /** Requests counted per service and operation, signed correctly or not. */
  readonly calls: Readonly<Record<ServiceKey, CallCounter>>;
  /** The last 500 requests received, oldest first. */
  readonly requests: readonly SimulatorRequestRecord[];
  /** The last 500 answers sent, oldest first. */
  readonly responses: readonly SimulatorResponseRecord[];
  /**
   * Queues a fault for the next request(s) to `operation`, after any already queued. Faults apply
   * to requests whose signature verified: a refused request never uses one up.
   */
  inject(operation: SimulatedOperation, fault: SimulatorFault): void;
  /** A fixed delay before answering, for one operation or (without `operation`) for all. */
  setLatency(ms: number, operation?: SimulatedOperation): void;
  setClock(now: () => Date): void;
  /** Replaces the accepted credentials, e.g. to expire a session token. */
  setCredentials(credentials: readonly SimulatorCredential[]): void;
  /** Back to the credentials the simulator started with. */
  resetCredentials(): void;
  /** Clears faults, latency, counters and the request and response logs; the data stays as it is. */
  reset(): void;
  /** Restores the seed data and forgets consumed authorization codes. */
  resetState(): void;
  /** Stops the server and drops every connection, hung ones included. */
  close(): Promise<void>;
}
