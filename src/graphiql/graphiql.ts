/**
 * GraphiQL without the internet: the page at GET /graphql for browsers (an Accept header that
 * prefers text/html, and no `query` parameter), its files under /graphiql/, and a redirect from /.
 * Every file comes from installed packages, read once at start-up; the page's content security
 * policy lets it load and connect to nothing but its own origin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ASSET_PREFIX, loadGraphiQLAssets, type Asset, type GraphiQLAssets } from './assets.ts';

export const GRAPHQL_PATH = '/graphql';

/**
 * The page's policy: scripts, styles and requests from this origin only. Fonts and a few images are
 * data: URLs inside graphiql's CSS. Inline styles are allowed because GraphiQL's dialogs and menus
 * (Radix UI) inject `<style>` elements at run time; inline scripts are not.
 */
export const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const IMMUTABLE = 'public, max-age=31536000, immutable';

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

export interface GraphiQLRoutes {
  /** Answers the request if it is GraphiQL's (the page, a file, or the / redirect); false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  readonly assets: GraphiQLAssets;
}

interface AcceptEntry {
  type: string;
  q: number;
  index: number;
}

function parseAccept(accept: string): AcceptEntry[] {
  return accept.split(',').flatMap((part, index) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (type === '') return [];
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return [{ type, q: Number.isFinite(q) ? q : 0, index }];
  });
}

const JSON_TYPES = new Set(['application/json', 'application/graphql-response+json', 'application/*', '*/*']);

/**
 * Whether the client asks for HTML before JSON: `text/html` named explicitly, with a higher quality
 * than any JSON type (wildcards included), or the same quality and named first. Browsers send
 * `text/html,…,*\/*;q=0.8`; GraphQL clients send JSON types or `*\/*` without text/html.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const entries = parseAccept(accept);
  const html = entries.filter((e) => e.type === 'text/html' && e.q > 0).sort((a, b) => b.q - a.q)[0];
  if (!html) return false;
  const json = entries
    .filter((e) => JSON_TYPES.has(e.type) && e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)[0];
  if (!json) return true;
  return html.q > json.q || (html.q === json.q && html.index < json.index);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function renderPage(assets: GraphiQLAssets): string {
  const styles = assets.styles.map((a) => `    <link rel="stylesheet" href="${escapeHtml(a.path)}" />`).join('\n');
  const scripts = assets.scripts.map((a) => `    <script src="${escapeHtml(a.path)}"></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>GraphiQL · connector-auth-subgraph</title>
    <link rel="icon" href="data:," />
${styles}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <noscript>GraphiQL needs JavaScript.</noscript>
${scripts}
  </body>
</html>
`;
}

function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  const entries = parseAccept(header);
  const gzip = entries.find((e) => e.type === 'gzip') ?? entries.find((e) => e.type === '*');
  return gzip !== undefined && gzip.q > 0;
}

/**
 * Whether an If-None-Match header names `etag`: `*`, or a list of entity tags compared weakly
 * (RFC 9110, 13.1.2), so `W/"…"` and a list a cache sends back both match.
 */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return (trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === etag;
  });
}

function serveAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const gzip = acceptsGzip(req);
  const etag = gzip ? asset.gzipEtag : asset.etag;
  const headers: Record<string, string | number> = {
    'content-type': asset.contentType,
    'cache-control': IMMUTABLE,
    etag,
    vary: 'accept-encoding',
    ...SECURITY_HEADERS,
  };
  if (noneMatch(req.headers['if-none-match'], etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body = gzip ? asset.gzip : asset.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function notFound(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify({ error: message });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

/** Reads the files once; throws at start-up if a package is missing. */
export function createGraphiQL(): GraphiQLRoutes {
  const assets = loadGraphiQLAssets(GRAPHQL_PATH);
  const page = Buffer.from(renderPage(assets), 'utf8');

  return {
    assets,
    handle(req, res, url) {
      const method = req.method ?? 'GET';
      const readOnly = method === 'GET' || method === 'HEAD';

      if (url.pathname === '/' && readOnly) {
        res.writeHead(302, { location: GRAPHQL_PATH, 'cache-control': 'no-store', 'content-length': 0 });
        res.end();
        return true;
      }

      if (url.pathname.startsWith(ASSET_PREFIX)) {
        if (!readOnly) {
          notFound(res, 405, 'Use GET for GraphiQL files.', { allow: 'GET, HEAD' });
          return true;
        }
        const asset = assets.byPath.get(url.pathname);
        if (!asset) notFound(res, 404, 'Not found.');
        else serveAsset(req, res, asset);
        return true;
      }

      if (
        url.pathname === GRAPHQL_PATH &&
        method === 'GET' &&
        !url.searchParams.has('query') &&
        prefersHtml(req.headers.accept)
      ) {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': page.length,
          'content-security-policy': GRAPHIQL_CSP,
          'cache-control': 'no-cache',
          vary: 'accept',
          'x-frame-options': 'DENY',
          'cross-origin-opener-policy': 'same-origin',
          ...SECURITY_HEADERS,
        });
        res.end(page);
        return true;
      }

      return false;
    },
  };
}
