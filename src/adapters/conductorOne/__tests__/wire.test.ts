/**
 * The ConductorOne client against a loopback server answering what the simulator never sends:
 * repeated headers, bodies that are not JSON.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { createConductorOneAdapter, toSubgraphError } from '../adapter.ts';
import { ConductorOneClient } from '../client.ts';
import { staticTokenSource, TokenEndpointError } from '../tokenSource.ts';

async function withServer(
  answer: (res: ServerResponse, request: number) => void,
  run: (client: ConductorOneClient) => Promise<void>,
) {
  let requests = 0;
  const server = createServer((_req, res) => answer(res, ++requests));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new ConductorOneClient({
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tokens: staticTokenSource('t'),
    timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 },
    userAgent: 'test',
    random: () => 0,
  });
  try {
    await run(client);
  } finally {
    await client.close();
    server.close();
  }
  return requests;
}

describe('the ConductorOne client on the wire', () => {
  it('reads a repeated Retry-After and request id by their first values, and retries the 429', async () => {
    const requests = await withServer(
      (res, n) => {
        if (n === 1) {
          res.setHeader('retry-after', ['0', '7']);
          res.setHeader('x-request-id', ['first', 'second']);
          res.writeHead(429, { 'content-type': 'application/json' }).end('{"code":8,"message":"slow down"}');
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"connectorView":{"connector":{"id":"c","appId":"a"}}}');
      },
      async (client) => {
        expect(await client.getConnector({ appId: 'a', id: 'c' })).toMatchObject({
          connectorView: { connector: { id: 'c' } },
        });
      },
    );
    expect(requests).toBe(2);
  });

  it('does not retry a 200 whose body is not JSON: another attempt would get the same', async () => {
    const requests = await withServer(
      (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'),
      async (client) => {
        await expect(client.getConnector({ appId: 'a', id: 'c' })).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
      },
    );
    expect(requests).toBe(1);
  });
});

describe('the apps search', () => {
  const page = (ids: string[], nextPageToken: string) =>
    JSON.stringify({ list: ids.map((id) => ({ id, displayName: id })), nextPageToken });
  const silent = pino({ level: 'silent' });

  it('stops paging once every id asked for is in', async () => {
    const requests = await withServer(
      (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(page(['a', 'b'], 'more')),
      async (client) => {
        const apps = await createConductorOneAdapter(client, silent).searchAppsById(['a', 'b']);
        expect(apps.map((app) => app.id)).toEqual(['a', 'b']);
      },
    );
    expect(requests).toBe(1);
  });

  it('fails as unusable when the search hands back the page token it was given, instead of reading 50 pages', async () => {
    const requests = await withServer(
      (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(page(['x'], 'same')),
      async (client) => {
        await expect(createConductorOneAdapter(client, silent).searchAppsById(['a', 'b'])).rejects.toMatchObject({
          extensions: { code: 'UPSTREAM_UNAVAILABLE' },
        });
      },
    );
    expect(requests).toBe(2);
  });
});

describe('failures logged', () => {
  it('never show the access token held, in whatever shape the upstream echoes it', async () => {
    const token = 'c1at.PLANTED.0042'; // a shape no redaction pattern knows
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res
        .writeHead(500, { 'content-type': 'application/json', 'x-request-id': `req-${token}` })
        .end(JSON.stringify({ code: 13, message: `internal: session for token '${token}' could not be loaded` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tokens = staticTokenSource(token);
    const client = new ConductorOneClient({
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      tokens,
      timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 },
      userAgent: 'test',
      random: () => 0,
    });
    try {
      const adapter = createConductorOneAdapter(client, log, () => [tokens.held()!]);
      await expect(adapter.getConnector({ appId: 'a', id: 'c' })).rejects.toMatchObject({
        extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      });
    } finally {
      await client.close();
      server.close();
    }
    expect(requests).toBeGreaterThan(0);
    const logged = lines.join('');
    expect(logged).toContain('could not be loaded'); // the message is logged, cleaned
    expect(logged).not.toContain(token);
  });
});

describe('token endpoint failures', () => {
  it.each([
    [401, 'UPSTREAM_ACCESS_DENIED'],
    [400, 'UPSTREAM_ACCESS_DENIED'],
    [429, 'UPSTREAM_THROTTLED'],
    [503, 'UPSTREAM_UNAVAILABLE'],
    [302, 'UPSTREAM_UNAVAILABLE'],
    [200, 'UPSTREAM_UNAVAILABLE'], // a 200 without an access token
  ])('a %d is %s', (status, code) => {
    expect(toSubgraphError(new TokenEndpointError(status, undefined), 'GetConnector').extensions['code']).toBe(code);
  });

  it('a DPoP token, which this subgraph cannot use, is UPSTREAM_ACCESS_DENIED', () => {
    expect(toSubgraphError(new TokenEndpointError(200, undefined, 'DPoP'), 'GetConnector').extensions['code']).toBe(
      'UPSTREAM_ACCESS_DENIED',
    );
  });
});
