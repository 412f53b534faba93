/**
 * GraphiQL without a browser: the page and its files, their content types, caching and content
 * security policy; no reference to another origin in the HTML, JS or CSS; the / redirect; the
 * GRAPHIQL setting (off in production, on when asked); and GraphQL over JSON left as it was.
 * The page running in a real browser is test/browser/graphiql.browser.test.ts.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { GRAPHIQL_DEFAULT_HEADERS, GRAPHIQL_EXAMPLES } from '../src/graphiql/examples.ts';
import { GRAPHIQL_CSP, prefersHtml } from '../src/graphiql/graphiql.ts';
import { spawnSubgraph } from './helpers/spawnSubgraph.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

/** What Chromium sends when it navigates to a page. */
const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';

/**
 * Absolute URLs that do appear in the vendor bundles but are never requested: XML namespace names
 * (identifiers), and documentation links in comments, error messages and license notices. Any other
 * URL, a CDN's above all, fails the scan.
 */
const INERT_URL_PREFIXES = [
  'http://www.w3.org/',
  'https://reactjs.org/docs/error-decoder.html',
  'https://codemirror.net/5/doc/manual.html',
  'https://commonmark.org/',
  'https://en.wikipedia.org/wiki/',
  'https://github.com/graphql/graphiql',
  'https://github.com/jonschlinkert',
  'https://radix-ui.com/primitives/docs/',
];

function absoluteUrls(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s"'`)<>\\]*/g)].map((m) => m[0]);
}

/** The src and href attributes of the page. */
function references(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
}

async function getPage(origin: string, accept = BROWSER_ACCEPT) {
  const res = await fetch(`${origin}/graphql`, { headers: { accept } });
  return { res, text: await res.text() };
}

describe('prefersHtml', () => {
  it('is true for browsers and false for GraphQL clients', () => {
    expect(prefersHtml(BROWSER_ACCEPT)).toBe(true);
    expect(prefersHtml('text/html')).toBe(true);
    expect(prefersHtml('text/html, application/json')).toBe(true);
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml('')).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('application/graphql-response+json, application/json;q=0.9')).toBe(false);
    expect(prefersHtml('application/json, text/html')).toBe(false);
    expect(prefersHtml('text/html;q=0.5, application/json')).toBe(false);
    expect(prefersHtml('text/html;q=0, */*')).toBe(false);
  });
});

