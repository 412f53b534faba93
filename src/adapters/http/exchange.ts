/**
 * One upstream HTTP exchange on undici's dispatch API: the request goes out as given, and the
 * response comes back as status, headers and the whole body as a string.
 *
 * It does what `dispatcher.request()` followed by `body.text()` does, at less cost per call, which
 * matters at thousands of upstream calls per second:
 * - the body is collected from undici's chunks directly, with no Readable stream in between;
 * - cancellation takes one `abort` listener per AbortSignal (per GraphQL request), not one per
 *   upstream call (`whenAborted`, src/deadlines.ts).
 * The body is bounded by {@link MAX_RESPONSE_BYTES}: a larger one fails the exchange instead of
 * being buffered.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { whenAborted } from '../../deadlines.ts';
import { toError } from '../../errors.ts';

/**
 * An upstream response larger than this fails with code `RESPONSE_TOO_LARGE`, as soon as its
 * `content-length` says so or its body passes it. The largest legitimate answers (a list page of
 * 100 items, an apps search of 100 apps) are a few hundred kilobytes; a body is parsed in one
 * synchronous `JSON.parse`, which for 32 MiB of small items blocked the process for 5.5 s.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface ExchangeRequest {
  origin: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface ExchangeResponse {
  statusCode: number;
  /** Lower-case names; a repeated header is an array. */
  headers: IncomingHttpHeaders;
  text: string;
}

/** An exchange's failure of its own (the others are undici's errors, with their codes). */
export class ResponseTooLargeError extends Error {
  readonly code = 'RESPONSE_TOO_LARGE';
  constructor() {
    super(`The upstream response is larger than ${MAX_RESPONSE_BYTES} bytes.`);
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * The signal aborted while the exchange waited for a connection (in the pool's queue, or for a
 * socket to open): nothing of the request was written, so the upstream cannot have processed it.
 * `cause` is the signal's reason.
 */
export class AbortedBeforeStartError extends Error {
  constructor(reason: Error) {
    super(`The exchange was aborted before its request was sent: ${reason.message}`, { cause: reason });
    this.name = 'AbortedBeforeStartError';
  }
}

export function exchange(dispatcher: Dispatcher, request: ExchangeRequest): Promise<ExchangeResponse> {
  const { signal } = request;
  // Aborted before it began: nothing was sent (a call counted as sent and timed out would be
  // charged to the upstream's circuit).
  if (signal?.aborted) return Promise.reject(new AbortedBeforeStartError(toError(signal.reason)));
  const { promise, resolve, reject } = Promise.withResolvers<ExchangeResponse>();
  const handler = new ExchangeHandler(resolve, reject, signal);
  try {
    dispatcher.dispatch(
      request.body === undefined
        ? { origin: request.origin, method: request.method, path: request.path, headers: request.headers }
        : {
            origin: request.origin,
            method: request.method,
            path: request.path,
            headers: request.headers,
            body: request.body,
          },
      handler,
    );
  } catch (error) {
    handler.fail(toError(error));
  }
  return promise;
}

/**
 * One exchange's state and undici's callbacks, in one object. An upstream call is made thousands
 * of times a second, and a batch of single reads keeps hundreds in flight, so the state is one
 * object with its methods on the prototype rather than a handler of closures over a scope.
 */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  readonly #resolve: (response: ExchangeResponse) => void;
  readonly #reject: (error: Error) => void;
  readonly #untrack: (() => void) | null;
  #controller: Dispatcher.DispatchController | null = null;
  #pendingAbort: Error | null = null;
  #settled = false;
  #statusCode = 0;
  #headers: IncomingHttpHeaders | null = null;
  /** The first chunk; most responses arrive in one. */
  #chunk: Buffer | null = null;
  /** Every chunk, once there is more than one. */
  #chunks: Buffer[] | null = null;
  #size = 0;

  constructor(
    resolve: (response: ExchangeResponse) => void,
    reject: (error: Error) => void,
    signal: AbortSignal | undefined,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#untrack = signal ? whenAborted(signal, (reason) => this.#abort(toError(reason))) : null;
  }

  #abort(error: Error): void {
    if (this.#controller) {
      this.#controller.abort(error);
      return;
    }
    // Not started: the request waits for a connection, which under load can take as long as the
    // calls ahead of it. The exchange fails now, as not sent, and undici drops the request when
    // its turn comes (onRequestStart), before writing any of it.
    this.#pendingAbort = error;
    this.fail(new AbortedBeforeStartError(error));
  }

  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#untrack?.();
    this.#reject(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#pendingAbort) controller.abort(this.#pendingAbort);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#statusCode = statusCode;
    this.#headers = headers;
    const declared = headers['content-length'];
    if (declared !== undefined && Number(declared) > MAX_RESPONSE_BYTES) controller.abort(new ResponseTooLargeError());
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > MAX_RESPONSE_BYTES) {
      controller.abort(new ResponseTooLargeError());
      return;
    }
    if (this.#chunk === null) this.#chunk = chunk;
    else (this.#chunks ??= [this.#chunk]).push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#untrack?.();
    const text =
      this.#chunks !== null
        ? Buffer.concat(this.#chunks, this.#size).toString('utf8')
        : this.#chunk !== null
          ? this.#chunk.toString('utf8')
          : '';
    this.#resolve({ statusCode: this.#statusCode, headers: this.#headers ?? {}, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }
}
