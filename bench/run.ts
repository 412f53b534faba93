/**
 * `npm run bench`: this subgraph against its peers, in one run, on this machine.
 *
 * 1. Starts the wire-level upstream simulators (bench/upstreams.ts) over a seed large enough for
 *    lists and batches of 100, and the contenders (bench/targets/*), each in its own process:
 *    this subgraph in production mode, the same with loaders off (N+1), stock Apollo Server 5
 *    with the same resolvers, and Mercurius + graphql-jit with the same resolvers.
 * 2. Checks every contender's answer to every query of the mix (bench/mix.ts) against this
 *    subgraph's, and counts the upstream calls one request makes against the computed minimum.
 * 3. Throughput: closed-loop autocannon runs, interleaved (every round runs every query against
 *    every contender, in a rotating order), with CPU time and RSS sampled from each contender;
 *    medians over the rounds.
 * 4. Added latency: at a fixed arrival rate with a fixed upstream latency, single lookups through
 *    the subgraph against a replay of the same upstream calls (the critical path) at the same rate.
 * 5. Start-up to ready of the compiled entry, as the image starts it.
 * Then writes results.json, results.md and results.svg (bench/ for a full run, .tmp/bench/ otherwise).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { Pool } from 'undici';
import { aboveMinimum, goalsOf } from './goals.ts';
import { cellOrder, closedLoop, median, openLoop, type LoadRequest, type OpenLoopResult } from './load.ts';
import { createMix, flattenCalls, minimumOf, type MixQuery } from './mix.ts';
import {
  TARGET_DESCRIPTIONS,
  TARGETS,
  type ProcessStats,
  type RecordedRequest,
  type TargetMessage,
  type TargetName,
  type UpstreamMessage,
} from './protocol.ts';
import { renderMarkdown, renderSvg } from './report.ts';
import type { BenchResults, Cell, OverheadResult, QueryInfo, ThroughputSummary } from './results.ts';
import { createBenchSeed } from './seed.ts';
import { bundle } from '../scripts/build.ts';
import { imageRuntime, parseDockerfile, probePreload } from '../test/helpers/dockerfile.ts';

const HELP = `npm run bench -- [options]

  --duration <s>           seconds per throughput run (default 3)
  --warmup <s>             warm-up seconds per contender and query before the first round (default 1)
  --settle <s>             unmeasured seconds of the same load right before every measured run
                           (default 1; see docs/performance.md)
  --rounds <n>             interleaved rounds; medians are quoted (default 4: with the four
                           contenders, each query then runs each first once, and after each other once)
  --connections <n>        autocannon connections (default 10)
  --latency <ms>           upstream latency of the throughput phase (default 0)
  --overhead-rate <n>      arrivals per second of the added-latency phase (default 200)
  --overhead-latency <ms>  upstream latency of the added-latency phase (default 20)
  --overhead-duration <s>  seconds of load per query and target (subgraph, mercurius-jit) in the
                           added-latency phase, split over its rounds; the replay gets as much
                           (default 20)
  --overhead-rounds <n>    interleaved rounds (replay, then each target) of the added-latency
                           phase; medians are quoted (default 4)
  --allocation-duration <s>
                           seconds of load per contender and query in the last phase, which
                           measures bytes allocated per request (default 1)
  --targets <a,b>          contenders (default all: ${TARGETS.join(', ')})
  --queries <a,b>          queries of the mix (default all)
  --smoke                  a 2-second check of the whole pipeline (CI): short runs, one round
  --cpu-prof <dir>         write a V8 CPU profile of each contender to <dir>/<contender>/
  --node-options="<opts>"
                           Node options for every contender, e.g. --node-options="--max-semi-space-size=16"
                           (with "=": a separate value that starts with "-" is refused)
  --node-defaults          run this subgraph with Node's defaults, not with the heap options and
                           environment the image starts it with (the Dockerfile's CMD and ENV)
  --out <dir>              where results.json, results.md and results.svg go (default bench/ for a
                           full run; .tmp/bench/ for a smoke or a subset of targets or queries)
`;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    settle: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    latency: { type: 'string' },
    'overhead-rate': { type: 'string' },
    'overhead-latency': { type: 'string' },
    'overhead-duration': { type: 'string' },
    'overhead-rounds': { type: 'string' },
    'allocation-duration': { type: 'string' },
    targets: { type: 'string' },
    queries: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'node-options': { type: 'string' },
    'node-defaults': { type: 'boolean' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

function numberFlag(name: keyof typeof flags, fallback: number, min: number, max: number): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(value) || value < min || value > max) {
    process.stderr.write(`--${name} must be a number from ${min} to ${max}.\n\n${HELP}`);
    process.exit(2);
  }
  return value;
}

const smoke = flags.smoke === true;
const seed = createBenchSeed();
const fullMix = createMix(seed);
const selectedQueries = flags.queries?.split(',').filter(Boolean);
const mix = selectedQueries ? fullMix.filter((q) => selectedQueries.includes(q.name)) : fullMix;
const unknownQueries = (selectedQueries ?? []).filter((name) => !fullMix.some((q) => q.name === name));
const selectedTargets = flags.targets?.split(',').filter(Boolean);
const unknownTargets = (selectedTargets ?? []).filter((name) => !(TARGETS as readonly string[]).includes(name));
if (unknownQueries.length > 0 || unknownTargets.length > 0 || mix.length === 0) {
  process.stderr.write(
    `Unknown ${unknownQueries.length > 0 ? `queries: ${unknownQueries.join(', ')} (known: ${fullMix.map((q) => q.name).join(', ')})` : `targets: ${unknownTargets.join(', ')}`}\n`,
  );
  process.exit(2);
}
const targets = TARGETS.filter((t) => !selectedTargets || selectedTargets.includes(t));
const settings = {
  smoke,
  // The smoke spreads about two seconds of load per contender over the mix.
  durationS: smoke ? Math.max(0.1, 2 / mix.length) : numberFlag('duration', 3, 0.1, 600),
  warmupS: smoke ? 0 : numberFlag('warmup', 1, 0, 600),
  settleS: smoke ? 0 : numberFlag('settle', 1, 0, 600),
  rounds: smoke ? 1 : numberFlag('rounds', 4, 1, 100),
  connections: numberFlag('connections', 10, 1, 1000),
  latencyMs: numberFlag('latency', 0, 0, 10_000),
  overhead: {
    rate: numberFlag('overhead-rate', 200, 1, 10_000),
    latencyMs: numberFlag('overhead-latency', 20, 0, 10_000),
    durationS: smoke ? 0.5 : numberFlag('overhead-duration', 20, 0.1, 600),
    rounds: smoke ? 1 : numberFlag('overhead-rounds', 4, 1, 100),
  },
  allocationDurationS: smoke ? 0.2 : numberFlag('allocation-duration', 1, 0.1, 600),
};
// Only a full run replaces the committed results in bench/; a smoke or a subset goes to .tmp/bench/.
const partial = smoke || selectedQueries !== undefined || selectedTargets !== undefined;
const outDir = resolve(
  flags.out ?? (partial ? new URL('../.tmp/bench', import.meta.url).pathname : new URL('.', import.meta.url).pathname),
);

const log = (line: string) => process.stderr.write(`${line}\n`);

// ------------------------------------------------------------------ child processes

const NODE = process.execPath;
const home = mkdtempSync(join(tmpdir(), 'bench-home-'));
process.once('exit', () => rmSync(home, { recursive: true, force: true }));

/**
 * Every contender runs bundled by scripts/build.ts's `bundle` (the build of `dist/`), so that none
 * pays for Node's TypeScript stripping in its start-up or its memory, and all are built alike. This
 * subgraph runs as the production image runs it (.tmp/bench-build/bundle/: its N+1 variant too, and
 * the start-up measurement's src/index.ts). The peers, built from the same src/ modules, are in
 * .tmp/bench-build/peers/, with fast-json-stringify kept (Fastify serialises with it). The SDL files
 * sit beside both.
 */
