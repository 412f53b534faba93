/**
 * What the AWS credential tests share: loopback servers standing in for credential sources and
 * upstreams (closed after each test, hung requests included), and a request to sign.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { SigningTarget } from '../signing.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** A server on 127.0.0.1 that hands each request, numbered from 1, to `handler` (which may leave it hanging). */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => handler(req, res, ++requests));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

/** A request to sign. */
export const SIGNING_TARGET: SigningTarget = {
  method: 'GET',
  protocol: 'https:',
  hostname: 'api.iotmanagedintegrations.us-east-1.api.aws',
  path: '/connector-destinations/dest-1',
  query: {},
  headers: {},
};

/** The access key id a signature names. */
export const keyOf = (headers: Record<string, string>): string | undefined =>
  /Credential=(\w+)\//.exec(headers['authorization']!)?.[1];
