/**
 * A local HTTP simulator of the AWS IoT Managed Integrations and AWS AppFabric operations the
 * subgraph calls, speaking restJson1 and verifying SigV4 like the real services. The sandbox points
 * the real AWS clients at it; tests also queue faults, add latency and move its clock.
 *
 * Both services share one server on 127.0.0.1: their paths do not overlap, and each route checks
 * that the credential scope names its own service.
 */
import { createPause } from '../simulatorKit.ts';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallCounter } from '../callCounter.ts';
import { createServer } from '../../nodeHttp.ts';
import { AppFabricState, createAppFabricRoutes } from './appFabricRoutes.ts';
import { createFaultQueue, faultResponse, runsFirst } from './faults.ts';
import { createImiRoutes } from './imiRoutes.ts';
import { errorResponse, matchRoute, parseQuery, SERVICES, type ServiceKey, type SimResponse } from './restJson.ts';
import { parseAuthorization, verifySigV4 } from './sigv4Verifier.ts';
import type {
  AwsSimulator,
  AwsSimulatorOptions,
  SimulatorCredential,
  SimulatorRequestRecord,
  SimulatorResponseRecord,
} from './simulatorTypes.ts';

export type * from './simulatorTypes.ts';
export type { SimulatorFault } from './faults.ts';
export type { ServiceKey } from './restJson.ts';

const MAX_BODY_BYTES = 1024 * 1024;
const LOG_SIZE = 500;
const SLOW_CHUNK_BYTES = 16;
const SIGNING_NAMES = new Map(Object.entries(SERVICES).map(([key, info]) => [info.signingName, key as ServiceKey]));

/** Starts the simulator on 127.0.0.1. */
export async function startAwsSimulator(options: AwsSimulatorOptions): Promise<AwsSimulator> {
  let clock = options.now ?? (() => new Date());
  const credentialMap = (list: readonly SimulatorCredential[]) => new Map(list.map((c) => [c.accessKeyId, { ...c }]));
  let credentials = credentialMap(options.credentials);
  const appFabric = new AppFabricState(options.seed.appFabric);
  const routes = [...createImiRoutes(options.seed.iotManagedIntegrations), ...createAppFabricRoutes(appFabric)];
  const calls = { iotManagedIntegrations: new CallCounter(), appFabric: new CallCounter() };
  const requests: SimulatorRequestRecord[] = [];
  const responses: SimulatorResponseRecord[] = [];
  const faults = createFaultQueue();
  const latency = new Map<string, number>();
  const closing = new AbortController();

  /** Waits, unless the simulator closes first; `false` then. */
  const pause = createPause(closing.signal);

  const send = async (
    res: ServerResponse,
    response: SimResponse,
    ids: { operation: string; requestId: string },
    chunkDelayMs?: number,
  ): Promise<void> => {
    if (res.destroyed || res.headersSent) return;
    const requestId = ids.requestId;
    bounded(responses, { ...ids, status: response.status, errorType: errorTypeOf(response) });
    const payload = Buffer.from(response.body === undefined ? '' : JSON.stringify(response.body));
    res.writeHead(response.status, {
      'content-type': 'application/json',
      date: clock().toUTCString(),
      'x-amzn-requestid': requestId,
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
    const query = parseQuery(q === -1 ? '' : url.slice(q + 1));
    const match = matchRoute(routes, method, rawPath);
    const operation = match?.route.operation ?? 'UnknownOperation';
    const service = match?.route.service ?? serviceFromScope(req.headers.authorization);

    const body = await readBody(req);
    const ids = { operation, requestId };
    bounded(requests, {
      service: match?.route.service,
      operation,
      method,
      path: rawPath,
      query: Object.fromEntries([...query].map(([key, values]) => [key, values[0]!])),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      ),
      body: body ?? '',
      receivedAt: Date.now(),
    });
    // Counted whatever happens next: a refused signature still reached the service.
    if (match) calls[match.route.service].record(operation);
    if (body === undefined) {
      const tooLarge = errorResponse(service, {
        status: 413,
        type: 'RequestEntityTooLargeException',
        message: 'Request body exceeds 1 MB.',
      });
      res.setHeader('connection', 'close');
      return send(res, tooLarge, ids);
    }
    if (!(await pause(latency.get(operation) ?? latency.get('*') ?? 0))) return;

    const verdict = verifySigV4(
      { method, url, headers: req.headersDistinct, body },
      {
        credentials: (id) => credentials.get(id),
        service: SERVICES[service].signingName,
        region: options.region,
        now: clock(),
      },
    );
    if (!verdict.ok) {
      return send(res, errorResponse(service, { status: 403, type: verdict.errorType, message: verdict.message }), ids);
    }
    if (!match) {
      const unknown = {
        status: 404,
        headers: { 'x-amzn-errortype': 'UnknownOperationException' },
        body: { message: `No operation matches ${method} ${rawPath}.` },
      };
      return send(res, unknown, ids);
    }

    const fault = faults.take(operation);
    // A hang keeps the socket open until the client or close() ends it.
    if (fault?.kind === 'hang' && !runsFirst(fault)) return;
    if (fault?.kind === 'reset' && !runsFirst(fault)) {
      req.socket.destroy();
      return;
    }
    if ((fault?.kind === 'error' || fault?.kind === 'throttle') && !runsFirst(fault)) {
      return send(res, faultResponse(match.route.service, fault), ids);
    }
    let response: SimResponse;
    try {
      response = match.route.handle({ labels: match.labels, query, body, now: clock() });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      response = errorResponse(match.route.service, { status: 500, type: 'InternalServerException', message });
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'error') return send(res, faultResponse(match.route.service, fault), ids);
    if (fault?.kind === 'edit' && response.status < 300) {
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
    region: options.region,
    calls,
    requests,
    responses,
    inject: (operation, fault) => faults.add(operation, fault),
    setLatency(ms, operation) {
      latency.set(operation ?? '*', ms);
    },
    setClock(now) {
      clock = now;
    },
    setCredentials(list) {
      credentials = credentialMap(list);
    },
    resetCredentials() {
      credentials = credentialMap(options.credentials);
    },
    reset() {
      faults.clear();
      latency.clear();
      calls.iotManagedIntegrations.reset();
      calls.appFabric.reset();
      requests.length = 0;
      responses.length = 0;
    },
    resetState: () => appFabric.reset(),
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function bounded<T>(log: T[], entry: T): void {
  log.push(entry);
  if (log.length > LOG_SIZE) log.splice(0, log.length - LOG_SIZE);
}

/** The undecorated error name an answer carries, wherever it carries it. */
function errorTypeOf(response: SimResponse): string | undefined {
  const header = response.headers?.['x-amzn-errortype'];
  if (header !== undefined) return header.split(':')[0];
  const body = (response.body ?? {}) as { code?: unknown; __type?: unknown };
  if (typeof body.code === 'string') return body.code;
  if (typeof body.__type === 'string') return body.__type.slice(body.__type.indexOf('#') + 1);
  return undefined;
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

/** For a path no route knows: the service the credential scope names, so the error reads as that service's. */
function serviceFromScope(authorization: string | undefined): ServiceKey {
  const auth = authorization === undefined ? undefined : parseAuthorization(authorization);
  return (typeof auth === 'object' ? SIGNING_NAMES.get(auth.service) : undefined) ?? 'appFabric';
}
