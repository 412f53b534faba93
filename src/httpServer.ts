/**
 * The HTTP layer on Node's own server: GraphQL at /graphql (POST, and GET for queries), liveness
 * at /healthz, readiness at /readyz. Bodies are read with a hard size limit.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, type BrotliOptions, type ZlibOptions } from 'node:zlib';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import type { Admission } from './admission.ts';
import type { Context } from './context.ts';
import { cancelledByCaller, DeadlineQueue, isDeadlineExceeded } from './deadlines.ts';
import { ERRORS } from './errors.ts';
import { createGraphiQL } from './graphiql/graphiql.ts';
import type { Logger } from './logger.ts';
import { outcomeLabel, type Metrics } from './metrics.ts';
import { createServer } from './nodeHttp.ts';
import { APPLICATION_JSON, graphqlResponseType } from './mediaTypes.ts';
import { recordRefusedRequest, withRequestSpan } from './tracing.ts';
import type { HotPath, HotRequest } from './execution/hotPath.ts';
import {
  AuthenticationError,
  AuthenticationUnavailableError,
  type Authenticator,
  type Caller,
} from './security/authenticate.ts';
import { OperationLimitError } from './security/operationLimits.ts';

export type Readiness = 'starting' | 'ready' | 'draining';

export interface HttpServerOptions {
  apollo: ApolloServer<Context>;
  /** Authenticates every GraphQL request before anything is read or executed. */
  authenticator: Authenticator;
  logger: Logger;
  maxRequestBodyBytes: number;
  /** Open client connections at most (MAX_CONNECTIONS); one beyond it is closed as it is accepted. */
  maxConnections?: number;
  /** Longest query text accepted (MAX_QUERY_LENGTH), checked before anything parses or caches it. */
  maxQueryLength: number;
  /** The deadline of every GraphQL request (REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** How long a request's headers and body may take to arrive. Default {@link REQUEST_RECEIVE_TIMEOUT_MS}. */
  receiveTimeoutMs?: number;
  /**
   * How long a response the client has not taken in full may go without progress before its
   * connection is closed. Default {@link RESPONSE_STALL_TIMEOUT_MS}.
   */
  stallTimeoutMs?: number;
  readiness: () => Readiness;
  /** Serve GraphiQL (local files only) to browsers at GET /graphql, and redirect / there. Default false. */
  graphiql?: boolean;
  /** Circuit state per upstream, shown on /readyz without affecting readiness. */
  circuits: () => Record<string, string>;
  metrics: Metrics;
  /** The cap on operations executing at once (src/admission.ts); null: none. */
  admission: Admission | null;
  /** Answers repeated operations without Apollo's pipeline (src/execution/hotPath.ts); null: off. */
  hotPath?: HotPath | null;
  createContext: (request: {
    requestId: string;
    /** The request's logger, made on first use. */
    log: () => Logger;
    signal: AbortSignal;
    deadline: number;
    caller: Caller;
    /** How long the operation waited for its turn to execute, when it had to. */
    waitedMs: number | undefined;
  }) => Context;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Response bodies up to this many UTF-16 code units are joined with their newline into one string,
 * which Node writes together with the headers in one `write`; larger ones are corked with the
 * headers and the newline into one `writev` (see serveHot). For a small
 * response the `writev` path cost about 10 µs more per request (Node copies each chunk into one
 * buffer); for a large one, joining would copy the whole body into a new string first.
 */
const SMALL_BODY = 16 * 1024;

/** How long a request's headers and body may take to arrive. */
const REQUEST_RECEIVE_TIMEOUT_MS = 30_000;

/**
 * How long a response that is written but not yet taken by its client (Node still holds part of
 * it) may go without progress: a client that stopped reading would otherwise keep its connection,
 * and the responses buffered for it, for as long as it liked.
 */
const RESPONSE_STALL_TIMEOUT_MS = 30_000;

/**
 * Closes the connection of a response its client has stopped taking: Node's socket timeout, armed
 * only for a response still buffered when its handler is done (most are handed to the kernel at
 * once, and a timeout on every connection cost each request a timer and a refresh per read and
 * write: about 20 µs of CPU on a lookup). A write the client's reading lets complete starts the
 * time again; when the response is done, Node puts the keep-alive timeout in its place. On expiry
 * Node destroys the socket (nothing listens for `timeout`).
 */
