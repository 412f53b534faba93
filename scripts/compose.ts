/**
 * Composes this subgraph (connector-auth) with other subgraphs into a Federation 2 supergraph.
 *
 *   npm run compose -- [options] [name=path/to/schema.graphql | name=http://host:port/graphql ...]
 *
 * Prints the supergraph SDL to stdout (or writes it to --out). On failure, prints every composition error
 * with its code to stderr and exits 1; a usage error exits 2. Run with --help for the options.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { composeServices } from '@apollo/composition';
import { GraphQLError, parse, Source, type DocumentNode } from 'graphql';

const SELF_NAME = 'connector-auth';
const DEFAULT_ROUTING_URL = 'http://127.0.0.1:4001/graphql';
const FETCH_TIMEOUT_MS = 10_000;
const SUBGRAPH_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

const USAGE = `Usage: npm run compose -- [options] [name=source ...]

Composes the ${SELF_NAME} subgraph with other subgraphs into a Federation 2 supergraph and prints the
supergraph SDL to stdout.

Subgraphs (any number; names are letters, digits, '-' and '_'):
  name=path/to/schema.graphql     a subgraph SDL file (relative to the directory npm was run from)
  name=http://host:port/graphql   a running subgraph: its SDL is read with { _service { sdl } },
                                  and the URL is its routing URL in the supergraph

Options:
  --self-url URL            read ${SELF_NAME}'s SDL from a running server (POST { _service { sdl } })
                            instead of building it in-process from schema/ (createSchema)
  --routing-url URL         ${SELF_NAME}'s routing URL in the supergraph (default ${DEFAULT_ROUTING_URL})
  --subgraph-url name=URL   routing URL of a file subgraph (repeatable; default http://<name>.invalid/graphql)
  --header 'Name: value'    a header sent with the SDL request to --self-url only (repeatable), e.g.
                            'authorization: Bearer <token>' or 'router-authorization: <ROUTER_SECRET>'
                            when ${SELF_NAME} requires them; never sent to the other subgraphs
  --out FILE                write the supergraph SDL to FILE instead of stdout
  --show-hints              print composition hints to stderr
  -h, --help                print this help

Exit status: 0 composed; 1 composition failed or a subgraph could not be read; 2 usage error.

Examples:
  npm run compose -- neighbour=test/fixtures/neighbour.graphql
  npm run compose -- --self-url http://127.0.0.1:4001/graphql accounts=http://127.0.0.1:4002/graphql --out supergraph.graphql
`;

class UsageError extends Error {}

/** A failure with a message meant for the user as is (no stack trace). */
class ScriptError extends Error {}

interface SubgraphSpec {
  name: string;
  /** A file path (resolved) or an http(s) URL. */
  source: string;
  isUrl: boolean;
  routingUrl: string;
  /** A file subgraph without --subgraph-url gets a placeholder routing URL. */
  placeholderRoutingUrl: boolean;
}

interface LoadedSubgraph {
  name: string;
  url: string;
  typeDefs: DocumentNode;
}

interface Options {
  selfUrl: string | undefined;
  routingUrl: string;
  out: string | undefined;
  showHints: boolean;
  help: boolean;
  subgraphs: SubgraphSpec[];
  /** Sent with every SDL request. */
  headers: Record<string, string>;
}

/** Where relative paths are meant from: npm runs scripts in the package root but records the caller's directory. */
function baseDirectory(): string {
  return process.env['INIT_CWD'] ?? process.cwd();
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function splitAssignment(value: string, what: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new UsageError(`${what} must look like name=value, got "${value}"`);
  return [value.slice(0, at), value.slice(at + 1)];
}

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'self-url': { type: 'string' },
        'routing-url': { type: 'string' },
        'subgraph-url': { type: 'string', multiple: true },
        header: { type: 'string', multiple: true },
        out: { type: 'string' },
        'show-hints': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const selfUrl = values['self-url'];
  const routingUrl = values['routing-url'] ?? DEFAULT_ROUTING_URL;
  if (selfUrl !== undefined && !isHttpUrl(selfUrl))
    throw new UsageError(`--self-url must be an http(s) URL, got "${selfUrl}"`);
  if (!isHttpUrl(routingUrl)) throw new UsageError(`--routing-url must be an http(s) URL, got "${routingUrl}"`);

  const routingUrls = new Map<string, string>();
  for (const assignment of values['subgraph-url'] ?? []) {
    const [name, url] = splitAssignment(assignment, '--subgraph-url');
    if (!isHttpUrl(url)) throw new UsageError(`--subgraph-url ${name}: "${url}" is not an http(s) URL`);
    routingUrls.set(name, url);
  }

  const subgraphs: SubgraphSpec[] = [];
  const names = new Set<string>([SELF_NAME]);
  for (const positional of positionals) {
    const [name, source] = splitAssignment(positional, 'A subgraph');
    if (!SUBGRAPH_NAME.test(name)) {
      throw new UsageError(
        `subgraph name "${name}" must start with a letter and hold only letters, digits, '-' and '_'`,
      );
    }
    if (names.has(name)) {
      throw new UsageError(
        name === SELF_NAME ? `"${SELF_NAME}" is this subgraph's own name` : `subgraph "${name}" is given twice`,
      );
    }
    names.add(name);
    const isUrl = isHttpUrl(source);
    const routingUrl = routingUrls.get(name) ?? (isUrl ? source : undefined);
    subgraphs.push({
      name,
      isUrl,
      source: isUrl ? source : resolve(baseDirectory(), source),
      routingUrl: routingUrl ?? `http://${name}.invalid/graphql`,
      placeholderRoutingUrl: routingUrl === undefined,
    });
  }
  for (const name of routingUrls.keys()) {
    if (!subgraphs.some((subgraph) => subgraph.name === name)) {
      throw new UsageError(`--subgraph-url names "${name}", which is not a subgraph given on the command line`);
    }
  }

  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    const name = colon > 0 ? header.slice(0, colon).trim().toLowerCase() : '';
    const value = colon > 0 ? header.slice(colon + 1).trim() : '';
    // eslint-disable-next-line no-control-regex
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || value === '' || /[\x00-\x1f\x7f]/.test(value)) {
      // Not echoed: the value is likely a token.
      throw new UsageError(`--header must look like 'Name: value' (a header name, a colon, a value)`);
    }
    headers[name] = value;
  }

  return {
    headers,
    selfUrl,
    routingUrl,
    out: values.out === undefined ? undefined : resolve(baseDirectory(), values.out),
    showHints: values['show-hints'] ?? false,
    help: values.help ?? false,
    subgraphs,
  };
}

