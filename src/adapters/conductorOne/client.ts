/**
 * The ConductorOne /api/v1 calls this subgraph makes, over an undici pool to the tenant origin.
 * Bearer tokens come from a TokenSource; a 401 refreshes the token once and retries once.
 * Retries: 429 for any call, 5xx and transport failures only for idempotent ones, with full-jitter
 * backoff and `Retry-After` honoured. Redirects are never followed (ConductorOne answers 301 for
 * empty path segments, and following one would carry the Authorization header to another path).
 */
import type { Dispatcher } from 'undici';
import { createUpstreamPool, type Pool } from '../http/pool.ts';
import { injectTraceHeaders } from '../../tracing.ts';
import { recordAttempts } from '../http/attempts.ts';
import { createRetryStrategy } from '../http/retryQuota.ts';
import type { CallOptions } from '../types.ts';
import { headerOf, retryAfterMs } from '../../httpHeaders.ts';
import { exchange, type ExchangeResponse } from '../http/exchange.ts';
import { fullJitter, toTransportError, TransportError, waitBeforeRetry, worthRetrying } from '../http/transport.ts';
import type { TokenSource } from './tokenSource.ts';
import type {
  GetConnectorResponseWire,
  GetCredentialsResponseWire,
  SearchAppsRequestWire,
  SearchAppsResponseWire,
} from './types.ts';

/** An error answer from the API. The body is parsed defensively for logs; it is never returned. */
export class ConductorOneApiError extends Error {
  readonly status: number;
  /** `code` from the body: a gRPC number or a Connect-style string. */
  readonly code: number | string | undefined;
  readonly operation: string;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  /** The body's `message`, unredacted: redact before logging it. Never returned to clients. */
  readonly upstreamMessage: string | undefined;
  constructor(init: {
    status: number;
    code: number | string | undefined;
    upstreamMessage: string | undefined;
    operation: string;
    requestId: string | undefined;
    retryAfterMs: number | undefined;
  }) {
    super(
      `ConductorOne ${init.operation} answered ${init.status}${init.upstreamMessage ? `: ${init.upstreamMessage}` : ''}`,
    );
    this.name = 'ConductorOneApiError';
    this.status = init.status;
    this.code = init.code;
    this.operation = init.operation;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.upstreamMessage = init.upstreamMessage;
  }
}

export interface ConductorOneClientOptions {
  /** The tenant origin, e.g. `https://acme.conductor.one`. */
  origin: string;
  tokens: TokenSource;
  timeouts: { connectMs: number; headersMs: number; bodyMs: number };
  /** Attempts per call, default 3. */
  maxAttempts?: number;
  connections?: number;
  userAgent: string;
  /** Shared with the token source when given; otherwise a pool is created and owned. */
  dispatcher?: Dispatcher;
  now?: () => number;
  random?: () => number;
  /** Told of every retry (for metrics). */
  onRetry?: (operation: string, count: number) => void;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 5_000;
/** A longer Retry-After than this is not waited for (the caller gets UPSTREAM_THROTTLED). */
const MAX_RETRY_AFTER_MS = 10_000;

/** Path segments: percent-encoded; empty or separator-bearing ids are refused before sending. */
export function segment(value: string, name: string): string {
  if (value === '' || value === '.' || value === '..' || /[/\\?#]/.test(value)) {
    throw new TypeError(`ConductorOne ${name} must be a non-empty id without '/', '\\', '?' or '#'.`);
  }
  // Ids are almost always plain: then the id itself, without the copy encodeURIComponent makes.
  return UNRESERVED.test(value) ? value : encodeURIComponent(value);
}

/** RFC 3986's unreserved characters, which encodeURIComponent leaves as they are. */
const UNRESERVED = /^[\w.~-]+$/;

interface Call {
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Reads (including the apps search, a POST) may be retried after 5xx and transport failures. */
  idempotent: boolean;
}

export class ConductorOneClient {
  readonly #options: ConductorOneClientOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #quota: ReturnType<typeof createRetryStrategy>;

  constructor(options: ConductorOneClientOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#quota = createRetryStrategy(options.maxAttempts ?? 3);
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ?? createConductorOnePool(options.origin, options.timeouts, options.connections);
  }

  getCredentials(
    key: { appId: string; connectorId: string; id: string },
    options?: CallOptions,
  ): Promise<GetCredentialsResponseWire> {
    return this.#call(
      {
        operation: 'GetCredentials',
        method: 'GET',
        path: `/api/v1/apps/${segment(key.appId, 'app_id')}/connectors/${segment(key.connectorId, 'connector_id')}/credentials/${segment(key.id, 'id')}`,
        idempotent: true,
      },
      options,
    );
  }

  getConnector(key: { appId: string; id: string }, options?: CallOptions): Promise<GetConnectorResponseWire> {
    return this.#call(
      {
        operation: 'GetConnector',
        method: 'GET',
        path: `/api/v1/apps/${segment(key.appId, 'app_id')}/connectors/${segment(key.id, 'id')}`,
        idempotent: true,
      },
      options,
    );
  }