function closeIfStalled(res: ServerResponse, stallTimeoutMs: number): void {
  if (res.writableFinished) return;
  res.socket?.setTimeout(stallTimeoutMs);
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The challenge of a 401 (RFC 6750 §3): `invalid_token` when a token was sent and failed; none for a
 * request without the router's secret, which no Bearer token would cure.
 */
const CHALLENGES: Readonly<Record<AuthenticationError['problem'], Record<string, string>>> = {
  missing: { 'www-authenticate': 'Bearer' },
  invalid: { 'www-authenticate': 'Bearer error="invalid_token"' },
  router: {},
};

/** The endpoints for probes and scrapers: GET (and HEAD) only. */
const OPERATIONAL_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** The client went away before its request was read: there is no one to answer. */
class ClientClosedError extends Error {
  constructor() {
    super('The client closed the connection before its request was read.');
    this.name = 'ClientClosedError';
  }
}

/**
 * An answer given before the request's body was read (a refusal): the connection closes after it
 * instead of reading and discarding whatever the client still sends, which could be any amount,
 * unauthenticated.
 */
function closeUnlessRead(req: IncomingMessage, res: ServerResponse): void {
  // A request without a body is complete (Node marks it so only after the `request` event).
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (hasBody && !req.complete) res.shouldKeepAlive = false;
}

/** Writes a JSON answer (use the server's `sendJson`, which also closes the connection when draining). */
function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': APPLICATION_JSON,
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

/** The HTTP status of an answer, for the request's span. */
const statusOfHot = (answer: { status: number }) => answer.status;
const statusOfApollo = (answer: { status?: number | undefined }) => answer.status ?? 200;

/** The code of the first error of a refusal's body (BAD_REQUEST when there is none to read). */
function refusalCode(body: { kind: 'complete'; string: string } | { kind: 'chunked' }): string {
  if (body.kind !== 'complete') return ERRORS.BAD_REQUEST.code;
  try {
    const code = (JSON.parse(body.string) as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors?.[0]
      ?.extensions?.code;
    return typeof code === 'string' ? code : ERRORS.BAD_REQUEST.code;
  } catch {
    return ERRORS.BAD_REQUEST.code;
  }
}

/** The length of a request's query text: the JSON body's `query`, or a GET's `query` parameter. */
function queryLength(body: unknown, url: URL): number {
  const query =
    typeof body === 'object' && body !== null ? (body as { query?: unknown }).query : url.searchParams.get('query');
  return typeof query === 'string' ? query.length : 0;
}

/**
 * The longest `operationName` taken. A GraphQL name this long is not a real operation's; Apollo
 * quotes an unknown one back in its error, which every later step (formatting, logging) then handles.
 */
const MAX_OPERATION_NAME = 1024;

/** The length of a request's `operationName` (JSON body or GET parameter); 0 without one. */
function operationNameLength(body: unknown, url: URL): number {
  const name =
    typeof body === 'object' && body !== null
      ? (body as { operationName?: unknown }).operationName
      : url.searchParams.get('operationName');
  return typeof name === 'string' ? name.length : 0;
}

/** The request bodies a router may compress (Apollo Router's `traffic_shaping` `compression`). */
const DECOMPRESS: Readonly<Record<string, (data: Buffer, options: ZlibOptions & BrotliOptions) => Promise<Buffer>>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/**
 * A compressed body, decompressed to at most `limit` bytes (413 past it, whatever the compressed
 * size): 415 for an encoding not in {@link DECOMPRESS}, 400 for data that does not decompress.
 */
async function decompress(data: Buffer, encoding: string, limit: number): Promise<string> {
  const name = encoding.trim().toLowerCase();
  if (name === 'identity') return data.toString('utf8');
  const decode = DECOMPRESS[name];
  if (!decode) {
    throw new HttpError(415, 'Unsupported Content-Encoding: send the body as it is, or gzip, deflate or br.');
  }
  try {
    return (await decode(data, { maxOutputLength: limit })).toString('utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new HttpError(413, 'Request body too large.');
    throw new HttpError(400, 'The request body could not be decompressed.');
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, 'Request body too large.');
  // It may have gone while the caller was being authenticated: its `close` has fired already.
  if (req.destroyed || req.readableAborted) throw new ClientClosedError();
  // Events rather than an async iterator: most bodies arrive in one chunk, in one turn.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new HttpError(413, 'Request body too large.'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const encoding = req.headers['content-encoding'];
      if (encoding === undefined || encoding === 'identity') {
        resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
        return;
      }
      decompress(Buffer.concat(chunks), encoding, limit).then(resolve, reject);
    };
    const onError = (error: Error) => {
      cleanup();
      // Node reports a client that left mid-body as an `aborted` error (ECONNRESET).
      reject(
        req.readableAborted || (error as { code?: unknown }).code === 'ECONNRESET' ? new ClientClosedError() : error,
      );
    };
    const onClose = () => {
      cleanup();
      reject(new ClientClosedError());
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function toHeaderMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** What a GraphQL request's context is made from. */
type RequestScope = Parameters<HttpServerOptions['createContext']>[0];

/*
 * The helpers below make the closures that can outlive a request's execution (the deadline's,
 * the close listener, the lazy logger) in scopes of their own, so they hold only what they use.
 * Made inside the request handler, they would share its closure scope and keep the parsed request
 * body reachable, past the young generation's collections.
 */

/**
 * The request's deadline (one timer for all requests, src/deadlines.ts): its signal aborts
 * upstream calls when the deadline passes, or when the client goes away before the response is
 * written.
 */
function requestDeadline(res: ServerResponse, deadlines: DeadlineQueue): { signal: AbortSignal; deadline: number } {
  const request = deadlines.start();
  res.on('close', () => {
    if (res.writableFinished) request.end();
    else request.abort(new Error('client closed the connection'));
  });
  return { signal: request.signal, deadline: request.deadline };
}

/** The request's logger, made on first use: most requests never log through it (the request line has its own). */
function lazyChildLogger(logger: Logger, requestId: string): () => Logger {
  let log: Logger | undefined;
  return () => (log ??= logger.child({ requestId }));
}

export function createHttpServer(options: HttpServerOptions): Server {
  const { apollo, logger, admission } = options;
  const deadlines = new DeadlineQueue(options.requestTimeoutMs);
  // Read once here, so a missing package fails start-up rather than the first page view.
  const graphiql = options.graphiql ? createGraphiQL() : null;
  /**
   * Once the subgraph drains, every answer closes its connection, also that of a request that
   * started before: a router keeps its pooled connections open otherwise, and the drain would
   * wait for the shutdown timeout. Called where a response's headers are written.
   */
  const closeIfDraining = (res: ServerResponse) => {
    if (options.readiness() !== 'ready') res.shouldKeepAlive = false;
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    closeIfDraining(res);
    writeJson(res, status, body, headers);
  };
  const requestError = (
    res: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
    code: string = ERRORS.BAD_REQUEST.code,
  ) => sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);

  /**
   * A GraphQL request refused before it reached Apollo (unauthenticated, a method, a body or a
   * length it does not take): one log line and one count, as an executed request has.
   */
  function refused(requestId: string, status: number, code: string, startedAt: number): void {
    const labels = { operation_type: 'unknown', outcome: outcomeLabel(code) };
    options.metrics.graphqlRequests.inc(labels);
    options.metrics.graphqlDuration.observe(labels, (performance.now() - startedAt) / 1000);
    logger.info({ requestId, status, code }, 'graphql request refused');
  }

  /**
   * Refuses a GraphQL request before execution: records it ({@link refused}) and answers with one
   * error, closing the connection if the body was not read.
   */
  function refuse(
    req: IncomingMessage,
    res: ServerResponse,
    request: { requestId: string; startedAt: number },
    status: number,
    error: { message: string; code: string },
    headers: Record<string, string> = {},
  ): void {
    closeUnlessRead(req, res);
    refused(request.requestId, status, error.code, request.startedAt);
    recordRefusedRequest(req.method ?? 'GET', request.requestId, req.headers, request.startedAt, status, error.code);
    // As Apollo answers: the negotiated JSON type, and never stored.
    const answer = {
      'content-type': graphqlResponseType(req.headers.accept) ?? APPLICATION_JSON,
      'cache-control': 'private, no-store',
      ...headers,
    };
    requestError(res, status, error.message, answer, error.code);
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const startedAt = performance.now();
    const method = req.method ?? 'GET';
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    res.setHeader('x-request-id', requestId);
    const scope = { requestId, startedAt };
    if (method !== 'GET' && method !== 'POST') {
      refuse(
        req,
        res,
        scope,
        405,
        { message: 'Use GET or POST for /graphql.', code: ERRORS.BAD_REQUEST.code },
        { allow: 'GET, POST' },
      );
      return;
    }
    // Refused before anything runs: Apollo would compare the types only after executing the
    // operation (a mutation included), then answer 406 all the same.
    if (graphqlResponseType(req.headers.accept) === null) {
      refuse(req, res, scope, 406, {
        message: `An 'accept' header was provided for this request which does not accept application/json or application/graphql-response+json`,
        code: ERRORS.BAD_REQUEST.code,
      });
      return;
    }

    // The deadline runs from the request's arrival, so that checking the caller's token (a key set
    // fetched for up to 5 s) and reading the body count against it: a router times the request
    // from when it sent it. A caller still waiting for the key set at its deadline is answered 503.
    const deadline = requestDeadline(res, deadlines);
    let caller: Caller;
    try {
      caller = await options.authenticator.authenticate(req.headers, deadline.signal);
    } catch (error) {
      if (error instanceof AuthenticationUnavailableError) {
        // Its client left while the key set was being fetched: there is no one to answer.
        if (cancelledByCaller(deadline.signal)) throw new ClientClosedError();
        // Each failed fetch of the key set is logged where it fails (once, not once per request).
        const { message } = ERRORS.AUTHENTICATION_UNAVAILABLE.err();
        refuse(req, res, scope, 503, { message, code: ERRORS.AUTHENTICATION_UNAVAILABLE.code }, { 'retry-after': '5' });
        return;
      }
      if (!(error instanceof AuthenticationError)) throw error;
      // The body is never read.
      refuse(
        req,
        res,
        scope,
        401,
        { message: error.message, code: ERRORS.UNAUTHENTICATED.code },
        CHALLENGES[error.problem],
      );
      return;
    }

    const contentType = req.headers['content-type'] ?? '';
    let raw: string | undefined;
    if (method === 'POST') {
      try {
        raw = await readBody(req, options.maxRequestBodyBytes);
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        refuse(req, res, scope, error.status, { message: error.message, code: ERRORS.BAD_REQUEST.code });
        return;
      }
    }

    const request: RequestScope = {
      requestId,
      log: lazyChildLogger(logger, requestId),
      ...deadline,
      caller,
      waitedMs: undefined,
    };
    if (!admission) return parseAndExecute(req, res, url, contentType, raw, request, startedAt);
    // The deadline runs while the operation waits for its turn (src/admission.ts). A waiting
    // request holds its body's text; it is parsed when the turn comes.
    if (!admission.tryEnter()) {
      const turn = admission.wait(raw?.length ?? url.search.length);
      if (turn === null) {
        shed(req, res, request, startedAt, 'queue_full');
        return;
      }
      const waitStarted = performance.now();
      await turn;
      request.waitedMs = Math.round((performance.now() - waitStarted) * 10) / 10;
      if (request.signal.aborted) {
        admission.leave();
        shed(req, res, request, startedAt, 'deadline');
        return;
      }
    }
    try {
      await parseAndExecute(req, res, url, contentType, raw, request, startedAt);
    } finally {
      admission.leave();
    }
  }

  /** Parses the body read (`raw`; undefined for a GET), checks its lengths, and executes it. */
  function parseAndExecute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    contentType: string,
    raw: string | undefined,
    request: RequestScope,
    startedAt: number,
  ): Promise<void> | undefined {
    const scope = { requestId: request.requestId, startedAt };
    let body: unknown = raw;
    if (raw !== undefined && /^application\/(?:graphql-response\+)?json\b/i.test(contentType)) {
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        refuse(req, res, scope, 400, { message: 'The request body is not valid JSON.', code: ERRORS.BAD_REQUEST.code });
        return;
      }
    }
    if (queryLength(body, url) > options.maxQueryLength) {
      const { message } = new OperationLimitError('length');
      refuse(req, res, scope, 400, { message, code: ERRORS.REQUEST_LIMIT_EXCEEDED.code });
      return;
    }
    if (operationNameLength(body, url) > MAX_OPERATION_NAME) {
      refuse(req, res, scope, 400, {
        message: `operationName is longer than ${MAX_OPERATION_NAME} characters.`,
        code: ERRORS.BAD_REQUEST.code,
      });
      return;
    }
    return execute(req, res, url, contentType, body, request, startedAt);
  }

  function execute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    contentType: string,
    body: unknown,
    request: RequestScope,
    startedAt: number,
  ): Promise<void> {
    const hot = req.method === 'POST' ? (options.hotPath?.match(contentType, body, req.headers) ?? null) : null;
    if (hot) return serveHot(req, res, hot, request);
    return serveApollo(req, res, url, body, request, startedAt);
  }

  /**
   * A request that will not execute: the waiting list was full when it arrived (`queue_full`), or
   * its signal aborted while it waited for its turn (`deadline`). When its client went away there
   * is no one to answer. Otherwise the subgraph is saturated, so it answers 503 with
   * `Retry-After`: nothing ran, so a router or client may retry.
   */
  function shed(
    req: IncomingMessage,
    res: ServerResponse,
    request: RequestScope,
    startedAt: number,
    reason: 'deadline' | 'queue_full',
  ): void {
    if (reason === 'deadline' && !isDeadlineExceeded(request.signal.reason)) {
      // The client went away: no answer, but the request is counted and logged as any cancelled one.
      const labels = { operation_type: 'unknown', outcome: 'cancelled' };
      options.metrics.graphqlRequests.inc(labels);
      options.metrics.graphqlDuration.observe(labels, (performance.now() - startedAt) / 1000);
      logger.info(
        { requestId: request.requestId, code: ERRORS.REQUEST_CANCELLED.code, waitedMs: request.waitedMs },
        'graphql request cancelled: its client went away while it waited for a turn to execute',
      );
      recordRefusedRequest(
        req.method ?? 'POST',
        request.requestId,
        req.headers,
        startedAt,
        null,
        ERRORS.REQUEST_CANCELLED.code,
      );
      return;
    }
    options.metrics.operationsShed.inc({ reason });
    if (reason === 'deadline') {
      request
        .log()
        .warn(
          { waitedMs: request.waitedMs },
          'request shed: its deadline passed while it waited for a turn to execute',
        );
    } else {
      request
        .log()
        .warn(
          { waiting: admission!.waiting, waitingBytes: admission!.waitingBytes },
          'request shed: every turn was taken and the waiting list was full',
        );
    }
    const { message } = ERRORS.OVERLOADED.err();
    refuse(
      req,
      res,
      { requestId: request.requestId, startedAt },
      503,
      { message, code: ERRORS.OVERLOADED.code },
      {
        'retry-after': '1',
      },
    );
  }

  /** A repeated operation, answered by the hot path (src/execution/hotPath.ts). */
  async function serveHot(req: IncomingMessage, res: ServerResponse, hot: HotRequest, request: RequestScope) {
    const startedAt = performance.now();
    const response = await withRequestSpan(
      'POST',
      request.requestId,
      req.headers,
      () => options.hotPath!.execute(hot, options.createContext(request), startedAt),
      statusOfHot,
    );
    closeIfDraining(res);
    res.writeHead(response.status, {
      'content-type': APPLICATION_JSON,
      // Authorization and credential data: never stored by a browser, a proxy or a router's cache.
      'cache-control': 'private, no-store',
      'content-length': Buffer.byteLength(response.json) + 1,
    });
    // Headers, body and newline in one write: a small body joined with them (Node prepends the
    // headers to a string body), a large one corked with them.
    if (response.json.length <= SMALL_BODY) {
      res.end(`${response.json}\n`);
    } else {
      res.cork();
      res.write(response.json);
      res.end('\n');
      res.uncork();
    }
  }

  /** Everything else, through Apollo Server's pipeline. */
  async function serveApollo(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: unknown,
    request: RequestScope,
    startedAt: number,
  ): Promise<void> {
    let context: Context | undefined;
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method ?? 'GET',
      headers: toHeaderMap(req),
      search: url.search,
      body,
    };
    const response = await withRequestSpan(
      httpGraphQLRequest.method,
      request.requestId,
      req.headers,
      () =>
        apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest,
          context: async () => (context = options.createContext(request)),
        }),
      statusOfApollo,
    );
    // Apollo records every request it executes (src/apollo.ts); one it refuses before that (CSRF
    // prevention, a batch) is recorded here.
    if (!context?.recording.done && (response.status ?? 200) >= 400) {
      refused(request.requestId, response.status!, refusalCode(response.body), startedAt);
    }
    closeIfDraining(res);
    res.statusCode = response.status ?? 200;
    for (const [name, value] of response.headers) res.setHeader(name, value);
    // Authorization and credential data: never stored by a browser, a proxy or a router's cache.
    res.setHeader('cache-control', 'private, no-store');
    if (response.body.kind === 'complete') {
      // With a length, Node writes headers and body at once instead of as chunks.
      res.setHeader('content-length', Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = URL.parse(req.url ?? '/', 'http://localhost');
    if (url === null) {
      // A request target the URL parser refuses (`http://[/…`): a client error, and nothing of it
      // is logged, since it may carry a token in its query.
      closeUnlessRead(req, res);
      logger.info({ status: 400, code: ERRORS.BAD_REQUEST.code }, 'request refused: the request target is not a URL');
      requestError(res, 400, 'The request target is not a valid URL.', {}, ERRORS.BAD_REQUEST.code);
      return;
    }
    if (graphiql?.handle(req, res, url)) return;
    if (OPERATIONAL_PATHS.has(url.pathname) && req.method !== 'GET' && req.method !== 'HEAD') {
      closeUnlessRead(req, res);
      sendJson(res, 405, { error: `Use GET for ${url.pathname}.` }, { allow: 'GET, HEAD' });
      return;
    }
    switch (url.pathname) {
      case '/healthz':
        sendJson(res, 200, { status: 'ok' });
        return;
      case '/readyz': {
        const state = options.readiness();
        sendJson(res, state === 'ready' ? 200 : 503, { status: state, upstreams: options.circuits() });
        return;
      }
      case '/metrics': {
        const text = await options.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
        return;
      }
      case '/graphql':
        await handleGraphQL(req, res, url);
        return;
      default:
        closeUnlessRead(req, res);
        sendJson(res, 404, { error: 'Not found. GraphQL is served at /graphql.' });
    }
  }

  const receiveTimeoutMs = options.receiveTimeoutMs ?? REQUEST_RECEIVE_TIMEOUT_MS;
  // Node checks the receive timeouts of every connection this often (30 s by default, which let a
  // slow request live up to twice the timeout): a sixth of the timeout, 5 s for the default.
  const connectionsCheckingInterval = Math.max(100, Math.min(5_000, Math.round(receiveTimeoutMs / 6)));
  const stallTimeoutMs = options.stallTimeoutMs ?? RESPONSE_STALL_TIMEOUT_MS;
  const server = createServer({ connectionsCheckingInterval }, (req, res) => {
    closeIfDraining(res);
    handle(req, res).then(closeIfStalled.bind(null, res, stallTimeoutMs), (error: unknown) => {
      if (error instanceof ClientClosedError) {
        logger.debug('the client closed the connection before its request was read');
        res.destroy();
        return;
      }
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) {
        closeUnlessRead(req, res);
        requestError(res, 500, 'Internal server error.', {}, ERRORS.INTERNAL_SERVER_ERROR.code);
      } else res.destroy();
    });
  });
  server.on('close', () => deadlines.close());
  if (options.maxConnections !== undefined) {
    // Node closes a connection beyond it as soon as it is accepted, before reading anything.
    server.maxConnections = options.maxConnections;
    server.on('drop', () => options.metrics.connectionsDropped.inc());
  }
  // Above the idle pool time of routers (Apollo Router closes idle connections after 5 s; others up to 60 s).
  server.keepAliveTimeout = 65_000;
  // A request's headers and body must arrive within this (Node's default is 5 minutes): a client
  // that sends slowly cannot hold a connection longer. It is cut at most a checking interval later
  // (above): after 30 to 35 s by default. The headers timeout
  // is below the keep-alive timeout on purpose: since Node 18 it runs from a request's first byte,
  // not while the connection idles, so the old advice to keep it above the keep-alive timeout no
  // longer applies.
  server.requestTimeout = receiveTimeoutMs;
  server.headersTimeout = receiveTimeoutMs;
  return server;
}
