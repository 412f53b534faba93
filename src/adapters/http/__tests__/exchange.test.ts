import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AbortedBeforeStartError, exchange, MAX_RESPONSE_BYTES, ResponseTooLargeError } from '../exchange.ts';
import { toTransportError } from '../transport.ts';
import { createUpstreamPool } from '../pool.ts';

let server: Server;
let origin: string;
let pool: Pool;
const received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
  switch (req.url) {
    case '/echo':
      res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'r-1', 'set-cookie': ['a=1', 'b=2'] });
      res.end(JSON.stringify({ method: req.method, body }));
      return;
    case '/chunked':
      // Many chunks, multi-byte characters split across them.
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 50; i += 1) res.write(Buffer.from('é'.repeat(1000)).subarray(0, 1999 + (i % 2)));
      res.end();
      return;
    case '/declared-huge':
      // Says it will send more than the limit, then sends nothing: refused on the header alone.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_RESPONSE_BYTES + 1) });
      res.flushHeaders();
      return;
    case '/empty':
      res.writeHead(204);
      res.end();
      return;
    case '/huge': {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent <= MAX_RESPONSE_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    case '/slow':
      setTimeout(() => res.end('late'), 5_000).unref();
      return;
    case '/late': {
      // Headers after 3 s, on a connection the client may already have given up on.
      const timer = setTimeout(() => res.end('late'), 3_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    case '/trickle': {
      // Ten chunks 100 ms apart: a second in all, never more than 100 ms between two.
      res.writeHead(200, { 'content-type': 'text/plain' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(String(sent));
        if (++sent === 10) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case '/stall': {
      // One chunk, then nothing for 5 s.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first');
      const timer = setTimeout(() => res.end('rest'), 5_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    default:
      res.writeHead(404);
      res.end('no');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  pool = new Pool(origin, { connections: 4 });
});

afterAll(async () => {
  await pool.close();
  server.closeAllConnections();
  server.close();
});

describe('exchange', () => {
  it('sends method, path, headers and body; returns status, lower-case headers and the whole body', async () => {
    const response = await exchange(pool, {
      origin,
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/json', 'x-trace': 't-1' },
      body: '{"ünïcode":"✓"}',
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers['x-request-id']).toBe('r-1');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(JSON.parse(response.text)).toEqual({ method: 'POST', body: '{"ünïcode":"✓"}' });
    expect(received.at(-1)!.headers['x-trace']).toBe('t-1');
  });

  it('joins a body sent in many chunks, characters split across chunks included', async () => {
    const response = await exchange(pool, { origin, method: 'GET', path: '/chunked', headers: {} });
    const expected = Array.from({ length: 50 }, (_, i) => Buffer.from('é'.repeat(1000)).subarray(0, 1999 + (i % 2)));
    expect(response.text).toBe(Buffer.concat(expected).toString('utf8'));
  });

  it('answers an empty body as the empty string', async () => {
    const response = await exchange(pool, { origin, method: 'GET', path: '/empty', headers: {} });
    expect(response).toMatchObject({ statusCode: 204, text: '' });
  });

  it(`fails a response larger than ${MAX_RESPONSE_BYTES} bytes instead of buffering it`, async () => {
    await expect(exchange(pool, { origin, method: 'GET', path: '/huge', headers: {} })).rejects.toBeInstanceOf(
      ResponseTooLargeError,
    );
  });

  it('fails a response whose content-length is over the limit as soon as its headers arrive', async () => {
    await expect(exchange(pool, { origin, method: 'GET', path: '/declared-huge', headers: {} })).rejects.toBeInstanceOf(
      ResponseTooLargeError,
    );
  });

  it('rejects at once, sending nothing, when the signal has already aborted', async () => {
    const before = received.length;
    const controller = new AbortController();
    const reason = new DOMException('deadline', 'TimeoutError');
    controller.abort(reason);
    // As not sent (the upstream cannot have processed it), with the signal's reason as its cause.
    const failure = exchange(pool, { origin, method: 'GET', path: '/echo', headers: {}, signal: controller.signal });
    await expect(failure).rejects.toBeInstanceOf(AbortedBeforeStartError);
    await expect(failure).rejects.toMatchObject({ cause: reason });
    expect(received.length).toBe(before);
  });

  it('aborts every in-flight exchange of a signal with one listener, and leaves the others alone', async () => {
    const controller = new AbortController();
    let listeners = 0;
    const addEventListener = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof addEventListener>) => {
      listeners += 1;
      addEventListener(...args);
    }) as typeof addEventListener;
    const slow = [1, 2, 3].map(() =>
      exchange(pool, { origin, method: 'GET', path: '/slow', headers: {}, signal: controller.signal }),
    );
    const other = exchange(pool, { origin, method: 'GET', path: '/echo', headers: {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reason = new Error('client closed the connection');
    const started = performance.now();
    controller.abort(reason);
    for (const call of slow) await expect(call).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(listeners).toBe(1);
    expect((await other).statusCode).toBe(201);
  });

  it('completed exchanges are not aborted later by their signal', async () => {
    const controller = new AbortController();
    const response = await exchange(pool, {
      origin,
      method: 'GET',
      path: '/echo',
      headers: {},
      signal: controller.signal,
    });
    controller.abort(new Error('late'));
    expect(response.statusCode).toBe(201);
  });
});

describe("a pool's headers and body timeouts", () => {
  const timeouts = { connectMs: 1_000, headersMs: 300, bodyMs: 300 };
  // One connection, so that a test can see what happens to it.
  let onePool: Pool;
  beforeEach(() => {
    onePool = createUpstreamPool(origin, { connections: 1, timeouts });
  });
  afterEach(() => onePool.close());
  /** The exchange, and a promise of how long after this call it settled. */
  const timed = (call: Promise<unknown>) => {
    const started = performance.now();
    const settle = () => performance.now() - started;
    return { call, elapsed: call.then(settle, settle) };
  };

  it('fails an exchange whose headers do not come in time, and the connection with it', async () => {
    const { call: late, elapsed } = timed(exchange(onePool, { origin, method: 'GET', path: '/late', headers: {} }));
    await expect(late).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    // The timeout, not the server's answer at 3 s. (undici checks its timers every half second,
    // so a 300 ms timeout fires after 0.5-1 s.)
    expect(await elapsed).toBeLessThan(2_000);
    // The one connection was closed with it: the next exchange is not answered with 'late'.
    const next = await exchange(onePool, { origin, method: 'POST', path: '/echo', headers: {}, body: 'x' });
    expect(JSON.parse(next.text)).toEqual({ method: 'POST', body: 'x' });
  });

  it('fails a body that stalls longer than the body timeout between two chunks', async () => {
    const { call: stalled, elapsed } = timed(exchange(onePool, { origin, method: 'GET', path: '/stall', headers: {} }));
    await expect(stalled).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
    // The timeout, not the rest of the body at 5 s.
    expect(await elapsed).toBeLessThan(2_000);
  });

  it('lets a body take longer than the body timeout in all, when no gap is that long', async () => {
    const started = performance.now();
    const response = await exchange(onePool, { origin, method: 'GET', path: '/trickle', headers: {} });
    expect(response.text).toBe('0123456789');
    expect(performance.now() - started).toBeGreaterThan(900);
  });

  it('fails at once, as not sent, an exchange whose signal aborts while it waits for a connection', async () => {
    // The one connection is busy for a second; the echo queued behind it is given up at 100 ms.
    const before = received.length;
    const first = exchange(onePool, { origin, method: 'GET', path: '/trickle', headers: {} });
    const controller = new AbortController();
    const { call: queued, elapsed } = timed(
      exchange(onePool, {
        origin,
        method: 'POST',
        path: '/echo',
        headers: {},
        body: 'never sent',
        signal: controller.signal,
      }),
    );
    setTimeout(() => controller.abort(new DOMException('deadline', 'TimeoutError')), 100);
    await expect(queued).rejects.toBeInstanceOf(AbortedBeforeStartError);
    // At its abort, not when the busy connection frees up (1 s).
    expect(await elapsed).toBeLessThan(900);
    expect(toTransportError(await queued.catch((e: unknown) => e), controller.signal)).toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      timeout: true,
      sent: false,
    });
    // The connection finishes its exchange; the dropped request never reaches the server, and the
    // pool serves the next one.
    expect((await first).text).toBe('0123456789');
    expect(
      (await exchange(onePool, { origin, method: 'POST', path: '/echo', headers: {}, body: 'z' })).statusCode,
    ).toBe(201);
    expect(received.slice(before).map((r) => r.body)).toEqual(['', 'z']);
  });

  it('does not time an exchange while it waits for a connection', async () => {
    // One connection, held by a trickle for a second; the echo behind it waits longer than the
    // headers timeout for its turn, and is then answered at once.
    const first = exchange(onePool, { origin, method: 'GET', path: '/trickle', headers: {} });
    const queued = exchange(onePool, { origin, method: 'POST', path: '/echo', headers: {}, body: 'y' });
    expect((await first).text).toBe('0123456789');
    expect((await queued).statusCode).toBe(201);
  });
});