  searchApps(request: SearchAppsRequestWire, options?: CallOptions): Promise<SearchAppsResponseWire> {
    return this.#call(
      { operation: 'SearchApps', method: 'POST', path: '/api/v1/search/apps', body: request, idempotent: true },
      options,
    );
  }

  async #call<T>(call: Call, options: CallOptions = {}): Promise<T> {
    const maxAttempts = this.#options.maxAttempts ?? 3;
    let refreshedAfter401 = false;
    let token = await this.#quota.acquireInitialRetryToken('conductorOne');
    let retryDelayMs = 0;
    for (let attempt = 1; ; attempt++) {
      let error: unknown;
      try {
        const result = await this.#attempt<T>(call, options.signal);
        this.#quota.recordSuccess(token);
        return result;
      } catch (caught) {
        error = caught;
      }
      if (
        error instanceof ConductorOneApiError &&
        error.status === 401 &&
        !refreshedAfter401 &&
        this.#options.tokens.refreshable
      ) {
        // The token was revoked or expired early: fetch a new one and try once more.
        refreshedAfter401 = true;
        attempt -= 1;
        continue;
      }
      const throttled = error instanceof ConductorOneApiError && error.status === 429;
      const transient =
        (error instanceof ConductorOneApiError && error.status >= 500 && error.status !== 501) ||
        (error instanceof TransportError &&
          error.code !== 'ABORTED' &&
          error.code !== 'DEADLINE_EXCEEDED' &&
          worthRetrying(error));
      if (
        attempt >= maxAttempts ||
        !(throttled || (transient && (call.idempotent || (error instanceof TransportError && !error.sent))))
      ) {
        throw recordAttempts(error, attempt, retryDelayMs);
      }
      try {
        // The shared retry budget: a failing upstream soon gets no retries at all.
        token = await this.#quota.refreshRetryTokenForRetry(token, {
          errorType: throttled ? 'THROTTLING' : 'TRANSIENT',
        });
      } catch {
        throw recordAttempts(error, attempt, retryDelayMs);
      }
      const hinted = error instanceof ConductorOneApiError ? error.retryAfterMs : undefined;
      if (hinted !== undefined && hinted > MAX_RETRY_AFTER_MS) throw recordAttempts(error, attempt, retryDelayMs);
      const delay = Math.max(fullJitter(BACKOFF_BASE_MS, BACKOFF_CAP_MS, attempt - 1, this.#random), hinted ?? 0);
      if (!(await waitBeforeRetry(delay, { signal: options.signal, deadline: options.deadline, now: this.#now })))
        throw recordAttempts(error, attempt, retryDelayMs);
      retryDelayMs += delay;
      this.#options.onRetry?.(call.operation, 1);
    }
  }

  async #attempt<T>(call: Call, signal: AbortSignal | undefined): Promise<T> {
    const token = await this.#options.tokens.token(signal);
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      'user-agent': this.#options.userAgent,
    };
    injectTraceHeaders(headers);
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: ExchangeResponse;
    try {
      response = await exchange(this.#dispatcher, {
        origin: this.#options.origin,
        method: call.method,
        path: call.path,
        headers,
        body,
        signal,
      });
    } catch (error) {
      throw toTransportError(error, signal);
    }
    const { text } = response;
    if (response.statusCode === 401) this.#options.tokens.invalidate(token);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const responseHeaders = response.headers;
      let parsed: { code?: unknown; message?: unknown } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // not JSON: the status says enough
      }
      const code = typeof parsed?.code === 'number' || typeof parsed?.code === 'string' ? parsed.code : undefined;
      throw new ConductorOneApiError({
        status: response.statusCode,
        code,
        upstreamMessage: typeof parsed?.message === 'string' ? parsed.message.slice(0, 200) : undefined,
        operation: call.operation,
        requestId: headerOf(responseHeaders, 'x-request-id'),
        retryAfterMs: retryAfterMs(headerOf(responseHeaders, 'retry-after'), this.#now()),
      });
    }
    try {
      // Not `text.trim()`: that would copy a whole response to look at its first character.
      return (/^\s*$/.test(text) ? {} : JSON.parse(text)) as T;
    } catch (error) {
      throw new TransportError('The response body is not JSON.', {
        code: 'INVALID_RESPONSE',
        timeout: false,
        sent: true,
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }
}

/** One keep-alive pool to the tenant, shared by the token source and the API calls. */
export function createConductorOnePool(
  origin: string,
  timeouts: ConductorOneClientOptions['timeouts'],
  connections = 16,
): Pool {
  return createUpstreamPool(origin, { connections, timeouts });
}
