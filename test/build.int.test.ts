/**
 * The production build (`npm run build`, the image's build stage): scripts/build.ts bundles
 * src/index.ts, and the bundle serves what the sources serve. It is started as the image starts it
 * (the Dockerfile CMD's Node options, production mode), from a directory laid out as the image's
 * /app: the bundle in dist/, the SDL in schema/ beside it, and node_modules/ above it for what the
 * bundle leaves outside (pino, undici's WebAssembly parsers, the GraphiQL page's files).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, checkOutDir, OUT_DIR } from '../scripts/build.ts';
import { imageRuntime, parseDockerfile } from './helpers/dockerfile.ts';
import { post, spawnSubgraph, type SpawnedSubgraph } from './helpers/spawnSubgraph.ts';
import { startTestServer } from './helpers/startTestServer.ts';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * Prints, as the process exits, which of Node's bundled dependencies (internal/deps/) it loaded, and
 * whether it loaded `node:http2` or `node:https`.
 */
const REPORT_BUILTINS_AT_EXIT =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("node deps loaded: "+' +
  'JSON.stringify(process.moduleLoadList.filter((m)=>m.includes("internal/deps/")||/^NativeModule (http2|https)$/.test(m)))+"\\n"))';

interface SandboxIds {
  connectorDestinationId: string;
  connectorCredential: { appId: string; connectorId: string; id: string };
  appBundleArn: string;
  appAuthorizationArn: string;
}

describe('the production bundle', () => {
  let app = '';
  let dist = '';
  let files: string[] = [];
  let subgraph: SpawnedSubgraph;
  let sandbox: SandboxIds;

  beforeAll(async () => {
    // Inside the repository, so that the bundle finds node_modules/ by walking up, as /app/dist does.
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    app = mkdtempSync(join(ROOT, '.tmp', 'build-test-'));
    dist = join(app, OUT_DIR);
    files = await bundle({ index: join(ROOT, 'src/index.ts') }, dist);
    cpSync(join(ROOT, 'schema'), join(app, 'schema'), { recursive: true });
    const { nodeOptions } = imageRuntime(parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')));
    subgraph = await spawnSubgraph(
      { NODE_ENV: 'production', SANDBOX: 'true', AUTH_DISABLED: 'true', GRAPHIQL: 'true', SHUTDOWN_DELAY_MS: '0' },
      15_000,
      { entry: join(dist, 'index.js'), nodeOptions: [...nodeOptions, `--import=${REPORT_BUILTINS_AT_EXIT}`] },
    );
    // The sandbox's ids come in the log line after the listening one, possibly in a later batch.
    const ids = (lines: string[]) =>
      lines
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { sandbox?: SandboxIds })
        .find((line) => line.sandbox)?.sandbox;
    sandbox = ids(subgraph.output) ?? ids(await subgraph.settledOutput())!;
    expect(sandbox, 'the sandbox logs its ids at start-up').toBeDefined();
  }, 60_000);

  afterAll(async () => {
    await subgraph?.stop();
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('writes index.js with its chunks and source maps that point at src/', () => {
    expect(files).toContain('index.js');
    const onDisk = readdirSync(dist);
    // Every chunk with code has its map (a chunk that only re-exports another has none).
    for (const file of onDisk.filter((f) => f.endsWith('.js'))) {
      if (readFileSync(join(dist, file), 'utf8').includes('//# sourceMappingURL='))
        expect(onDisk).toContain(`${file}.map`);
    }
    expect(readFileSync(join(dist, 'index.js'), 'utf8')).toContain('//# sourceMappingURL=index.js.map');
    const map = JSON.parse(readFileSync(join(dist, 'index.js.map'), 'utf8')) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    expect(map.sources.some((source) => source.endsWith('src/index.ts'))).toBe(true);
    // Positions only: the sources themselves stay out of the image.
    expect(map.sourcesContent).toBeUndefined();
    expect(map.sources.some((source) => source.endsWith('src/adapters/guard.ts'))).toBe(true);
  });

  it('refuses to write where emptying the directory would delete the project', async () => {
    // The rule alone, on the dangerous paths: never handed to bundle(), which deletes what it accepts.
    for (const outDir of [ROOT, join(ROOT, '..'), join(ROOT, 'src'), join(ROOT, 'schema', 'out'), '/', '/tmp/dist']) {
      expect(() => checkOutDir(outDir), outDir).toThrow(/refuses/);
    }
    for (const outDir of [join(ROOT, 'dist'), join(ROOT, '.tmp', 'bench-build')])
      expect(() => checkOutDir(outDir)).not.toThrow();
    // bundle() applies it before it empties anything: a refused directory that does not exist, so a
    // bundle() that deleted first would delete nothing.
    const missing = join(ROOT, 'schema', `out-${process.pid}-${Date.now()}`);
    await expect(bundle({ index: join(ROOT, 'src/index.ts') }, missing)).rejects.toThrow(/refuses/);
    expect(readdirSync(join(ROOT, 'schema')).some((name) => name.startsWith('out-'))).toBe(false);
  });

  it("bundles one copy of graphql and undici's pool, and leaves pino and undici's parsers to node_modules", () => {
    const code = readdirSync(dist)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(dist, f), 'utf8'));
    // graphql's realm check, once per copy: two copies would make every schema "from another realm".
    expect(code.join('\n').split('from another module or realm').length - 1).toBe(1);
    expect(code.some((c) => /from"pino"|from "pino"/.test(c))).toBe(true);
    // undici's pool is bundled; its WebAssembly parsers load from node_modules when a connection opens.
    expect(code.some((c) => c.includes('undici/lib/dispatcher/pool.js'))).toBe(false);
    expect(code.some((c) => c.includes('__require(`undici/lib/llhttp/llhttp_simd-wasm.js`)'))).toBe(true);
    expect(code.some((c) => c.includes('AGFzbQ'))).toBe(false); // base64 of WebAssembly's magic number
    // Left out: undici's HTTP/2 client and prom-client's Pushgateway, each replaced by a module that
    // fails loudly. (The AWS SDK's HTTP handler, for the credential chain's STS and SSO clients,
    // still requires node:http2 and node:https when it is first used; the last test checks that
    // start-up and serving load neither.)
    expect(code.some((c) => c.includes("undici's HTTP/2 client is left out of this bundle"))).toBe(true);
    expect(code.some((c) => c.includes("prom-client's Pushgateway is left out of this bundle"))).toBe(true);
    // graphql-jit's JSON serializer, unused, is replaced by a module that fails loudly.
    expect(code.some((c) => c.includes('fast-json-stringify is left out of this bundle'))).toBe(true);
    expect(code.some((c) => c.includes('ajv'))).toBe(false);
  });

  it('is ASCII only, so that Node keeps its source text at one byte per character', () => {
    // One non-ASCII character (src/ has '…', '≥', '·') makes Node decode the whole file to UTF-16,
    // a copy twice the file's size kept for the life of the process.
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
      const bytes = readFileSync(join(dist, file));
      expect(
        bytes.findIndex((byte) => byte > 0x7f),
        file,
      ).toBe(-1);
    }
  });

  it('serves the same subgraph schema as the sources', async () => {
    const { status, body } = await post(subgraph.url, '{ _service { sdl } }');
    expect(status).toBe(200);
    const fromSources = await startTestServer();
    try {
      const expected = await fromSources.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
      expect(expected.body.data?._service.sdl).toEqual(expect.stringContaining('@key'));
      expect(body.data._service.sdl).toBe(expected.body.data!._service.sdl);
    } finally {
      await fromSources.close();
    }
  });

  it('answers from all three upstreams, through the loaders and real clients, compiled by graphql-jit', async () => {
    const { connectorCredential: credential } = sandbox;
    // The first run goes through graphql-js, the next ones through graphql-jit's compiled query.
    const run = () =>
      post(
        subgraph.url,
        `query ($destination: ID!, $appId: ID!, $connectorId: ID!, $credential: ID!, $bundle: ID!, $authorization: ID!) {
        connectorDestination(id: $destination) { id cloudConnector { id } }
        connectorCredential(appId: $appId, connectorId: $connectorId, id: $credential) {
          id connector { id } app { id }
        }
        appAuthorization(appBundleIdentifier: $bundle, appAuthorizationIdentifier: $authorization) { arn status }
      }`,
        {
          destination: sandbox.connectorDestinationId,
          appId: credential.appId,
          connectorId: credential.connectorId,
          credential: credential.id,
          bundle: sandbox.appBundleArn,
          authorization: sandbox.appAuthorizationArn,
        },
      );
    const { status, body } = await run();
    for (let i = 0; i < 2; i++) expect((await run()).body).toEqual(body);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.connectorDestination.id).toBe(sandbox.connectorDestinationId);
    expect(body.data.connectorDestination.cloudConnector.id).toEqual(expect.any(String));
    expect(body.data.connectorCredential).toMatchObject({
      id: credential.id,
      connector: { id: credential.connectorId },
      app: { id: credential.appId },
    });
    expect(body.data.appAuthorization.arn).toBe(sandbox.appAuthorizationArn);
    // graphql-jit compiled it (the hot path serves only compiled operations, and this is the only
    // operation repeated so far), and needed nothing the bundle left out (fast-json-stringify).
    const lines = (await subgraph.settledOutput())
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; hot?: boolean });
    expect(lines.filter((line) => line.msg?.includes('compiling the operation failed'))).toEqual([]);
    expect(lines.filter((line) => line.hot === true).length).toBeGreaterThanOrEqual(1);
  });

  it('resolves entity references as a router sends them', async () => {
    const { connectorCredential: credential } = sandbox;
    const { body } = await post(
      subgraph.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on ConnectorCredential { id connectorId } } }',
      { r: [{ __typename: 'ConnectorCredential', ...credential }] },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toEqual([{ id: credential.id, connectorId: credential.connectorId }]);
  });

  it('serves the GraphiQL page and its assets, and the metrics', async () => {
    const page = await fetch(subgraph.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/src="(\/graphiql\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const res = await fetch(new URL(asset, subgraph.url));
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(1000);
    }
    const metrics = await fetch(new URL('/metrics', subgraph.url));
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('graphql_requests_total');
    // The entry point wires the upstreams' circuit breakers into /readyz.
    expect(await (await fetch(new URL('/readyz', subgraph.url))).json()).toEqual({
      status: 'ready',
      upstreams: { iotManagedIntegrations: 'closed', appFabric: 'closed', conductorOne: 'closed' },
    });
  });

  it("drains and exits 0 on SIGTERM, having never loaded the undici behind Node's fetch, node:http2 or node:https", async () => {
    expect(await subgraph.stop()).toBe(0);
    const report = (await subgraph.settledOutput()).find((line) => line.startsWith('node deps loaded: '));
    expect(report, 'the --import hook reports at exit').toBeDefined();
    const loaded = JSON.parse(report!.slice('node deps loaded: '.length)) as string[];
    // src/nodeHttp.ts: an ESM import of node:http would have loaded it at start-up.
    expect(loaded.filter((m) => m.includes('undici'))).toEqual([]);
    // scripts/build.ts leaves out undici's HTTP/2 client and prom-client's Pushgateway, which load
    // them; the sandbox's upstreams were reached over HTTP/1.1 all the same (the tests above).
    expect(loaded.filter((m) => /^NativeModule (http2|https)$/.test(m))).toEqual([]);
  });
});