/** POSTs `{ _service { sdl } }` and returns `data._service.sdl`. */
async function fetchSdl(name: string, url: string, headers: Record<string, string>): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : error;
    throw new ScriptError(`${name}: could not read the SDL from ${url}: ${String(cause)}`);
  }
  const text = await response.text();
  if (!response.ok) {
    throw new ScriptError(`${name}: ${url} answered HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ScriptError(`${name}: ${url} did not answer JSON: ${text.slice(0, 500)}`);
  }
  const result = body as { data?: { _service?: { sdl?: unknown } } | null; errors?: Array<{ message?: unknown }> };
  if (result.errors && result.errors.length > 0) {
    const messages = result.errors.map((error) => String(error.message)).join('; ');
    throw new ScriptError(`${name}: ${url} answered { _service { sdl } } with errors: ${messages}`);
  }
  const sdl = result.data?._service?.sdl;
  if (typeof sdl !== 'string' || sdl.trim() === '') {
    throw new ScriptError(`${name}: ${url} answered without data._service.sdl`);
  }
  return sdl;
}

function readSdlFile(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScriptError(`${name}: could not read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function buildSelfSdl(): Promise<string> {
  const [{ printSubgraphSchema }, { createSchema }] = await Promise.all([
    import('@apollo/subgraph'),
    import('../src/schema.ts'),
  ]);
  return printSubgraphSchema(createSchema());
}

function parseSdl(name: string, sdl: string, origin: string): DocumentNode {
  try {
    return parse(new Source(sdl, origin));
  } catch (error) {
    throw new ScriptError(`${name}: invalid SDL\n${error instanceof GraphQLError ? error.toString() : String(error)}`);
  }
}

async function loadSubgraphs(options: Options): Promise<LoadedSubgraph[]> {
  const self = (async (): Promise<LoadedSubgraph> => {
    const origin = options.selfUrl ?? 'schema/ (in-process)';
    const sdl = options.selfUrl ? await fetchSdl(SELF_NAME, options.selfUrl, options.headers) : await buildSelfSdl();
    return { name: SELF_NAME, url: options.routingUrl, typeDefs: parseSdl(SELF_NAME, sdl, origin) };
  })();
  const others = options.subgraphs.map(async (spec): Promise<LoadedSubgraph> => {
    const sdl = spec.isUrl
      ? // The --header values (a token, the router secret) are this subgraph's: not for other teams' servers.
        await fetchSdl(spec.name, spec.source, {})
      : readSdlFile(spec.name, spec.source);
    return { name: spec.name, url: spec.routingUrl, typeDefs: parseSdl(spec.name, sdl, spec.source) };
  });
  return Promise.all([self, ...others]);
}

function errorCode(error: { extensions?: Record<string, unknown> }): string {
  const code = error.extensions?.['code'];
  return typeof code === 'string' ? code : 'UNKNOWN';
}

function indent(text: string): string {
  return text.replace(/\n/g, '\n    ');
}

async function main(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`compose: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  let subgraphs: LoadedSubgraph[];
  try {
    subgraphs = await loadSubgraphs(options);
  } catch (error) {
    if (!(error instanceof ScriptError)) throw error;
    process.stderr.write(`compose: ${error.message}\n`);
    return 1;
  }
  for (const spec of options.subgraphs) {
    if (!spec.placeholderRoutingUrl) continue;
    process.stderr.write(
      `compose: note: ${spec.name} gets the placeholder routing URL ${spec.routingUrl}; set it with --subgraph-url ${spec.name}=URL\n`,
    );
  }

  const result = composeServices(subgraphs);
  const names = subgraphs.map((subgraph) => subgraph.name).join(', ');
  if (result.errors) {
    const lines = result.errors.map((error) => `  - [${errorCode(error)}] ${indent(error.message)}`);
    process.stderr.write(
      `compose: composition of ${names} failed with ${result.errors.length} error(s):\n${lines.join('\n')}\n`,
    );
    return 1;
  }

  if (options.showHints) {
    for (const hint of result.hints) process.stderr.write(`  hint [${hint.definition.code}] ${indent(hint.message)}\n`);
  }
  const sdl = result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
  if (options.out) {
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, sdl);
  } else {
    process.stdout.write(sdl);
  }
  const hintNote = options.showHints || result.hints.length === 0 ? '' : ' (--show-hints to print them)';
  process.stderr.write(
    `compose: composed ${names}; ${result.hints.length} hint(s)${hintNote}${options.out ? `; wrote ${options.out}` : ''}\n`,
  );
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(
    `compose: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
