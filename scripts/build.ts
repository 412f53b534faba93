/**
 * The production build: src/index.ts bundled into dist/ with rolldown (`npm run build`, and the
 * Dockerfile's build stage). `npm run build` type-checks with `tsc -p tsconfig.build.json` first.
 *
 *   node scripts/build.ts [--out-dir dist]
 *
 * Why a bundle, not tsc's one file per module: Node keeps every loaded module's source text and
 * its module records for the life of the process. One bundle of the hundreds of modules the server
 * loads, without comments and whitespace, holds 6 MB less V8 heap after start-up and a full GC
 * (15.2 against 21.3 MB, with the stand-in for fast-json-stringify below), which the old
 * generation's growth rule turns into about 9 MB less RSS under load (docs/performance.md, *What
 * each change bought*). It also starts faster: one file to read instead of hundreds.
 *
 * What stays outside the bundle, loaded from node_modules/ at run time (the image installs the
 * production dependencies):
 * - `pino` and `pino-pretty`: pino starts its transports (pino-pretty, when stdout is a terminal)
 *   in a worker thread from its own files, found relative to its own module;
 * - undici's WebAssembly parsers and its fetch modules (see {@link UNDICI_FROM_NODE_MODULES});
 * - the GraphiQL page's assets, which src/graphiql/assets.ts reads from the graphiql, react and
 *   react-dom packages' files.
 *
 * Identifiers are not mangled, so stack traces name the functions; `dist/*.js.map` maps them back to
 * src/ (`NODE_OPTIONS=--enable-source-maps`). Dynamic imports (the AWS SDK's credential providers,
 * Apollo Server's optional plugins) become chunks beside index.js, loaded only when used.
 * Everything lands in one flat directory, so `import.meta.url` of every chunk resolves `../schema/`
 * (src/schema.ts) to the schema/ directory beside dist/.
 */
import { rmSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type BuildOptions, type Plugin } from 'rolldown';

/** Where `npm run build` and the image's build stage write the bundle. */
export const OUT_DIR = 'dist';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The project's own directories: an output directory there, emptied first, would delete them. */
const KEEP = ['src', 'schema', 'scripts', 'test', 'bench', 'docs', 'deploy', 'node_modules', '.git'];

/**
 * Refuses an output directory that is the project's root or above it, or inside one of its own
 * directories: {@link bundle} empties the directory first.
 */
export function checkOutDir(outDir: string): void {
  const fromRoot = relative(ROOT, outDir);
  const top = fromRoot.split(sep)[0]!;
  if (fromRoot === '' || top === '..' || KEEP.includes(top)) {
    throw new Error(`scripts/build.ts refuses to empty ${outDir}: choose a directory of its own, such as ${OUT_DIR}/`);
  }
}

/** Packages loaded from node_modules/ at run time (see above), with their subpaths. */
const EXTERNAL = [/^pino($|\/)/, /^pino-pretty($|\/)/];

/**
 * Modules of dependencies that this subgraph never runs, but that their packages load at start-up
 * anyway, replaced in the bundle by a module that fails loudly if it is ever called. Each is matched
 * by the specifier it is required with and, for a relative one, the package file that requires it.
 */
const LEFT_OUT: ReadonlyArray<{ source: string; importer?: RegExp; stub: string }> = [
  {
    // graphql-jit requires fast-json-stringify (with ajv, ajv-formats and fast-uri behind it, about
    // a third of the bundle's code) at load time, but calls it only for its `customJSONSerializer`
    // option, which this subgraph leaves off (src/execution/jitGateway.ts; responses are serialised
    // once with JSON.stringify, docs/performance.md).
    source: 'fast-json-stringify',
    stub: `module.exports = function fastJsonStringify() {
  throw new Error("fast-json-stringify is left out of this bundle (scripts/build.ts): graphql-jit's customJSONSerializer must stay off.");
};
`,
  },
  {
    // undici's HTTP/2 client, and with it node:http2 and TLS (in a bare process, 0.9 MiB of heap and
    // 9 MiB of RSS on top of node:http): the upstream pools are HTTP/1.1 (`allowH2: false`,
    // src/adapters/http/pool.ts), so undici never hands a connection to it.
    importer: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    source: './client-h2.js',
    stub: `module.exports = function connectH2() {
  throw new Error("undici's HTTP/2 client is left out of this bundle (scripts/build.ts): the upstream pools are HTTP/1.1 (allowH2: false).");
};
`,
  },
  {
    // prom-client's Pushgateway, which requires node:https (so TLS) and zlib when prom-client loads:
    // this subgraph's metrics are scraped from /metrics, never pushed.
    importer: /[\\/]prom-client[\\/]index\.js$/,
    source: './lib/pushgateway',
    stub: `module.exports = class Pushgateway {
  constructor() {
    throw new Error("prom-client's Pushgateway is left out of this bundle (scripts/build.ts): metrics are scraped from /metrics.");
  }
};
`,
  },
];

