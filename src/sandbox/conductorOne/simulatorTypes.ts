/** The public shapes of the ConductorOne simulator: its options, its logs and its test hooks. */
import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { CallCounter } from '../callCounter.ts';
import type { SandboxSeed } from '../seed.ts';
import type { ConductorOneFault } from './faults.ts';
import type { ErrorCodeStyle } from './wire.ts';

/** The operations the simulator serves (and faults and latency can target). */
export type ConductorOneOperation = 'Token' | 'GetCredentials' | 'GetConnector' | 'SearchApps';

/**
 * What the logs and the call counter name a request: an operation, `Redirect` (a 301 for a path
 * with a trailing slash or an empty segment) or `UnknownOperation` (no route).
 */
export type ConductorOneLoggedOperation = ConductorOneOperation | 'Redirect' | 'UnknownOperation';

/** An API client the token endpoint accepts. */
export interface ConductorOneClient {
  /** The full client id, e.g. `calm-otter-1@example.conductor.one/pcc`. */
  clientId: string;
  /** Its Ed25519 key: a node KeyObject or a JWK `{ kty: 'OKP', crv: 'Ed25519', x }`. Only the public half is used. */
  publicKey: KeyObject | JsonWebKey;
}

export interface ConductorOneSimulatorOptions {
  /** Demo data in ConductorOne's JSON wire shape; the simulator works on its own copy. */
  seed: SandboxSeed['conductorOne'];
  /** The accepted API clients (`reset()` returns to these). */
  clients: readonly ConductorOneClient[];
  /**
   * The tenant host a client assertion's `aud` must name, without scheme or port, e.g.
   * `example.conductor.one`. @default '127.0.0.1' (the simulator's own host, port dropped)
   */
  audience?: string;
  /** Lifetime of issued access tokens, in seconds. @default 600 */
  accessTokenTtlSeconds?: number;
  /** Whether error bodies carry numeric gRPC codes (`5`) or Connect names (`"not_found"`). @default 'numeric' */
  errorCodeStyle?: ErrorCodeStyle;
  /** The simulator's clock: assertion times, token expiry and the `date` header. @default () => new Date() */
  now?: () => Date;
  /** @default 0 (any free port) */
  port?: number;
}

/** One received request, as it arrived. */
export interface ConductorOneRequestRecord {
  operation: ConductorOneLoggedOperation;
  method: string;
  /** The raw path, still percent-encoded. */
  path: string;
  /** Decoded query parameters (the first value of a repeated key). */
  query: Record<string, string>;
  /** Lower-case names, as sent (the `authorization` header included). */
  headers: Record<string, string>;
  body: string;
  /** Wall-clock arrival time (`Date.now()`), whatever the simulator's clock says. */
  receivedAt: number;
  requestId: string;
}

/** One answer the simulator sent (resets and hangs send none). */
export interface ConductorOneResponseRecord {
  operation: ConductorOneLoggedOperation;
  status: number;
  /** The error body's `code` (API) or `error` (token endpoint); `undefined` for successes, 301s and raw bodies. */
  errorCode: number | string | undefined;
  requestId: string;
}

export interface ConductorOneSimulator {
  /** e.g. `http://127.0.0.1:45123`. */
  readonly url: string;
  readonly port: number;
  /** The `aud` client assertions must carry. */
  readonly audience: string;
  /** Requests counted per logged operation, refused ones included. */
  readonly calls: CallCounter;
  /** The last 500 requests received, oldest first. */
  readonly requests: readonly ConductorOneRequestRecord[];
  /** The last 500 answers sent, oldest first. */
  readonly responses: readonly ConductorOneResponseRecord[];
  /** Access tokens issued since the start or the last `reset()`. */
  issuedTokens(): number;
  /** Token requests that carried a plain client secret (`client_secret` or HTTP Basic); each was refused. */
  secretSubmissions(): number;
  /**
   * Queues a fault for the next request(s) to `operation`, after any already queued. Faults apply
   * only to requests that passed authentication (a valid assertion for `Token`, a valid bearer
   * token otherwise): a refused request never uses one up.
   */
  inject(operation: ConductorOneOperation, fault: ConductorOneFault): void;
  /** A fixed delay before answering, for one operation or (without `operation`) for every request. */
  setLatency(ms: number, operation?: ConductorOneOperation): void;
  setClock(now: () => Date): void;
  /** The lifetime of tokens issued from now on; tokens already issued keep theirs. */
  setAccessTokenTtl(seconds: number): void;
  /** Every token issued so far is refused from now on, as expired. */
  expireAllTokens(): void;
  /** Replaces the accepted clients. Tokens already issued stay valid. */
  setClients(clients: readonly ConductorOneClient[]): void;
  setErrorCodeStyle(style: ErrorCodeStyle): void;
  /**
   * Clears faults, latency, counters and the request and response logs, and restores the clients,
   * clock, token lifetime and error-code style the simulator started with. Issued tokens and used
   * nonces are kept.
   */
  reset(): void;
  /** Stops the server and drops every connection, hung ones included. */
  close(): Promise<void>;
}
