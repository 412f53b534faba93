/**
 * undici's connection pool, loaded on its own. The package's entry point loads all of undici
 * (fetch, WebSocket, EventSource, the mock and cache interceptors, ...): 2.3 MB more heap after a full GC,
 * kept for the life of the process. The upstream clients use only `Pool` and its dispatch API.
 * (undici has no exports map, so the module is reachable; a test checks the entry stays unloaded.)
 */
import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
