/**
 * GraphiQL's static files, read once from installed packages into memory: the `graphiql` UMD bundle
 * and its CSS, React and ReactDOM production UMD builds, and two small files of our own (the page's
 * CSS and the start-up script). Nothing is fetched from another origin: the CSS inlines its fonts
 * and images as data: URLs, and the bundles load no code or styles at run time.
 *
 * Each file is served at /graphiql/<content hash>/<name>, so it can be cached for a year.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GRAPHIQL_DEFAULT_HEADERS, GRAPHIQL_EXAMPLES } from './examples.ts';

export const ASSET_PREFIX = '/graphiql/';

export interface Asset {
  /** The file name, e.g. `graphiql.min.js`. */
  name: string;
  /** Where it is served: `/graphiql/<hash>/<name>`. */
  path: string;
  contentType: string;
  body: Buffer;
  /** The body gzipped once, for clients that accept it. */
  gzip: Buffer;
  /** The plain body's entity tag. */
  etag: string;
  /** The gzipped body's: a strong validator differs between content codings (RFC 9110, 8.8.1). */
  gzipEtag: string;
}

export interface GraphiQLAssets {
  /** In the order the page loads them. */
  scripts: readonly Asset[];
  styles: readonly Asset[];
  byPath: ReadonlyMap<string, Asset>;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const require = createRequire(import.meta.url);

/** A file inside an installed package (resolved through its package.json, which every package exports). */
function packageFile(pkg: string, file: string): Buffer {
  let root: string;
  try {
    root = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`GraphiQL needs the "${pkg}" package (npm ci; or set GRAPHIQL=false).`);
  }
  return readFileSync(join(root, file));
}

/** Drops a trailing `//# sourceMappingURL=` comment: the map is not served (it is 4.7 MB). */
function withoutSourceMap(body: Buffer): Buffer {
  return Buffer.from(body.toString('utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'), 'utf8');
}

function asset(name: string, contentType: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return {
    name,
    path: `${ASSET_PREFIX}${hash}/${name}`,
    contentType,
    body,
    gzip: gzipSync(body, { level: 9 }),
    etag: `"${hash}"`,
    gzipEtag: `"${hash}-gzip"`,
  };
}

const PAGE_CSS = `html,
body {
  height: 100%;
  margin: 0;
}
#graphiql {
  height: 100vh;
}
`;

/** The start-up script: renders GraphiQL against this origin's endpoint with the example tabs. */
export function initScript(endpoint: string): string {
  const config = {
    endpoint,
    headers: GRAPHIQL_DEFAULT_HEADERS,
    tabs: GRAPHIQL_EXAMPLES.map((example) => ({ query: example.query, headers: GRAPHIQL_DEFAULT_HEADERS })),
  };
  return `/* GraphiQL for connector-auth-subgraph. Talks to nothing but this origin's GraphQL endpoint. */
(function () {
  'use strict';
  var config = ${JSON.stringify(config, null, 2)};
  var fetcher = GraphiQL.createFetcher({
    url: new URL(config.endpoint, window.location.href).href,
    enableIncrementalDelivery: false,
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: config.tabs,
      defaultHeaders: config.headers,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
})();
`;
}

export function loadGraphiQLAssets(endpoint: string): GraphiQLAssets {
  const scripts = [
    asset('react.production.min.js', JS, packageFile('react', 'umd/react.production.min.js')),
    asset('react-dom.production.min.js', JS, packageFile('react-dom', 'umd/react-dom.production.min.js')),
    asset('graphiql.min.js', JS, withoutSourceMap(packageFile('graphiql', 'dist/index.umd.js'))),
    asset('init.js', JS, Buffer.from(initScript(endpoint), 'utf8')),
  ];
  const styles = [
    asset('graphiql.min.css', CSS, packageFile('graphiql', 'dist/style.css')),
    asset('page.css', CSS, Buffer.from(PAGE_CSS, 'utf8')),
  ];
  const byPath = new Map([...scripts, ...styles].map((a) => [a.path, a]));
  return { scripts, styles, byPath };
}
