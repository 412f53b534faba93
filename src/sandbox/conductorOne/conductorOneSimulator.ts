/**
 * A local HTTP simulator of the ConductorOne API the subgraph calls: the token endpoint with the
 * Ed25519 client-assertion grant, and GetCredentials, GetConnector and SearchApps over the seed, in
 * ConductorOne's protobuf-JSON wire shapes (conductorone-api.md). The sandbox points the real client
 * at it; tests also queue faults, add latency, move its clock and expire its tokens. Built like the
 * AWS simulator (`../aws/awsSimulator.ts`), with the same hooks.
 */
import { createPause } from '../simulatorKit.ts';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallCounter } from '../callCounter.ts';
import { createServer } from '../../nodeHttp.ts';
import { createApiRoutes } from './apiRoutes.ts';
import { createFaultQueue, faultResponse } from './faults.ts';
import type {
  ConductorOneLoggedOperation,
  ConductorOneRequestRecord,
  ConductorOneResponseRecord,
  ConductorOneSimulator,
  ConductorOneSimulatorOptions,
} from './simulatorTypes.ts';
import { TokenAuthority } from './tokenAuthority.ts';
import { apiError, codeValue, matchRequest, oauthError, type ErrorCodeStyle, type SimResponse } from './wire.ts';

export type * from './simulatorTypes.ts';
export type {
  ConductorOneFault,
  ErrorFault,
  HangFault,
  ResetFault,
  SlowBodyFault,
  ThrottleFault,
  UnauthorizedFault,
} from './faults.ts';
export type { ErrorCodeStyle } from './wire.ts';

const MAX_BODY_BYTES = 1024 * 1024;
const LOG_SIZE = 500;
const SLOW_CHUNK_BYTES = 16;
const DEFAULT_AUDIENCE = '127.0.0.1';
const DEFAULT_TTL_SECONDS = 600;

