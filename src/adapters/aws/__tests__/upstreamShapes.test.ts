/**
 * The AWS adapters on the real clients against a loopback server that answers raw bodies: what
 * they do with answers the simulator never gives (members the model leaves optional, absent).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppFabricAdapter } from '../../appFabric/adapter.ts';
import { AppFabric } from '../../appFabric/client.ts';
import { createIotManagedIntegrationsAdapter } from '../../iotManagedIntegrations/adapter.ts';
import { IoTManagedIntegrations } from '../../iotManagedIntegrations/client.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server that answers every request with this JSON body. */
async function answering(body: unknown): Promise<URL> {
  return serving((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
}

/** A server that answers the n-th request as `answer` says. */
async function serving(answer: (res: ServerResponse, n: number) => void): Promise<URL> {
  let n = 0;
  server = createServer((_req, res) => answer(res, ++n));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

const clientOptions = (endpoint: URL) => ({
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 },
  userAgent: 'test',
});

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('AWS answers the simulator never gives', () => {
  it('passes over ListCloudConnectors items without an Id, and logs how many', async () => {
    const endpoint = await answering({
      Items: [
        { Id: 'cc-1', Name: 'One', EndpointConfig: {} },
        { Name: 'No id', EndpointConfig: {} },
        { Id: 'cc-2', Name: 'Two', EndpointConfig: {} },
      ],
    });
    const client = new IoTManagedIntegrations(clientOptions(endpoint));
    const { log, lines } = logCapture();
    try {
      const page = await createIotManagedIntegrationsAdapter(client, log).listCloudConnectors({ maxResults: 100 });
      expect(page.items.map((c) => c.id)).toEqual(['cc-1', 'cc-2']);
      expect(page.nextToken).toBeNull();
      expect(lines).toEqual([expect.objectContaining({ operation: 'ListCloudConnectors', skipped: 1 })]);
    } finally {
      await client.destroy();
    }
  });

  it('answers a GetAppAuthorization 200 without appAuthorization as unusable, not as a missing one', async () => {
    const endpoint = await answering({});
    const client = new AppFabric(clientOptions(endpoint));
    const { log } = logCapture();
    try {
      const adapter = createAppFabricAdapter(client, log);
      await expect(
        adapter.getAppAuthorization({ appBundleIdentifier: 'b', appAuthorizationIdentifier: 'a' }),
      ).rejects.toMatchObject({
        extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: { name: 'appFabric', operation: 'GetAppAuthorization' } },
      });
    } finally {
      await client.destroy();
    }
  });

  it('reads repeated error headers by their first values, and retries the throttle', async () => {
    let requests = 0;
    const endpoint = await serving((res, n) => {
      requests = n;
      if (n === 1) {
        res.setHeader('x-amzn-errortype', ['ThrottlingException:http://internal.amazon.com/', 'Other']);
        res.setHeader('retry-after', ['0', '9']);
        res.setHeader('x-amzn-requestid', ['r1', 'r2']);
        res.writeHead(429, { 'content-type': 'application/json' }).end('{"message":"Rate exceeded"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"Id":"d","Name":"D"}');
    });
    const client = new IoTManagedIntegrations({ ...clientOptions(endpoint), random: () => 0 });
    try {
      const destination = await createIotManagedIntegrationsAdapter(client, logCapture().log).getConnectorDestination(
        'd',
      );
      expect(destination).toMatchObject({ id: 'd', name: 'D' });
      expect(requests).toBe(2);
    } finally {
      await client.destroy();
    }
  });

  it('does not retry a 200 whose body is not JSON', async () => {
    let requests = 0;
    const endpoint = await serving((res, n) => {
      requests = n;
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
    });
    const client = new IoTManagedIntegrations({ ...clientOptions(endpoint), random: () => 0 });
    try {
      await expect(
        createIotManagedIntegrationsAdapter(client, logCapture().log).getConnectorDestination('d'),
      ).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
      expect(requests).toBe(1);
    } finally {
      await client.destroy();
    }
  });
});

describe('a connection that is refused (a real socket, nothing listening)', () => {
  /** A loopback port that was just free: nothing listens there. */
  async function closedPort(): Promise<URL> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new URL(`http://127.0.0.1:${port}`);
  }

  it('retries a read, then answers UPSTREAM_UNAVAILABLE, logging the attempts', async () => {
    const client = new AppFabric({ ...clientOptions(await closedPort()), maxAttempts: 3 });
    const { log, lines } = logCapture();
    try {
      const adapter = createAppFabricAdapter(client, log);
      await expect(
        adapter.getAppAuthorization({ appBundleIdentifier: 'b', appAuthorizationIdentifier: 'a' }),
      ).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
      expect(lines).toEqual([
        expect.objectContaining({ operation: 'GetAppAuthorization', code: 'ECONNREFUSED', sent: false, attempts: 3 }),
      ]);
    } finally {
      await client.destroy();
    }
  });

  it('throws a connect whose code never left as UPSTREAM_UNAVAILABLE (safe to retry), without a status check', async () => {
    const client = new AppFabric({ ...clientOptions(await closedPort()), maxAttempts: 3 });
    const { log, lines } = logCapture();
    try {
      const adapter = createAppFabricAdapter(client, log);
      await expect(
        adapter.connectAppAuthorization({
          appBundleIdentifier: 'b',
          appAuthorizationIdentifier: 'a',
          authRequest: { redirectUri: 'https://app.example.com/cb', code: 'planted-code-refused' },
        }),
      ).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
      // A refused connection proves the code unsent: it is tried again (two attempts in all, the
      // connect step's limit), and no GetAppAuthorization follows.
      expect(lines).toEqual([
        expect.objectContaining({
          operation: 'ConnectAppAuthorization',
          code: 'ECONNREFUSED',
          sent: false,
          attempts: 2,
        }),
      ]);
      expect(JSON.stringify(lines)).not.toContain('planted-code-refused');
    } finally {
      await client.destroy();
    }
  });
});

describe('a connect that waits for a connection behind a slow call', () => {
  it('fails when its deadline passes before the code left, as safe to retry, and the code is not kept as sent', async () => {
    const summary = {
      appAuthorizationArn: 'arn:aws:appfabric:us-east-1:111122223333:appbundle/b/appauthorization/a',
      appBundleArn: 'arn:aws:appfabric:us-east-1:111122223333:appbundle/b',
      app: 'SLACK',
      tenant: { tenantIdentifier: 't', tenantDisplayName: 'T' },
      status: 'PendingConnect',
      updatedAt: '2026-01-01T00:00:00Z',
    };
    const seen: string[] = [];
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const json = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST') json({ appAuthorizationSummary: { ...summary, status: 'Connected' } });
      // The read that holds the one connection for two seconds.
      else
        setTimeout(
          () => json({ appAuthorization: { ...summary, authType: 'oauth2', createdAt: '2026-01-01T00:00:00Z' } }),
          2_000,
        );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const endpoint = new URL(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`);
    const client = new AppFabric({
      ...clientOptions(endpoint),
      timeouts: { connectMs: 1_000, headersMs: 5_000, bodyMs: 5_000 },
      connections: 1,
    });
    const { log, lines } = logCapture();
    const request = {
      appBundleIdentifier: 'b',
      appAuthorizationIdentifier: 'a',
      authRequest: { redirectUri: 'https://app.example.com/cb', code: 'planted-code-queued' },
    };
    try {
      const adapter = createAppFabricAdapter(client, log);
      const slowRead = adapter.getAppAuthorization({ appBundleIdentifier: 'b', appAuthorizationIdentifier: 'a' });
      const deadline = new AbortController();
      setTimeout(() => deadline.abort(new DOMException('deadline', 'TimeoutError')), 1_000);
      const started = performance.now();
      await expect(
        adapter.connectAppAuthorization(request, { signal: deadline.signal, deadline: Date.now() + 1_000 }),
      ).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_TIMEOUT' } });
      // Answered at its deadline, not when the read ahead of it let go of the connection.
      expect(performance.now() - started).toBeLessThan(1_600);
      expect(lines).toEqual([
        expect.objectContaining({ operation: 'ConnectAppAuthorization', code: 'DEADLINE_EXCEEDED', sent: false }),
      ]);
      await slowRead;
      expect(seen).toEqual(['GET /appbundles/b/appauthorizations/a']);
      // Nothing reached AppFabric, so the same code is sent when the client tries again.
      await expect(adapter.connectAppAuthorization(request)).resolves.toMatchObject({
        ok: true,
        appAuthorization: { status: 'CONNECTED' },
      });
      expect(seen).toEqual(['GET /appbundles/b/appauthorizations/a', 'POST /appbundles/b/appauthorizations/a/connect']);
      expect(JSON.stringify(lines)).not.toContain('planted-code-queued');
    } finally {
      await client.destroy();
    }
  });
});
