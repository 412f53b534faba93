import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Pool } from '../pool.ts';

describe("undici's Pool, loaded on its own", () => {
  it('is the Pool class that dispatches', async () => {
    expect(typeof Pool).toBe('function');
    const pool = new Pool('http://127.0.0.1:9', { connections: 1 });
    expect(typeof pool.dispatch).toBe('function');
    await pool.close();
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