/** Starts the simulator on 127.0.0.1. */
export async function startConductorOneSimulator(
  options: ConductorOneSimulatorOptions,
): Promise<ConductorOneSimulator> {
  const initial = {
    clock: options.now ?? (() => new Date()),
    ttl: checkTtl(options.accessTokenTtlSeconds ?? DEFAULT_TTL_SECONDS),
    style: options.errorCodeStyle ?? ('numeric' as ErrorCodeStyle),
  };
  let { clock, ttl, style } = initial;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const authority = new TokenAuthority(options.clients);
  const api = createApiRoutes(options.seed);
  const calls = new CallCounter();
  const requests: ConductorOneRequestRecord[] = [];
  const responses: ConductorOneResponseRecord[] = [];
  const faults = createFaultQueue();
  const latency = new Map<string, number>();
  const closing = new AbortController();

  /** Waits, unless the simulator closes first; `false` then. */
  const pause = createPause(closing.signal);

  const send = async (
    res: ServerResponse,
    response: SimResponse,
    ids: { operation: ConductorOneLoggedOperation; requestId: string },
    chunkDelayMs?: number,
  ): Promise<void> => {
    if (res.destroyed || res.headersSent) return;
    bounded(responses, { ...ids, status: response.status, errorCode: response.errorCode });
    const json = response.raw === undefined && response.body !== undefined;
    const payload = Buffer.from(response.raw ?? (json ? JSON.stringify(response.body) : ''));
    res.writeHead(response.status, {
      ...(json ? { 'content-type': 'application/json' } : {}),
      date: clock().toUTCString(),
      'x-request-id': ids.requestId,
      'content-length': String(payload.length),
      ...response.headers,
    });
    if (chunkDelayMs === undefined) {
      res.end(payload);
      return;
    }
    for (let i = 0; i < payload.length; i += SLOW_CHUNK_BYTES) {
      if (i > 0 && !(await pause(chunkDelayMs))) return;
      if (res.destroyed) return;
      res.write(payload.subarray(i, i + SLOW_CHUNK_BYTES));
    }
    res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const match = matchRequest(method, rawPath, rawQuery);
    const operation: ConductorOneLoggedOperation =
      match.kind === 'route' ? match.operation : match.kind === 'redirect' ? 'Redirect' : 'UnknownOperation';
    const ids = { operation, requestId };

    const body = await readBody(req);
    bounded(requests, {
      operation,
      method,
      path: rawPath,
      query: Object.fromEntries([...new URLSearchParams(rawQuery)].reverse()),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      ),
      body: body ?? '',
      receivedAt: Date.now(),
      requestId,
    });
    // Counted whatever happens next: a refused request still reached the service.
    calls.record(operation);
    if (body === undefined) {
      res.setHeader('connection', 'close');
      const message = 'request body exceeds 1 MB';
      const tooLarge =
        operation === 'Token'
          ? oauthError(413, 'invalid_request', message)
          : apiError(413, codeValue('RESOURCE_EXHAUSTED', style), message);
      return send(res, tooLarge, ids);
    }
    if (!(await pause(latency.get(operation) ?? latency.get('*') ?? 0))) return;

    switch (match.kind) {
      case 'badPath':
        return send(res, apiError(400, codeValue('INVALID_ARGUMENT', style), 'invalid percent-encoding in path'), ids);
      case 'redirect':
        return send(res, { status: 301, headers: { location: match.location } }, ids);
      case 'unknown':
        return send(res, apiError(404, codeValue('NOT_FOUND', style), `no route for ${method} ${rawPath}`), ids);
      case 'route':
        break;
    }

    const now = clock();
    let clientId = '';
    if (match.operation === 'Token') {
      const verdict = authority.authenticate(req.headers, body, audience, now);
      if (!verdict.ok) return send(res, verdict.response, ids);
      clientId = verdict.clientId;
    } else {
      const verdict = authority.checkBearer(req.headers.authorization, now, style);
      if (!verdict.ok) return send(res, verdict.response, ids);
    }

    const fault = faults.take(match.operation);
    if (fault?.kind === 'hang') return; // the socket stays open until the client or close() ends it
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'error' || fault?.kind === 'throttle' || fault?.kind === 'unauthorized') {
      return send(res, faultResponse(fault, match.operation === 'Token' ? 'token' : 'api', style), ids);
    }
    let response: SimResponse;
    try {
      response =
        match.operation === 'Token'
          ? authority.issue(clientId, ttl, clock())
          : api[match.operation]({ params: match.params, body, now: clock(), style });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      response = apiError(500, codeValue('INTERNAL', style), message);
    }
    if (fault?.kind === 'edit' && response.status < 300 && response.body !== undefined) {
      response = { ...response, body: fault.edit(structuredClone(response.body)) };
    }
    return send(res, response, ids, fault?.kind === 'slowBody' ? fault.chunkDelayMs : undefined);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    audience,
    calls,
    requests,
    responses,
    issuedTokens: () => authority.issued,
    secretSubmissions: () => authority.secretSubmissions,
    inject: (operation, fault) => faults.add(operation, fault),
    setLatency(ms, operation) {
      latency.set(operation ?? '*', ms);
    },
    setClock(now) {
      clock = now;
    },
    setAccessTokenTtl(seconds) {
      ttl = checkTtl(seconds);
    },
    expireAllTokens: () => authority.expireAll(),
    setClients: (clients) => authority.setClients(clients),
    setErrorCodeStyle(next) {
      style = next;
    },
    reset() {
      faults.clear();
      latency.clear();
      calls.reset();
      authority.resetCounters();
      authority.setClients(options.clients);
      requests.length = 0;
      responses.length = 0;
      ({ clock, ttl, style } = initial);
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function checkTtl(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new RangeError('An access-token lifetime is whole seconds, ≥ 0.');
  return seconds;
}

function bounded<T>(log: T[], entry: T): void {
  log.push(entry);
  if (log.length > LOG_SIZE) log.splice(0, log.length - LOG_SIZE);
}

/** Reads the body as UTF-8; `undefined` when it exceeds 1 MB (the rest is drained unread). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}
