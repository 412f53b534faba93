/**
 * A small AWS REST-JSON (restJson1) client shared by the IoT Managed Integrations and AppFabric
 * clients: it serializes an operation, signs it with SigV4, sends it over a keep-alive undici pool
 * with connect, headers and body timeouts, deserializes the answer or the restJson1 error, and
 * retries in the SDK's standard mode with clock-skew correction.
 */
import { randomUUID } from 'node:crypto';
import { buildQueryString } from '@smithy/querystring-builder';
import type { Dispatcher } from 'undici';
import { recordAttempts } from '../http/attempts.ts';
import { createUpstreamPool } from '../http/pool.ts';
import { injectTraceHeaders } from '../../tracing.ts';
import type { CallOptions } from '../types.ts';
import { headerOf } from '../../httpHeaders.ts';
import { exchange, type ExchangeResponse } from '../http/exchange.ts';
import { abortedBeforeSending, TransportError, toTransportError, waitBeforeRetry } from '../http/transport.ts';
import { AwsServiceException, deserializeError } from './errors.ts';
import {
  backoffDelay,
  classify,
  CLOCK_SKEW_NAMES,
  createRetryStrategy,
  withRetryAfter,
  type RetryPolicy,
} from './retry.ts';
import {
  createSigner,
  sentCredentials,
  type AwsCredentialIdentity,
  type AwsCredentialIdentityProvider,
  type Signer,
} from './signing.ts';

/** An empty or whitespace-only body. */
const BLANK = /^\s*$/;

/** How one operation goes on the wire. */
export interface OperationSpec<I, O> {
  /** The operation name, e.g. `GetAppAuthorization`. */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The request path with every label already encoded with `encodeLabel`. */
  path(input: I): string;
  /** Query members; undefined values are left out. */
  query?(input: I): Record<string, string | number | undefined>;
  /** The JSON body members; undefined for operations without a body. */
  body?(input: I): Record<string, unknown>;
  retry: RetryPolicy;
  /** At most this many attempts, whatever the client allows (`AWS_MAX_ATTEMPTS`). */
  maxAttempts?: number;
  deserialize(body: Record<string, unknown>): O;
}

export interface TimeoutOptions {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export interface AwsRestJsonClientOptions {
  /** SigV4 signing name: `iotmanagedintegrations` or `appfabric`. */
  signingName: string;
  region: string;
  endpoint: URL;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per operation in standard mode (`AWS_MAX_ATTEMPTS`), default 3. */
  maxAttempts?: number;
  timeouts: TimeoutOptions;
  /** Keep-alive connections to the endpoint. */
  connections?: number;
  userAgent: string;
  /** For tests: another dispatcher, clock or randomness. */
  dispatcher?: Dispatcher;
  now?: () => number;
  random?: () => number;
}

/** What happened on the wire for one operation, for logs and metrics. */
export interface OperationOutcome {
  operation: string;
  attempts: number;
  totalRetryDelay: number;
  requestId: string | undefined;
  status: number | undefined;
}

/** Path labels: the JS SDK's extended encodeURIComponent (`!'()*` too). Never empty. */
export function encodeLabel(value: string, label: string): string {
  if (value === '') throw new Error(`Empty value provided for input HTTP label: ${label}.`);
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export class AwsRestJsonClient {
  readonly #options: AwsRestJsonClientOptions;
  readonly #signer: Signer;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #retry: ReturnType<typeof createRetryStrategy>;
  readonly #maxAttempts: number;
  readonly #basePath: string;
  readonly #now: () => number;
  readonly #random: () => number;
  /** Server time minus local time, once they differ by 5 minutes or more (the SDK's systemClockOffset). */
  #clockOffset = 0;

  constructor(options: AwsRestJsonClientOptions) {
    this.#options = options;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#signer = createSigner({
      service: options.signingName,
      region: options.region,
      credentials: options.credentials,
    });
    this.#retry = createRetryStrategy(this.#maxAttempts);
    this.#basePath = options.endpoint.pathname.replace(/\/+$/, '');
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      createUpstreamPool(options.endpoint.origin, {
        connections: options.connections ?? 32,
        timeouts: options.timeouts,
      });
  }