const REPO = new URL('..', import.meta.url).pathname;
const BUILD = join(REPO, '.tmp', 'bench-build');
const BUNDLE = join(BUILD, 'bundle');

async function buildContenders(): Promise<void> {
  rmSync(BUILD, { recursive: true, force: true });
  await bundle({ index: join(REPO, 'src/index.ts'), subgraph: join(REPO, 'bench/targets/subgraph.ts') }, BUNDLE);
  await bundle(
    { apolloStock: join(REPO, 'bench/targets/apolloStock.ts'), mercurius: join(REPO, 'bench/targets/mercurius.ts') },
    join(BUILD, 'peers'),
    { keepJsonSerializer: true },
  );
  cpSync(join(REPO, 'schema'), join(BUILD, 'schema'), { recursive: true });
}

/** A child with an IPC channel: requests carry an id, replies echo it. */
class Child {
  readonly process: ChildProcess;
  readonly stderr: string[] = [];
  #nextId = 1;
  readonly #waiting = new Map<number, (message: unknown) => void>();
  readonly #ready: Promise<unknown>;

  constructor(name: string, script: string, args: string[], env: Record<string, string>, execArgv: string[] = []) {
    this.process = fork(script, args, {
      execPath: NODE,
      execArgv,
      env: { PATH: process.env['PATH'] ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.process.stderr!.on('data', (chunk: Buffer) => {
      this.stderr.push(chunk.toString('utf8'));
      if (this.stderr.length > 50) this.stderr.shift();
    });
    this.#ready = new Promise((resolveReady, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} was not ready within 30 s:\n${this.stderr.join('')}`)),
        30_000,
      );
      this.process.on('message', (message: { type: string; id?: number; message?: string }) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolveReady(message);
        } else if (message.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`${name} failed to start: ${message.message ?? ''}`));
        } else if (message.id !== undefined) {
          this.#waiting.get(message.id)?.(message);
          this.#waiting.delete(message.id);
        }
      });
      this.process.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code}:\n${this.stderr.join('')}`));
      });
    });
  }

  ready<T>(): Promise<T> {
    return this.#ready as Promise<T>;
  }

  request<T>(command: Record<string, unknown>): Promise<T> {
    const id = this.#nextId++;
    return new Promise((resolveReply) => {
      this.#waiting.set(id, (message) => resolveReply(message as T));
      this.process.send({ ...command, id });
    });
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || !this.process.connected) return;
    const exited = new Promise<void>((r) => this.process.once('exit', () => r()));
    this.process.send({ id: 0, cmd: 'stop' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Each contender's bundled script (under .tmp/bench-build/) and arguments. This subgraph (and its
 * N+1 variant) runs as the image starts it (see `image` below); the peers with Node's defaults.
 * `--node-options` adds to both.
 */
const TARGET_SCRIPTS: Record<TargetName, [string, string[]]> = {
  subgraph: ['bundle/subgraph.js', []],
  'subgraph-n1': ['bundle/subgraph.js', ['--n-plus-one']],
  'apollo-stock': ['peers/apolloStock.js', []],
  'mercurius-jit': ['peers/mercurius.js', []],
};

/**
 * Settings a contender runs with beyond the common ones. The N+1 baseline makes up to 300 upstream
 * calls per request (`entities-credentials`), so up to 3,000 at once at 10 connections: with the
 * default wait queue of 1,000 calls per upstream, it would answer every such request with
 * `UPSTREAM_UNAVAILABLE` (the queue shedding, as designed), and its figures would be the rate of
 * failing fast instead of what N+1 costs. Its queue is sized for its own fan-out.
 */
const TARGET_ENV: Partial<Record<TargetName, Record<string, string>>> = {
  'subgraph-n1': { UPSTREAM_MAX_QUEUE: '10000' },
};

/** Node options for every contender and the start-up measurement, e.g. heap limits (--node-options). */
const nodeOptions = (flags['node-options'] ?? '').split(' ').filter(Boolean);

/**
 * The Node options and environment the image starts this subgraph with (the Dockerfile's CMD and
 * its final stage's ENV, of which the bench's own settings below take precedence), so that the
 * figures are the image's; `--node-defaults` drops them.
 */
const imageAsBuilt: { nodeOptions: string[]; env: Record<string, string> } = flags['node-defaults']
  ? { nodeOptions: [], env: {} }
  : imageRuntime(parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8')));

/**
 * The library the image preloads (jemalloc, from a Debian package) when this machine lacks it: the
 * subgraph then runs on glibc's malloc, without LD_PRELOAD and MALLOC_CONF, and the report says so.
 */
const notPreloaded = ((): string | undefined => {
  const preload = imageAsBuilt.env['LD_PRELOAD'];
  return preload && probePreload({ LD_PRELOAD: preload }, NODE).missing ? preload : undefined;
})();
const image = notPreloaded
  ? {
      nodeOptions: imageAsBuilt.nodeOptions,
      env: Object.fromEntries(
        Object.entries(imageAsBuilt.env).filter(([name]) => name !== 'LD_PRELOAD' && name !== 'MALLOC_CONF'),
      ),
    }
  : imageAsBuilt;
if (notPreloaded) {
  process.stderr.write(
    `bench: ${notPreloaded}, which the image preloads, is not installed here (Debian: apt-get install libjemalloc2); ` +
      "this subgraph runs on glibc malloc, and its memory figures are not the image's.\n",
  );
}
/** The contenders that run this subgraph's own entry (and so start as the image starts it). */
const OURS: ReadonlySet<TargetName> = new Set(
  TARGETS.filter((name) => TARGET_SCRIPTS[name][0] === TARGET_SCRIPTS.subgraph[0]),
);

/** Measured in the added-latency phase: this subgraph (the goal), and the fastest peer as a reference. */
const OVERHEAD_TARGETS: readonly TargetName[] = ['subgraph', 'mercurius-jit'];

interface RunningTarget {
  name: TargetName;
  child: Child;
  url: string;
  startupMs: number;
  pool: Pool;
}

/** Starts a contender's allocation meter, or stops it and returns the bytes allocated since. */
async function meter(target: RunningTarget, action: 'start' | 'stop'): Promise<number> {
  const reply = await target.child.request<Extract<TargetMessage, { type: 'allocation' }>>({
    cmd: 'allocation',
    action,
  });
  if (reply.error !== undefined) throw new Error(`${target.name}: ${reply.error}`);
  return reply.bytes ?? 0;
}

async function stats(child: Child): Promise<ProcessStats> {
  const reply = await child.request<ProcessStats>({ cmd: 'stats' });
  return {
    cpu: reply.cpu,
    memory: reply.memory,
    ...(reply.gc ? { gc: reply.gc } : {}),
    ...(reply.v8WorkerCpuMs !== undefined ? { v8WorkerCpuMs: reply.v8WorkerCpuMs } : {}),
    ...(reply.rssFile !== undefined ? { rssFile: reply.rssFile } : {}),
  };
}

// ------------------------------------------------------------------ requests

/**
 * The callers' identity: a key pair made for this run, whose public key every contender is given
 * (AUTH_JWT_PUBLIC_KEY, with an issuer and an audience), and one token with every scope, sent with
 * every request as a router forwards a caller's token. This subgraph verifies it (once, then it
 * recognises it: src/security/authenticate.ts); the peers have no authentication.
 */
const CALLER_AUTH = await (async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issuer = 'https://idp.bench.invalid';
  const audience = 'connector-auth-subgraph';
  const token = await new SignJWT({
    scope: 'destinations:read credentials:read app-authorizations:read app-authorizations:connect',
  })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('1d')
    .sign(privateKey);
  return {
    env: {
      AUTH_JWT_PUBLIC_KEY: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      AUTH_JWT_ALGORITHMS: 'ES256',
    },
    token,
  };
})();
const REQUEST_HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${CALLER_AUTH.token}` };

