/**
 * The shared retry budget of the ConductorOne client: once an upstream keeps failing, retries
 * stop for every caller, so a failure never turns into a retry storm.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConductorOneClient } from '../client.ts';
import { staticTokenSource } from '../tokenSource.ts';

describe('ConductorOne retry budget', () => {
  it('retries early failures, then stops retrying once the shared budget is spent', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":13,"message":"internal"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new ConductorOneClient({
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      tokens: staticTokenSource('t'),
      timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 },
      userAgent: 'test',
      random: () => 0, // no backoff wait in this test
    });
    try {
      const calls = 80;
      for (let i = 0; i < calls; i++) {
        await expect(client.getConnector({ appId: 'a', id: `c${i}` })).rejects.toMatchObject({ status: 500 });
      }
      // Without a budget: 3 attempts each (240). With it: the 500 tokens pay for 50 transient
      // retries (10 each; 14 under the 2026 rules), then every call gets one attempt.
      expect(requests).toBeLessThan(calls * 3);
      expect(requests).toBeLessThanOrEqual(calls + 50);
      expect(requests).toBeGreaterThanOrEqual(calls + 35);
    } finally {
      await client.close();
      server.close();
    }
  });
});