describe('GraphiQL, on', () => {
  let t: TestServer;
  let html: string;
  let pageHeaders: Headers;
  beforeAll(async () => {
    t = await startTestServer({ config: { graphiql: true } });
    const { res, text } = await getPage(t.origin);
    expect(res.status).toBe(200);
    html = text;
    pageHeaders = res.headers;
  });
  afterAll(() => t.close());

  it('serves the page to browsers at GET /graphql, with a strict content security policy', () => {
    expect(pageHeaders.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = pageHeaders.get('content-security-policy') ?? '';
    expect(csp).toBe(GRAPHIQL_CSP);
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(pageHeaders.get('cache-control')).toBe('no-cache');
    expect(pageHeaders.get('vary')).toBe('accept');
    expect(pageHeaders.get('x-content-type-options')).toBe('nosniff');
    expect(html).toContain('<div id="graphiql">');
  });

  it('has no inline script and references nothing outside this origin', () => {
    expect(html).not.toMatch(/https?:|\/\/[a-z0-9]/i);
    for (const script of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
      expect(script).toMatch(/^<script src="\/graphiql\/[0-9a-f]{16}\/[\w.-]+\.js"><\/script>$/);
    }
    const refs = references(html);
    expect(refs.length).toBeGreaterThanOrEqual(6);
    for (const ref of refs) expect(ref).toMatch(/^(?:\/graphiql\/[0-9a-f]{16}\/[\w.-]+|data:,)$/);
  });

  it('serves each file from memory with its content type, a year of caching, an etag and gzip', async () => {
    const files = references(html).filter((ref) => ref.startsWith('/graphiql/'));
    expect(files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual([
      'graphiql.min.css',
      'page.css',
      'react.production.min.js',
      'react-dom.production.min.js',
      'graphiql.min.js',
      'init.js',
    ]);
    for (const file of files) {
      const plain = await request(`${t.origin}${file}`);
      const body = await plain.body.text();
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['content-type']).toBe(
        file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['x-content-type-options']).toBe('nosniff');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(Number(plain.headers['content-length'])).toBe(Buffer.byteLength(body));
      const etag = plain.headers['etag'] as string;
      expect(file).toContain(etag.slice(1, -1));

      const gzipped = await request(`${t.origin}${file}`, { headers: { 'accept-encoding': 'gzip, br' } });
      const compressed = Buffer.from(await gzipped.body.arrayBuffer());
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gzipped.headers['vary']).toBe('accept-encoding');
      if (body.length > 10_000) expect(compressed.length).toBeLessThan(body.length);

      // Each coding is a representation of its own, with its own strong validator.
      const gzipEtag = gzipped.headers['etag'] as string;
      expect(gzipEtag).not.toBe(etag);

      const cached = await request(`${t.origin}${file}`, { headers: { 'if-none-match': etag } });
      await cached.body.dump();
      expect(cached.statusCode).toBe(304);
      expect(cached.headers['etag']).toBe(etag);
      const cachedGzip = await request(`${t.origin}${file}`, {
        headers: { 'if-none-match': `"other", W/${gzipEtag}`, 'accept-encoding': 'gzip' },
      });
      await cachedGzip.body.dump();
      expect(cachedGzip.statusCode).toBe(304);
      expect(cachedGzip.headers['etag']).toBe(gzipEtag);
      // The plain file's tag does not validate the gzipped one, nor the other way round.
      const stale = await request(`${t.origin}${file}`, { headers: { 'if-none-match': gzipEtag } });
      expect(stale.statusCode).toBe(200);
      expect(await stale.body.text()).toBe(body);
    }
    const missing = await fetch(`${t.origin}/graphiql/0000000000000000/graphiql.min.js`);
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
    const post = await fetch(`${t.origin}${files[0]}`, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.body?.cancel();
  });

  it('ships JS and CSS that load nothing from another origin', async () => {
    for (const file of references(html).filter((ref) => ref.startsWith('/graphiql/'))) {
      const text = await (await fetch(`${t.origin}${file}`)).text();
      expect(text).not.toContain('sourceMappingURL');
      if (file.endsWith('.css')) {
        expect(text).not.toMatch(/@import/);
        const urls = [...text.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/g)].map((m) => m[2]!);
        for (const url of urls) expect(url, file).toMatch(/^data:/);
        expect(absoluteUrls(text), file).toEqual([]);
        continue;
      }
      if (file.endsWith('/init.js')) {
        expect(absoluteUrls(text)).toEqual([]);
        expect(text).toContain('"endpoint": "/graphql"');
        continue;
      }
      const foreign = absoluteUrls(text).filter(
        (url) => !/^https?:\/\/$/.test(url) && !INERT_URL_PREFIXES.some((prefix) => url.startsWith(prefix)),
      );
      expect(foreign, file).toEqual([]);
      expect(text, file).not.toMatch(/unpkg\.com|jsdelivr\.net|esm\.sh|cdnjs\.|fonts\.googleapis|fonts\.gstatic/);
    }
  });

  it('opens with the example operations, and the headers editor with an Authorization placeholder', async () => {
    const init = references(html).find((ref) => ref.endsWith('/init.js'))!;
    const text = await (await fetch(`${t.origin}${init}`)).text();
    for (const example of GRAPHIQL_EXAMPLES) expect(text).toContain(JSON.stringify(example.query));
    expect(text).toContain(JSON.stringify(GRAPHIQL_DEFAULT_HEADERS));
    expect(GRAPHIQL_DEFAULT_HEADERS).toContain('"Authorization": "Bearer <token>"');
    expect(text).toContain('isHeadersEditorEnabled: true');
    expect(text).toContain('shouldPersistHeaders: false');
  });

  it('runs every example on the sandbox without errors, as GraphiQL sends it (POST JSON, with the placeholder header)', async () => {
    const headers = JSON.parse(GRAPHIQL_DEFAULT_HEADERS) as Record<string, string>;
    for (const example of GRAPHIQL_EXAMPLES) {
      const res = await t.query(example.query, undefined, headers);
      expect(res.status, example.name).toBe(200);
      expect(res.body.errors, example.name).toBeUndefined();
      const [field] = Object.values(res.body.data ?? {});
      expect(field, example.name).toBeTruthy();
    }
    const first = await t.query(GRAPHIQL_EXAMPLES[0]!.query);
    expect(first.body.data).toEqual({
      connectorDestination: {
        name: 'Lumen Lighting Cloud EU',
        authType: expect.any(String),
        cloudConnector: { name: expect.any(String) },
      },
    });
  });

  it('redirects / to /graphql', async () => {
    const res = await fetch(`${t.origin}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/graphql');
  });

  it('leaves GraphQL over JSON as it was: POST, GET with a query, and non-browser GETs', async () => {
    const query = '{ connectorDestination(id: "dest-lumen-eu") { name } }';
    const expected = { data: { connectorDestination: { name: 'Lumen Lighting Cloud EU' } } };

    const post = await t.query(query);
    expect(post.status).toBe(200);
    expect(post.headers.get('content-type')).toMatch(/^application\/json/);
    expect(post.body).toEqual(expected);

    // A GET with a query is GraphQL even from a browser (CSRF prevention still applies).
    const get = await fetch(`${t.url}?query=${encodeURIComponent(query)}`, {
      headers: { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual(expected);
    const simple = await fetch(`${t.url}?query=${encodeURIComponent(query)}`, { headers: { accept: BROWSER_ACCEPT } });
    expect(simple.status).toBe(400);
    await simple.body?.cancel();

    for (const accept of ['application/json', '*/*', 'application/graphql-response+json']) {
      const { res, text } = await getPage(t.origin, accept);
      expect(res.headers.get('content-type') ?? '', accept).not.toContain('text/html');
      expect(text).not.toContain('<html');
    }
    const head = await fetch(t.url, { method: 'HEAD', headers: { accept: BROWSER_ACCEPT } });
    expect(head.headers.get('content-type') ?? '').not.toContain('text/html');
  });

  it('needs no token for the page; GraphQL still does', async () => {
    const { createSigner, jwtAuth } = await import('./helpers/jwt.ts');
    const signer = createSigner();
    const secured = await startTestServer({
      config: {
        graphiql: true,
        auth: jwtAuth(signer),
      },
    });
    try {
      const { res } = await getPage(secured.origin);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const placeholder = await secured.query(GRAPHIQL_EXAMPLES[0]!.query, undefined, {
        authorization: 'Bearer <token>',
      });
      expect(placeholder.status).toBe(401);
      const token = await signer.sign({ scope: 'destinations:read' });
      const ok = await secured.query(GRAPHIQL_EXAMPLES[0]!.query, undefined, { authorization: `Bearer ${token}` });
      expect(ok.body.errors).toBeUndefined();
    } finally {
      await secured.close();
    }
  });
});

describe('GraphiQL, off', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { graphiql: false } });
  });
  afterAll(() => t.close());

  it('serves no page, no files and no redirect: GET /graphql for a browser behaves as before', async () => {
    const { res, text } = await getPage(t.origin);
    expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(res.headers.get('content-security-policy')).toBeNull();
    expect(text).not.toContain('<html');
    expect((await fetch(`${t.origin}/`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${t.origin}/graphiql/0000000000000000/graphiql.min.js`)).status).toBe(404);
    expect((await t.query('{ connectorDestination(id: "dest-lumen-eu") { name } }')).body.data).toEqual({
      connectorDestination: { name: 'Lumen Lighting Cloud EU' },
    });
  });
});