  /** Sends one operation; resolves with its output or rejects with an AwsServiceException / TransportError. */
  async send<I, O>(
    spec: OperationSpec<I, O>,
    input: I,
    options: CallOptions = {},
    outcome?: (o: OperationOutcome) => void,
  ): Promise<O> {
    const invocationId = randomUUID();
    let token = await this.#retry.acquireInitialRetryToken(`${this.#options.signingName}:${spec.name}`);
    let attempts = 0;
    let totalRetryDelay = 0;
    for (;;) {
      attempts += 1;
      const offsetBefore = this.#clockOffset;
      try {
        const { output, requestId, status } = await this.#attempt(spec, input, options.signal, invocationId, attempts);
        this.#retry.recordSuccess(token);
        outcome?.({ operation: spec.name, attempts, totalRetryDelay, requestId, status });
        return output;
      } catch (error) {
        const skewCorrected =
          error instanceof AwsServiceException &&
          CLOCK_SKEW_NAMES.has(error.name) &&
          this.#clockOffset !== offsetBefore;
        const verdict = classify(error, spec.retry, skewCorrected);
        const fail = () => {
          // A service error carries them in its metadata, as the SDK's do; any other, on the side.
          if (error instanceof AwsServiceException) Object.assign(error.$metadata, { attempts, totalRetryDelay });
          else recordAttempts(error, attempts, totalRetryDelay);
          outcome?.({
            operation: spec.name,
            attempts,
            totalRetryDelay,
            requestId: error instanceof AwsServiceException ? error.$metadata.requestId : undefined,
            status: error instanceof AwsServiceException ? error.$metadata.httpStatusCode : undefined,
          });
          return error;
        };
        if (!verdict.retryable || options.signal?.aborted || attempts >= (spec.maxAttempts ?? Infinity)) {
          throw fail();
        }
        const retryCount = token.getRetryCount();
        try {
          token = await this.#retry.refreshRetryTokenForRetry(token, { errorType: verdict.errorType });
        } catch {
          throw fail(); // attempts exhausted, or the retry quota is empty
        }
        const delay = withRetryAfter(backoffDelay(verdict.errorType, retryCount, this.#random), verdict.retryAfterMs);
        if (!(await waitBeforeRetry(delay, { signal: options.signal, deadline: options.deadline, now: this.#now }))) {
          throw fail();
        }
        totalRetryDelay += delay;
      }
    }
  }

  async #attempt<I, O>(
    spec: OperationSpec<I, O>,
    input: I,
    signal: AbortSignal | undefined,
    invocationId: string,
    attempt: number,
  ): Promise<{ output: O; requestId: string | undefined; status: number }> {
    const { endpoint } = this.#options;
    const path = `${this.#basePath}${spec.path(input)}`;
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries(spec.query?.(input) ?? {})) {
      if (value !== undefined) query[key] = String(value);
    }
    const members = spec.body?.(input);
    const body = members === undefined ? undefined : JSON.stringify(members);
    const headers: Record<string, string> = {
      'amz-sdk-invocation-id': invocationId,
      'amz-sdk-request': `attempt=${attempt}; max=${Math.min(this.#maxAttempts, spec.maxAttempts ?? Infinity)}`,
      'user-agent': this.#options.userAgent,
    };
    injectTraceHeaders(headers);
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const port = endpoint.port === '' ? undefined : Number(endpoint.port);
    const signed = await this.#signer.sign(
      {
        method: spec.method,
        protocol: endpoint.protocol as 'http:' | 'https:',
        hostname: endpoint.hostname,
        port,
        path,
        query,
        headers,
        body,
      },
      new Date(this.#now() + this.#clockOffset),
      signal,
    );
    const queryString = buildQueryString(query);
    if (signal?.aborted) throw abortedBeforeSending(signal);

    let response: ExchangeResponse;
    try {
      response = await exchange(this.#dispatcher, {
        origin: endpoint.origin,
        method: spec.method,
        path: queryString ? `${path}?${queryString}` : path,
        headers: signed,
        body,
        signal,
      });
    } catch (error) {
      throw toTransportError(error, signal);
    }
    const { text } = response;
    const responseHeaders = response.headers;
    this.#updateClockOffset(headerOf(responseHeaders, 'date'));
    if (response.statusCode >= 300)
      throw deserializeError(response.statusCode, responseHeaders, text, sentCredentials(signed));
    let parsed: unknown = {};
    // Not `text.trim()`: that would copy a whole list page to look at its first character.
    if (!BLANK.test(text)) {
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new TransportError('The response body is not JSON.', {
          code: 'INVALID_RESPONSE',
          timeout: false,
          sent: true,
          cause: error,
        });
      }
    }
    const requestId =
      headerOf(responseHeaders, 'x-amzn-requestid') ??
      headerOf(responseHeaders, 'x-amzn-request-id') ??
      headerOf(responseHeaders, 'x-amz-request-id');
    return {
      output: spec.deserialize(
        parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {},
      ),
      requestId,
      status: response.statusCode,
    };
  }

  /**
   * As the official clients' `client.config.systemClockOffset`: AWS's clock minus this host's, in
   * milliseconds, once a response showed them 5 minutes or more apart (0 until then).
   */
  get config(): { readonly systemClockOffset: number } {
    return { systemClockOffset: this.#clockOffset };
  }

  #updateClockOffset(dateHeader: string | undefined): void {
    if (!dateHeader) return;
    const serverTime = Date.parse(dateHeader);
    if (Number.isNaN(serverTime)) return;
    const local = this.#now();
    if (Math.abs(local + this.#clockOffset - serverTime) >= 300_000) this.#clockOffset = serverTime - local;
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }
}

/** Per-call options, as the official clients' `HttpHandlerOptions` (plus a retry deadline). */
export interface HttpHandlerOptions {
  abortSignal?: AbortSignal;
  /** Epoch ms after which no retry starts. */
  deadline?: number;
  /** Receives attempts, retry delay and request id after the call (for logs and metrics). */
  onOutcome?: (outcome: OperationOutcome) => void;
}

/** What the service clients share: one signed transport per service, and per-call options. */
export abstract class AwsServiceClient {
  readonly #client: AwsRestJsonClient;

  protected constructor(options: AwsRestJsonClientOptions) {
    this.#client = new AwsRestJsonClient(options);
  }

  protected send<I, O>(spec: OperationSpec<I, O>, input: I, options: HttpHandlerOptions = {}): Promise<O> {
    return this.#client.send(
      spec,
      input,
      {
        ...(options.abortSignal ? { signal: options.abortSignal } : {}),
        ...(options.deadline ? { deadline: options.deadline } : {}),
      },
      options.onOutcome,
    );
  }

  /** As the official clients': `config.systemClockOffset` (see {@link AwsRestJsonClient.config}). */
  get config(): { readonly systemClockOffset: number } {
    return this.#client.config;
  }

  destroy(): Promise<void> {
    return this.#client.close();
  }
}