function bodyOf(query: MixQuery, n: number): string {
  return JSON.stringify({ query: query.query, variables: query.variables(n) });
}

let sequence = 0;

async function post(target: RunningTarget, body: string): Promise<{ status: number; text: string }> {
  const url = new URL(target.url);
  const res = await target.pool.request({
    method: 'POST',
    path: url.pathname,
    headers: REQUEST_HEADERS,
    body,
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/** 200, JSON, data present and no errors. */
function answered(status: number, text: string): boolean {
  return status === 200 && !text.includes('"errors"') && text.includes('"data"');
}

// ------------------------------------------------------------------ phases

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  log(
    `bench: ${targets.length} contenders × ${mix.length} queries, ${settings.rounds} round(s) of ${settings.durationS.toFixed(2)} s${smoke ? ' (smoke)' : ''}`,
  );

  log('bundling the contenders (scripts/build.ts → .tmp/bench-build)');
  await buildContenders();
  const upstreams = new Child('upstreams', new URL('upstreams.ts', import.meta.url).pathname, [], {});
  const ready = await upstreams.ready<Extract<UpstreamMessage, { type: 'ready' }>>();
  const targetEnv = {
    NODE_ENV: 'production',
    // Production requires caller authentication: this subgraph verifies the Bearer token of every
    // request, as the image runs it (the peers have no such layer and ignore it).
    ...CALLER_AUTH.env,
    HOST: '127.0.0.1',
    PORT: '0',
    SHUTDOWN_DELAY_MS: '0',
    // One key for every contender, so that their cursors (and so their answers) are comparable.
    CURSOR_SECRET: randomBytes(32).toString('base64url'),
    // The mutation's load sends thousands of codes a second to 105 authorizations: the per-
    // authorization limit on connect attempts (10 a minute by default) would refuse nearly all.
    CONNECT_ATTEMPTS_PER_MINUTE: '0',
    ...ready.env,
  };
  const running: RunningTarget[] = [];
  const children: Child[] = [upstreams];
  try {
    for (const name of targets) {
      const [script, args] = TARGET_SCRIPTS[name];
      const profile = flags['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(flags['cpu-prof'], name)] : [];
      const ours = OURS.has(name);
      const env = { ...(ours ? image.env : {}), ...targetEnv, ...TARGET_ENV[name] };
      const child = new Child(name, join(BUILD, script), args, env, [
        ...(ours ? image.nodeOptions : []),
        ...nodeOptions,
        ...profile,
      ]);
      children.push(child);
      const message = await child.ready<Extract<TargetMessage, { type: 'ready' }>>();
      running.push({
        name,
        child,
        url: message.url,
        startupMs: message.startupMs,
        pool: new Pool(new URL(message.url).origin, { connections: 64, pipelining: 1 }),
      });
      log(`  ${name} ready at ${message.url} (${message.startupMs} ms)`);
    }

    await upstreams.request({ cmd: 'latency', ms: settings.latencyMs });

    // ---- correctness and upstream calls, one request each
    const queries: QueryInfo[] = mix.map((q) => {
      const minimumCalls = minimumOf(seed, q);
      return {
        name: q.name,
        description: q.description,
        minimumCalls,
        minimumTotal: Object.values(minimumCalls).reduce((a, b) => a + b, 0),
      };
    });
    const callsOf = new Map<string, Record<string, number>>();
    for (const query of mix) {
      let reference: string | null = null;
      for (const target of running) {
        // A first request warms connections and the token cache; the second is counted.
        await post(target, bodyOf(query, sequence++));
        await upstreams.request({ cmd: 'resetCounters' });
        const { status, text } = await post(target, bodyOf(query, sequence++));
        if (!answered(status, text))
          throw new Error(`${target.name} failed ${query.name}: HTTP ${status} ${text.slice(0, 500)}`);
        const reply = await upstreams.request<Extract<UpstreamMessage, { type: 'reply' }>>({ cmd: 'calls' });
        callsOf.set(`${target.name}|${query.name}`, flattenCalls(reply.calls ?? {}));
        if (!query.fresh) {
          // Cursors embed the upstream's page tokens, which differ from request to request.
          const data = JSON.stringify((JSON.parse(text) as { data: unknown }).data, (key, value: unknown) =>
            key === 'cursor' || key === 'endCursor' ? undefined : value,
          );
          reference ??= data;
          if (data !== reference) {
            let at = 0;
            while (data[at] === reference[at]) at += 1;
            throw new Error(
              `${target.name} answered ${query.name} differently from ${running[0]!.name}, at character ${at}:\n` +
                `${data.slice(Math.max(0, at - 200), at + 200)}\n${reference.slice(Math.max(0, at - 200), at + 200)}`,
            );
          }
        }
      }
    }

    // ---- throughput
    const cells: Cell[] = [];
    const load = (target: RunningTarget, query: MixQuery, durationS: number) => {
      const base = bodyOf(query, sequence++);
      const path = new URL(target.url).pathname;
      return closedLoop({
        url: new URL(target.url).origin,
        connections: settings.connections,
        durationS,
        request: (): LoadRequest => ({
          method: 'POST',
          path,
          headers: REQUEST_HEADERS,
          body: base,
          ...(query.fresh ? { setupRequest: (r: LoadRequest) => ({ ...r, body: bodyOf(query, sequence++) }) } : {}),
        }),
        check: answered,
      });
    };
    const cellOf = async (target: RunningTarget, query: MixQuery, round: number, durationS: number): Promise<Cell> => {
      const before = await stats(target.child);
      const rssSamples: number[] = [];
      const rssFileSamples: number[] = [];
      const sample = (s: ProcessStats) => {
        rssSamples.push(s.memory.rss);
        if (s.rssFile !== undefined) rssFileSamples.push(s.rssFile);
      };
      const sampler = setInterval(() => void stats(target.child).then(sample), 250);
      const result = await load(target, query, durationS);
      clearInterval(sampler);
      const after = await stats(target.child);
      sample(after);
      const cpuMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
      const gcMs = (after.gc?.pauseMs ?? 0) - (before.gc?.pauseMs ?? 0);
      const workerMs =
        after.v8WorkerCpuMs !== undefined && before.v8WorkerCpuMs !== undefined
          ? after.v8WorkerCpuMs - before.v8WorkerCpuMs
          : null;
      return {
        target: target.name,
        query: query.name,
        round,
        requests: result.requests,
        failures: result.failures,
        rps: result.rps,
        latency: result.latency,
        cpuMsPerRequest: result.requests > 0 ? cpuMs / result.requests : 0,
        gcMsPerRequest: result.requests > 0 ? gcMs / result.requests : 0,
        v8WorkerMsPerRequest: workerMs === null ? null : result.requests > 0 ? workerMs / result.requests : 0,
        rssPeak: Math.max(...rssSamples),
        rssSteady: median(rssSamples),
        rssFileSteady: rssFileSamples.length === rssSamples.length ? median(rssFileSamples) : null,
      };
    };

    if (settings.warmupS > 0) {
      log(`warm-up: ${settings.warmupS} s per contender and query`);
      for (const query of mix) for (const target of running) await cellOf(target, query, 0, settings.warmupS);
    }
    for (let round = 1; round <= settings.rounds; round += 1) {
      log(`round ${round}/${settings.rounds}`);
      for (const [qi, query] of mix.entries()) {
        // Balanced orders: a rotation made each contender follow the same one every time (this
        // subgraph right after Mercurius in three cells of four); here, over as many rounds as
        // there are contenders, each query runs each contender first once, and, for an even number
        // of contenders (the four of a full run, or two), right after each other once.
        const order = cellOrder(running, round, qi);
        for (const target of order) {
          // While the others ran, V8 may have shrunk this contender's young generation (it does
          // after a quiet spell, depending on how full it was when the quiet began); a moment of
          // the same load first measures every contender with the heap sizing of sustained load.
          if (settings.settleS > 0) await cellOf(target, query, round, settings.settleS);
          const cell = await cellOf(target, query, round, settings.durationS);
          cells.push(cell);
          log(
            `  ${query.name.padEnd(28)} ${target.name.padEnd(14)} ${cell.rps.toFixed(0).padStart(6)} req/s  p99 ${cell.latency.p99.toFixed(1)} ms  cpu ${cell.cpuMsPerRequest.toFixed(2)} ms/req${cell.failures ? `  ${cell.failures} FAILED` : ''}`,
          );
        }
      }
    }

    const throughput: ThroughputSummary[] = [];
    for (const query of mix) {
      for (const target of running) {
        const mine = cells.filter((c) => c.target === target.name && c.query === query.name);
        // This target's req/s over another's, round by round (each round runs both under the same
        // conditions as nearly as this machine allows); null where there is no such round.
        const ratiosTo = (other: TargetName) => {
          if (other === target.name || !running.some((t) => t.name === other)) return null;
          const ratios = [...mine]
            .sort((a, b) => a.round - b.round)
            .flatMap((c) => {
              const theirs = cells.find((o) => o.target === other && o.query === query.name && o.round === c.round);
              return theirs && theirs.rps > 0 ? [c.rps / theirs.rps] : [];
            });
          return ratios.length > 0 ? ratios : null;
        };
        const toMercurius = ratiosTo('mercurius-jit');
        const toSubgraph = ratiosTo('subgraph');
        const upstreamCalls = callsOf.get(`${target.name}|${query.name}`) ?? {};
        throughput.push({
          target: target.name,
          query: query.name,
          rps: median(mine.map((c) => c.rps)),
          latency: {
            p50: median(mine.map((c) => c.latency.p50)),
            p95: median(mine.map((c) => c.latency.p95)),
            p99: median(mine.map((c) => c.latency.p99)),
          },
          cpuMsPerRequest: median(mine.map((c) => c.cpuMsPerRequest)),
          gcMsPerRequest: median(mine.map((c) => c.gcMsPerRequest)),
          v8WorkerMsPerRequest: mine.every((c) => c.v8WorkerMsPerRequest !== null)
            ? median(mine.map((c) => c.v8WorkerMsPerRequest!))
            : null,
          rssPeakMB: Math.max(0, ...mine.map((c) => c.rssPeak)) / 1e6,
          rssSteadyMB: median(mine.map((c) => c.rssSteady)) / 1e6,
          rssFileSteadyMB: mine.every((c) => c.rssFileSteady !== null)
            ? median(mine.map((c) => c.rssFileSteady!)) / 1e6
            : null,
          requests: mine.reduce((sum, c) => sum + c.requests, 0),
          failures: mine.reduce((sum, c) => sum + c.failures, 0),
          upstreamCalls,
          upstreamCallsTotal: Object.values(upstreamCalls).reduce((a, b) => a + b, 0),
          ratioToMercurius: toMercurius && median(toMercurius),
          ...(toMercurius ? { ratioToMercuriusByRound: toMercurius } : {}),
          ratioToSubgraph: toSubgraph && median(toSubgraph),
        });
      }
    }

    // ---- added latency over the upstream critical path: this subgraph, and Mercurius measured
    // the same way as the reference for what this machine adds at the tail
    const overhead: OverheadResult[] = [];
    const measured = OVERHEAD_TARGETS.flatMap((name) => running.filter((t) => t.name === name));
    const withPath = mix.filter((q) => q.criticalPath);
    if (measured.length > 0 && withPath.length > 0) {
      const { rate, latencyMs, durationS, rounds } = settings.overhead;
      log(
        `added latency: ${rate} req/s, ${latencyMs} ms upstream latency, ${durationS} s per query and target in ${rounds} round${rounds === 1 ? '' : 's'} (${measured.map((t) => t.name).join(', ')})`,
      );
      await upstreams.request({ cmd: 'latency', ms: latencyMs });
      const replayPools = new Map<string, Pool>();
      for (const query of withPath) {
        const through = (target: RunningTarget) => async () => {
          const { status, text } = await post(target, bodyOf(query, sequence++));
          return answered(status, text);
        };
        // Warm up (the subgraph last, so the simulators' logs keep a fresh record of its upstream calls).
        for (const target of [...measured].reverse()) await openLoop(rate, Math.min(1, durationS), through(target));
        const reply = await upstreams.request<Extract<UpstreamMessage, { type: 'reply' }>>({ cmd: 'lastRequests' });
        const recorded = reply.requests ?? {};
        const stages = query.criticalPath!.map((stage) =>
          stage.map((operation) => {
            const request = recorded[operation];
            if (!request) throw new Error(`no recorded ${operation} request to replay for ${query.name}`);
            return request;
          }),
        );
        const replayOnce = async () => {
          for (const stage of stages) {
            const oks = await Promise.all(stage.map((request) => replay(replayPools, request)));
            if (!oks.every(Boolean)) return false;
          }
          return true;
        };
        // The replay's connections are warmed as the targets' were, or its first round would pay
        // for connecting and be slower than the critical path.
        await openLoop(rate, Math.min(1, durationS), replayOnce);
        // Interleaved: replay, then each target (in rotating order), round after round (a
        // percentile is the median of the rounds' percentiles, so one noisy window on this shared
        // machine does not decide it).
        const replays: OpenLoopResult[] = [];
        const runs = new Map<RunningTarget, OpenLoopResult[]>(measured.map((target) => [target, []]));
        for (let i = 0; i < rounds; i += 1) {
          replays.push(await openLoop(rate, durationS / rounds, replayOnce));
          for (let j = 0; j < measured.length; j += 1) {
            const target = measured[(i + j) % measured.length]!;
            runs.get(target)!.push(await openLoop(rate, durationS / rounds, through(target)));
          }
        }
        const merge = (results: OpenLoopResult[]) => ({
          p50: median(results.map((r) => r.latency.p50)),
          p95: median(results.map((r) => r.latency.p95)),
          p99: median(results.map((r) => r.latency.p99)),
        });
        const r = merge(replays);
        const replayFailures = replays.reduce((sum, run) => sum + run.failures, 0);
        for (const [target, results] of runs) {
          const s = merge(results);
          const result: OverheadResult = {
            query: query.name,
            target: target.name,
            rate,
            upstreamLatencyMs: latencyMs,
            criticalPath: query.criticalPath!,
            requests: results.reduce((sum, run) => sum + run.requests, 0),
            failures: results.reduce((sum, run) => sum + run.failures, replayFailures),
            subgraph: s,
            replay: r,
            added: { p50: s.p50 - r.p50, p95: s.p95 - r.p95, p99: s.p99 - r.p99 },
          };
          overhead.push(result);
          log(
            `  ${query.name.padEnd(28)} ${target.name.padEnd(14)} p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} | replay p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} | added p50 ${result.added.p50.toFixed(2)} p99 ${result.added.p99.toFixed(2)} ms`,
          );
        }
      }
      await Promise.all([...replayPools.values()].map((pool) => pool.close()));
    }

    // ---- bytes allocated per request. Last, because it runs V8's GC profiler in each contender,
    // which keeps costing CPU and memory after it is stopped (bench/targets/kit.ts).
    log(`allocation: ${settings.allocationDurationS} s per contender and query`);
    await upstreams.request({ cmd: 'latency', ms: settings.latencyMs });
    for (const query of mix) {
      for (const target of running) {
        await meter(target, 'start');
        const { requests } = await load(target, query, settings.allocationDurationS);
        const bytes = await meter(target, 'stop');
        const summary = throughput.find((t) => t.target === target.name && t.query === query.name)!;
        if (requests > 0) summary.allocatedKBPerRequest = bytes / 1024 / requests;
      }
    }

    // ---- start-up to ready
    const startups: number[] = [];
    for (let i = 0; i < (smoke ? 1 : 3); i += 1) startups.push(await startupToReady(targetEnv));
    const startupToReadyMs = median(startups);
    log(`start-up to ready: ${startups.map((ms) => ms.toFixed(0)).join(', ')} ms`);

    const results: BenchResults = {
      version: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: {
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGB: Math.round(totalmem() / 2 ** 30),
      },
      settings: {
        ...settings,
        nodeOptions,
        image: {
          nodeOptions: image.nodeOptions,
          env: Object.fromEntries(Object.entries(image.env).filter(([name]) => !(name in targetEnv))),
          ...(notPreloaded ? { notPreloaded } : {}),
        },
      },
      targets: running.map((t) => ({ name: t.name, description: TARGET_DESCRIPTIONS[t.name], startupMs: t.startupMs })),
      queries,
      throughput,
      cells,
      overhead,
      startupToReadyMs,
      goals: [],
    };
    results.goals = goalsOf(results);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(outDir, 'results.md'), renderMarkdown(results));
    writeFileSync(join(outDir, 'results.svg'), renderSvg(results));
    log(`\n${renderMarkdown(results)}`);
    log(
      `wrote ${join(outDir, 'results.json')}, results.md, results.svg (free memory ${(freemem() / 2 ** 30).toFixed(1)} GiB)`,
    );
    // The benchmark's own checks (the goals are reported, not enforced): this subgraph answered
    // every request, and at the minimum of upstream calls.
    const failed = [
      ...throughput
        .filter((t) => t.target === 'subgraph' && t.failures > 0)
        .map((t) => `${t.query}: ${t.failures} failed`),
      ...overhead
        .filter((o) => o.target === 'subgraph' && o.failures > 0)
        .map((o) => `${o.query} (added latency): ${o.failures} failed`),
      ...aboveMinimum(results).map((t) => `${t.query}: upstream calls above the computed minimum`),
    ];
    if (failed.length > 0) {
      log(`bench: FAILED: ${failed.join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(running.map((t) => t.pool.close()));
    await Promise.all(children.map((c) => c.stop()));
  }
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

/**
 * Operations whose replay the upstream refuses by design: a replayed ConnectAppAuthorization
 * carries an OAuth code that is already used, and is answered 400 after the same latency, signature
 * check and parsing as the original. For these, the 400 is the expected answer of a replay.
 */
const SINGLE_USE: ReadonlySet<string> = new Set(['ConnectAppAuthorization']);

/** Sends a recorded upstream request again, as it was (its signature still fresh). */
async function replay(pools: Map<string, Pool>, request: RecordedRequest): Promise<boolean> {
  let pool = pools.get(request.origin);
  if (!pool) pools.set(request.origin, (pool = new Pool(request.origin, { connections: 64 })));
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
  const res = await pool.request({
    method: request.method as 'GET' | 'POST',
    path: request.path,
    headers,
    ...(request.method === 'GET' ? {} : { body: request.body }),
  });
  await res.body.dump();
  return res.statusCode === 200 || (SINGLE_USE.has(request.operation) && res.statusCode === 400);
}

/**
 * Spawns the bundled entry (`bundle/index.js` of the build, as the image runs `dist/index.js`) in
 * production mode, and times it to a 200 from /readyz.
 */
async function startupToReady(env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(NODE, [...image.nodeOptions, ...nodeOptions, join(BUNDLE, 'index.js')], {
    env: { PATH: process.env['PATH'] ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...image.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const match = /"url":"([^"]+)"/.exec(buffered);
        if (match) resolveUrl(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the bundled src/index.ts exited with ${code}`)));
    });
    const readyz = new URL('/readyz', url);
    for (;;) {
      const res = await fetch(readyz).catch(() => null);
      if (res?.status === 200) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

await main();