describe('the GRAPHIQL setting', () => {
  const production = { NODE_ENV: 'production', SANDBOX: 'true', AUTH_DISABLED: 'true', SHUTDOWN_DELAY_MS: '0' };

  it('defaults to on outside production and off in production; GRAPHIQL=true|false decides', () => {
    expect(loadConfig({}).graphiql).toBe(true);
    expect(loadConfig({ GRAPHIQL: 'false' }).graphiql).toBe(false);
    expect(loadConfig(production).graphiql).toBe(false);
    expect(loadConfig({ ...production, GRAPHIQL: 'true' }).graphiql).toBe(true);
    expect(() => loadConfig({ GRAPHIQL: 'yes please' })).toThrow(/GRAPHIQL must be true or false/);
  });

  it('reaches the server: a production process serves no page unless GRAPHIQL=true', async () => {
    for (const [env, served] of [
      [production, false],
      [{ ...production, GRAPHIQL: 'true' }, true],
    ] as const) {
      const subgraph = await spawnSubgraph({ ...env });
      try {
        const res = await fetch(subgraph.url, { headers: { accept: BROWSER_ACCEPT } });
        await res.body?.cancel();
        expect(res.headers.get('content-type')?.startsWith('text/html') ?? false, JSON.stringify(env)).toBe(served);
        const root = await fetch(new URL('/', subgraph.url), { redirect: 'manual' });
        await root.body?.cancel();
        expect(root.status).toBe(served ? 302 : 404);
        // The page explores the schema by introspection: answered exactly when the page is served.
        const introspection = await fetch(subgraph.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
        });
        const answer = (await introspection.json()) as { data?: unknown };
        expect(answer.data ?? null, JSON.stringify(env)).toEqual(
          served ? { __schema: { queryType: { name: 'Query' } } } : null,
        );
      } finally {
        await subgraph.stop();
      }
    }
  }, 60_000);
});
