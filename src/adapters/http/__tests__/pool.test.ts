import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exchange } from '../exchange.ts';
import { createUpstreamPool, Pool } from '../pool.ts';

const TIMEOUTS = { connectMs: 2_000, headersMs: 2_000, bodyMs: 2_000 };

/**
 * The protocols a TLS ClientHello offers by ALPN (RFC 7301), read from the first record a client
 * sends: record header, handshake header, version, random, session id, cipher suites, compression
 * methods, then the extensions, of which ALPN is type 16.
 */
function offeredAlpn(hello: Buffer): string[] {
  let at = 5 + 4 + 2 + 32; // record header, handshake header, client version, random
  at += 1 + hello[at]!; // session id
  at += 2 + hello.readUInt16BE(at); // cipher suites
  at += 1 + hello[at]!; // compression methods
  const end = at + 2 + hello.readUInt16BE(at);
  at += 2;
  while (at < end) {
    const type = hello.readUInt16BE(at);
    const length = hello.readUInt16BE(at + 2);
    if (type === 16) {
      const protocols: string[] = [];
      for (let p = at + 6; p < at + 4 + length; p += 1 + hello[p]!) {
        protocols.push(hello.toString('latin1', p + 1, p + 1 + hello[p]!));
      }
      return protocols;
    }
    at += 4 + length;
  }
  return [];
}

describe("undici's Pool, loaded on its own", () => {
  it('is the Pool class that dispatches', async () => {
    expect(typeof Pool).toBe('function');
    const pool = createUpstreamPool('http://127.0.0.1:9', { connections: 1, timeouts: TIMEOUTS });
    expect(pool).toBeInstanceOf(Pool);
    expect(typeof pool.dispatch).toBe('function');
    await pool.close();
  });

  it('offers only HTTP/1.1 when it opens a TLS connection (HTTP/2 is never negotiated)', async () => {
    // A TCP server that reads the ClientHello and hangs up: no certificate is needed to see the offer.
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const hello = new Promise<Buffer>((resolve) => {
      server.once('connection', (socket: Socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          const data = Buffer.concat(chunks);
          if (data.length >= 5 && data.length >= 5 + data.readUInt16BE(3)) {
            resolve(data);
            socket.destroy();
          }
        });
      });
    });
    const { port } = server.address() as AddressInfo;
    const pool = createUpstreamPool(`https://127.0.0.1:${port}`, { connections: 1, timeouts: TIMEOUTS });
    // The clients' own exchange: the pool loaded alone has only the dispatch API.
    const request = exchange(pool, {
      origin: `https://127.0.0.1:${port}`,
      method: 'GET',
      path: '/',
      headers: {},
    }).catch((error: unknown) => error);
    try {
      const record = await hello;
      expect(record[0], 'a TLS handshake record').toBe(22);
      expect(offeredAlpn(record)).toEqual(['http/1.1']);
      expect(await request).toBeInstanceOf(Error);
    } finally {
      await pool.destroy();
      server.close();
    }
  });

  it("keeps undici's entry point (fetch, WebSocket, mocks) out of the server process", () => {
    // A fresh process: the test runner itself may have loaded undici.
    const server = fileURLToPath(new URL('../../../server.ts', import.meta.url));
    const adapters = fileURLToPath(new URL('../../index.ts', import.meta.url));
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
         await import(${JSON.stringify(server)});
         await import(${JSON.stringify(adapters)});
         const loaded = Object.keys(createRequire(import.meta.url).cache);
         process.stdout.write(JSON.stringify({
           entry: loaded.filter((k) => /[\\\\/]undici[\\\\/]index\\.js$/.test(k)),
           pool: loaded.some((k) => /[\\\\/]undici[\\\\/]lib[\\\\/]dispatcher[\\\\/]pool\\.js$/.test(k)),
         }));`,
      ],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ entry: [], pool: true });
  });
});