/**
 * Parts of undici that load from node_modules/ when first required, instead of from the bundle,
 * where their source text would be kept for the life of the process:
 * - its HTTP/1.1 parsers, WebAssembly modules written into JavaScript files as base64 text (llhttp
 *   with and without SIMD, and the opt-in Milo: about 300 KB); undici loads one of them when its
 *   first connection opens;
 * - its fetch and WebIDL modules (`lib/web/`), which the pool requires only for FormData bodies; the
 *   clients send strings.
 */
const UNDICI_LIB = /[\\/]node_modules[\\/]undici[\\/]lib[\\/]/;
const UNDICI_FROM_NODE_MODULES = /^(?:web\/|llhttp\/llhttp(?:_simd)?-wasm\.js$|milo\/)/;

/** {@link LEFT_OUT} (all of it, or without fast-json-stringify) and {@link UNDICI_FROM_NODE_MODULES}. */
const leftOut = (keepJsonSerializer: boolean): Plugin => ({
  name: 'left-out-modules',
  resolveId(source, importer) {
    const lib = importer && source.startsWith('.') ? UNDICI_LIB.exec(resolve(dirname(importer), source)) : null;
    if (lib) {
      const inLib = lib.input
        .slice(lib.index + lib[0].length)
        .split(sep)
        .join('/');
      if (UNDICI_FROM_NODE_MODULES.test(inLib)) return { id: `undici/lib/${inLib}`, external: true };
    }
    if (keepJsonSerializer && source === 'fast-json-stringify') return null;
    const index = LEFT_OUT.findIndex(
      (m) => m.source === source && (!m.importer || (importer !== undefined && m.importer.test(importer))),
    );
    return index === -1 ? null : `\0left-out:${index}`;
  },
  load(id) {
    return id.startsWith('\0left-out:') ? LEFT_OUT[Number(id.slice('\0left-out:'.length))]!.stub : null;
  },
});

/**
 * Bundles `entries` (name → source file, `.ts` or `.js`) into `outDir`, which is emptied first:
 * `<outDir>/<name>.js` for each entry, plus shared and lazily loaded chunks. `keepJsonSerializer`
 * bundles fast-json-stringify as it is, for code that uses it (the benchmark's Fastify peer).
 */
export async function bundle(
  entries: Record<string, string>,
  outDir: string,
  { keepJsonSerializer = false }: { keepJsonSerializer?: boolean } = {},
): Promise<string[]> {
  checkOutDir(resolve(outDir));
  rmSync(outDir, { recursive: true, force: true });
  const options: BuildOptions = {
    input: entries,
    platform: 'node',
    external: EXTERNAL,
    plugins: [leftOut(keepJsonSerializer)],
    logLevel: 'warn',
    output: {
      dir: outDir,
      format: 'esm',
      // Positions only, without the sources: enough for --enable-source-maps to name src/ lines.
      sourcemap: true,
      sourcemapExcludeSources: true,
      // ASCII only: Node then keeps the source text at one byte per character instead of two
      // (UTF-16), for the life of the process (about 1.3 MB less here).
      charset: 'ascii',
      keepNames: true,
      minify: { compress: true, mangle: false, codegen: { removeWhitespace: true } },
      // Licence notices stay; every other comment goes.
      comments: { legal: true, annotation: false, jsdoc: false },
    },
  };
  const result = await build(options);
  return result.output.map((file) => file.fileName);
}

// Run as a script (not `import.meta.main`, which Node 24 has only from 24.2).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: OUT_DIR } } });
  const outDir = resolve(ROOT, values['out-dir']);
  try {
    const files = await bundle({ index: resolve(ROOT, 'src/index.ts') }, outDir);
    console.log(`bundled src/index.ts into ${outDir}: ${files.filter((f) => !f.endsWith('.map')).length} files`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
