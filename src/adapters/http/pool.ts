/**
 * The upstream clients' connection pools: undici's `Pool`, loaded on its own, over HTTP/1.1.
 *
 * - **On its own:** the package's entry point loads all of undici (fetch, WebSocket, EventSource,
 *   the mock and cache interceptors, ...): 2.3 MB more heap after a full GC, kept for the life of
 *   the process. The clients use only `Pool` and its dispatch API. (undici has no exports map, so
 *   the module is reachable; a test checks the entry stays unloaded.)
 * - **HTTP/1.1 only** (`allowH2: false`): undici 8 offers HTTP/2 by ALPN on every TLS connection
 *   unless told not to. The official AWS SDK's Node handler speaks HTTP/1.1, the pools' sizes
 *   (`connections`) are counted in HTTP/1.1 connections, and the simulators the tests run are
 *   HTTP/1.1, so the clients say so. The image's bundle leaves undici's HTTP/2 client, and with it
 *   `node:http2`, out (scripts/build.ts).
 */
import type { Pool as UndiciPool } from 'undici';
import PoolClass from 'undici/lib/dispatcher/pool.js';

export const Pool = PoolClass;
export type Pool = UndiciPool;

export interface UpstreamPoolOptions {
  /** Connections at most (HTTP/1.1, one request each at a time). */
  connections: number;
  timeouts: { connectMs: number; headersMs: number; bodyMs: number };
}

/** A keep-alive pool of HTTP/1.1 connections to one upstream origin. */
export function createUpstreamPool(origin: string, { connections, timeouts }: UpstreamPoolOptions): Pool {
  return new Pool(origin, {
    connections,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    keepAliveTimeout: 4_000,
    allowH2: false,
  });
}
