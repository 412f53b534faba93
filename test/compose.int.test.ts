/**
 * scripts/compose.ts, run as a separate Node process: composes this subgraph with a neighbour given as a
 * file or as a running subgraph's URL (loopback only), prints the supergraph, and fails readably.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner, jwtAuth } from './helpers/jwt.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../scripts/compose.ts', import.meta.url));
const NEIGHBOUR_FILE = fileURLToPath(new URL('./fixtures/neighbour.graphql', import.meta.url));
const NEIGHBOUR_SDL = readFileSync(NEIGHBOUR_FILE, 'utf8');
const DEFAULT_ROUTING_URL = 'http://127.0.0.1:4001/graphql';
const NEIGHBOUR_ROUTING_URL = 'http://127.0.0.1:4002/graphql';

/** A neighbour that claims PageInfo and Query.connectorDestination without @shareable. */
const BAD_NEIGHBOUR_SDL = NEIGHBOUR_SDL.replace('type PageInfo @shareable {', 'type PageInfo {').replace(
  'type Query {',
  'type Query {\n  connectorDestination(id: ID!): ConnectorDestination',
);

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the script with this Node (24, from node_modules/.bin under npm); asynchronously, so servers here keep serving. */
function runCompose(args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], {
      cwd: ROOT,
      env: { ...process.env, INIT_CWD: ROOT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fake neighbour subgraph on loopback: answers `{ _service { sdl } }` on /graphql, fails on /broken. */
interface FakeSubgraph {
  url: string;
  brokenUrl: string;
  requests: Array<{
    method: string | undefined;
    contentType: string | undefined;
    body: string;
    authorization?: string | undefined;
  }>;
  close(): Promise<void>;
}

async function startFakeSubgraph(sdl: string): Promise<FakeSubgraph> {
  const requests: FakeSubgraph['requests'] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      requests.push({
        method: request.method,
        contentType: request.headers['content-type'],
        body,
        authorization: request.headers['authorization'],
      });
      if (request.url === '/broken') {
        response.writeHead(500, { 'content-type': 'text/plain' }).end('upstream exploded');
        return;
      }
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ data: { _service: { sdl } } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    brokenUrl: `http://127.0.0.1:${port}/broken`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

describe('npm run compose (scripts/compose.ts)', () => {
  let server: TestServer;
  let neighbour: FakeSubgraph;
  let servedSdl: string;
  let workDir: string;

  beforeAll(async () => {
    server = await startTestServer();
    neighbour = await startFakeSubgraph(NEIGHBOUR_SDL);
    const response = await server.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
    servedSdl = response.body.data?._service.sdl ?? '';
    workDir = mkdtempSync(join(tmpdir(), 'compose-test-'));
  });

  afterAll(async () => {
    await server?.close();
    await neighbour?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('--help prints the usage and exits 0', async () => {
    const result = await runCompose(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npm run compose -- [options] [name=source ...]');
    expect(result.stdout).toContain('--self-url');
    expect(result.stdout).toContain('--routing-url');
    expect(result.stdout).toContain('--out');
  });

  it('composes the in-process schema with a neighbour file and prints the supergraph SDL', async () => {
    const result = await runCompose([
      `neighbour=${NEIGHBOUR_FILE}`,
      '--subgraph-url',
      `neighbour=${NEIGHBOUR_ROUTING_URL}`,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('composed connector-auth, neighbour');
    expect(() => parse(result.stdout)).not.toThrow();
    expect(result.stdout).toContain(
      `CONNECTOR_AUTH @join__graph(name: "connector-auth", url: "${DEFAULT_ROUTING_URL}")`,
    );
    expect(result.stdout).toContain(`NEIGHBOUR @join__graph(name: "neighbour", url: "${NEIGHBOUR_ROUTING_URL}")`);
    for (const type of ['ConnectorDestination', 'CloudConnector', 'ConnectorCredential', 'AppAuthorization']) {
      expect(result.stdout).toMatch(new RegExp(`^type ${type}\\b`, 'm'));
    }

    // The in-process SDL (printSubgraphSchema) composes to the same supergraph as the served _service.sdl.
    const fromServed = composeServices([
      { name: 'connector-auth', url: DEFAULT_ROUTING_URL, typeDefs: parse(servedSdl) },
      { name: 'neighbour', url: NEIGHBOUR_ROUTING_URL, typeDefs: parse(NEIGHBOUR_SDL) },
    ]);
    expect(fromServed.errors).toBeUndefined();
    expect(result.stdout.trimEnd()).toBe(fromServed.supergraphSdl?.trimEnd());
  });

  it('reads SDLs from running subgraphs (--self-url, name=URL) and writes --out', async () => {
    const out = join(workDir, 'nested', 'supergraph.graphql');
    neighbour.requests.length = 0;
    const result = await runCompose([
      '--self-url',
      server.url,
      '--routing-url',
      'http://127.0.0.1:4999/graphql',
      `neighbour=${neighbour.url}`,
      '--out',
      out,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`wrote ${out}`);
    const supergraph = readFileSync(out, 'utf8');
    expect(supergraph).toContain(
      'CONNECTOR_AUTH @join__graph(name: "connector-auth", url: "http://127.0.0.1:4999/graphql")',
    );
    expect(supergraph).toContain(`NEIGHBOUR @join__graph(name: "neighbour", url: "${neighbour.url}")`);
    expect(supergraph).toMatch(/^type Integration\b/m);
    expect(neighbour.requests).toEqual([
      { method: 'POST', contentType: 'application/json', body: JSON.stringify({ query: '{ _service { sdl } }' }) },
    ]);
  });

  it('sends --header with every SDL request, for a subgraph that requires a token', async () => {
    const signer = createSigner();
    const secured = await startTestServer({ config: { auth: jwtAuth(signer) } });
    try {
      const refused = await runCompose(['--self-url', secured.url]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('HTTP 401');
      const token = await signer.sign({ scope: 'destinations:read' });
      const composed = await runCompose(['--self-url', secured.url, '--header', `Authorization: Bearer ${token}`]);
      expect(composed.code, composed.stderr).toBe(0);
      expect(composed.stdout).toMatch(/^type ConnectorDestination\b/m);
      const malformed = await runCompose(['--header', `Bearer ${token}`]);
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).not.toContain(token);
      const injected = await runCompose(['--header', `authorization: Bearer ${token}\r\nx: y`]);
      expect(injected.code).toBe(2);
      expect(injected.stderr).not.toContain(token);
      // Never sent to another team's subgraph.
      neighbour.requests.length = 0;
      const withNeighbour = await runCompose([
        '--self-url',
        secured.url,
        '--header',
        `Authorization: Bearer ${token}`,
        `neighbour=${neighbour.url}`,
      ]);
      expect(withNeighbour.code, withNeighbour.stderr).toBe(0);
      expect(neighbour.requests).toHaveLength(1);
      expect(neighbour.requests[0]!.authorization).toBeUndefined();
    } finally {
      await secured.close();
    }
  });

  it('exits 1 and lists each composition error with its code for a conflicting neighbour', async () => {
    const bad = join(workDir, 'bad-neighbour.graphql');
    writeFileSync(bad, BAD_NEIGHBOUR_SDL);
    const result = await runCompose([`bad=${bad}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/composition of connector-auth, bad failed with \d+ error\(s\):/);
    expect(result.stderr).toMatch(/^ {2}- \[INVALID_FIELD_SHARING\] .*"Query\.connectorDestination"/m);
    expect(result.stderr).toMatch(/^ {2}- \[INVALID_FIELD_SHARING\] .*"PageInfo\.hasNextPage"/m);
    expect(result.stderr).not.toMatch(/^\s+at /m); // readable, no stack traces
  });

  it('exits 1 with a readable message when a subgraph cannot be read', async () => {
    const missing = await runCompose([`gone=${join(workDir, 'missing.graphql')}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('gone: could not read');

    const broken = await runCompose([`broken=${neighbour.brokenUrl}`]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`broken: ${neighbour.brokenUrl} answered HTTP 500: upstream exploded`);
  });

  it('exits 2 with the usage on a malformed argument', async () => {
    const result = await runCompose(['neighbour']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('A subgraph must look like name=value, got "neighbour"');
    expect(result.stderr).toContain('Usage:');
  });
});
