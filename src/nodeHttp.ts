/**
 * What this server uses of `node:http`, taken with `process.getBuiltinModule` instead of an
 * `import`.
 *
 * An ESM `import` of a built-in module, named or default, makes Node build the module's ESM facade,
 * which reads every export once. Three of `node:http`'s exports (`WebSocket`, `CloseEvent`,
 * `MessageEvent`) are getters that load Node's internal copy of undici, the one behind the global
 * `fetch`, which this server never calls. Measured on Node 24 after a full GC: 2.3 MB more heap in
 * a bare module, 1–3 MB in this server's bundle, kept for the life of the process.
 * `process.getBuiltinModule` returns the module without a facade. Types still come from
 * `import type`, which leaves no import behind.
 *
 * The lint config refuses value imports of `node:http` in src/; `test/build.int.test.ts` checks
 * that the bundle never loads that undici.
 */
const http = process.getBuiltinModule('node:http');

export const { createServer, STATUS_CODES } = http;
