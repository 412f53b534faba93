/**
 * Static rules for the Dockerfile and .dockerignore (no Docker engine is needed): a small parser
 * turns the Dockerfile into stages of instructions, and each rule names what it protects.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUT_DIR } from '../scripts/build.ts';
import {
  execForm,
  imageRuntime,
  keyValues,
  parseDockerfile,
  probePreload,
  shellCommands,
  words,
  type Instruction,
  type Stage,
} from './helpers/dockerfile.ts';

const ROOT = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/** `.dockerignore` as BuildKit applies it: root-relative globs, `**`, `!` exceptions, last match wins. */
function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = posix.normalize((negate ? line.slice(1) : line).trim().replace(/^\/+/, '')).replace(/\/+$/, '');
      let source = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i]!;
        if (c === '*' && pattern[i + 1] === '*') {
          i++;
          if (pattern[i + 1] === '/') {
            i++;
            source += '(?:.*/)?';
          } else source += '.*';
        } else if (c === '*') source += '[^/]*';
        else if (c === '?') source += '[^/]';
        else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (path: string) => {
    const clean = posix.normalize(path).replace(/^\.\//, '').replace(/\/+$/, '');
    const segments = clean.split('/');
    let ignored = false;
    for (const rule of rules) {
      // A pattern that matches a parent directory excludes everything below it.
      for (let n = 1; n <= segments.length; n++) {
        if (rule.regex.test(segments.slice(0, n).join('/'))) {
          ignored = !rule.negate;
          break;
        }
      }
    }
    return ignored;
  };
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

const dockerfile = parseDockerfile(read('Dockerfile'));
const stages = dockerfile.stages;
const final = stages.at(-1)!;
const isIgnored = dockerignoreMatcher(read('.dockerignore'));
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const at = (i: Instruction) => `(Dockerfile line ${i.line})`;

/** node:24-slim, a Node 24 point release of it, a Debian-named variant, optionally pinned by digest. */
const NODE_24_SLIM =
  /^(?:docker\.io\/(?:library\/)?)?node:24(?:\.\d+){0,2}(?:-(?:bookworm|trixie))?-slim(?:@sha256:[a-f0-9]{64})?$/;
/** Names that look like secrets, by `_`-separated word (so KEYCLOAK_URL is fine, API_KEY is not). */
const SECRET_WORD = /^(?:SECRETS?|TOKENS?|PASSWORDS?|PASSWD|KEYS?|CREDENTIALS?)$/;
/** Names that look secret but are known not to be. Deliberately empty: add a name only with a reason. */
const NOT_SECRET = new Set<string>();
/** Deployment configuration and credentials of these families never belong in an image. */
const DEPLOYMENT_ONLY = /^(?:AUTH_|CONDUCTORONE_|AWS_|ROUTER_SECRET$|CURSOR_SECRET$)/;

function workdirAt(stage: Stage, instruction: Instruction): string {
  let dir = '/';
  for (const i of stage.instructions) {
    if (i === instruction) break;
    if (i.keyword === 'WORKDIR') dir = posix.resolve(dir, i.rest);
  }
  return dir;
}

/** COPY/ADD sources and destination, exec (JSON) or plain form. */
function copyParts(instruction: Instruction): { sources: string[]; dest: string } {
  const parts = execForm(instruction.rest) ?? words(instruction.rest);
  return { sources: parts.slice(0, -1), dest: parts.at(-1)! };
}

describe('Dockerfile parser', () => {
  it('joins continuation lines, drops comments and reads flags', () => {
    const parsed = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'FROM node:24-slim AS build',
        'RUN a \\',
        '  # a comment inside the continuation',
        '  && b',
        'COPY --from=build --chown=1000:1000 /app/dist ./dist',
        'FROM node:24-slim',
        'ENV A=1 B="two words"',
        'ENV LEGACY value with spaces',
      ].join('\n'),
    );
    expect(parsed.stages.map((s) => [s.image, s.name])).toEqual([
      ['node:24-slim', 'build'],
      ['node:24-slim', null],
    ]);
    const [run, copy] = parsed.stages[0]!.instructions;
    expect(run!.args).toBe('a && b');
    expect(run!.line).toBe(3);
    expect(copy!.flags).toEqual({ from: 'build', chown: '1000:1000' });
    expect(copy!.rest).toBe('/app/dist ./dist');
    const [env1, env2] = parsed.stages[1]!.instructions;
    expect(keyValues(env1!)).toEqual([
      ['A', '1'],
      ['B', 'two words'],
    ]);
    expect(keyValues(env2!)).toEqual([['LEGACY', 'value with spaces']]);
  });

  it("reads how the final stage starts node: the options before the script, the script, the stage's ENV", () => {
    const parsed = parseDockerfile(
      [
        'FROM node:24-slim AS build',
        'ENV BUILD_ONLY=1',
        'CMD ["node", "--not-this-one", "build.js"]',
        'FROM node:24-slim',
        'ENV NODE_ENV=production \\',
        '    MALLOC_ARENA_MAX=2',
        'CMD ["node", "--max-semi-space-size=16", "--heap-growing-percent=40", "dist/index.js", "--an-argument"]',
      ].join('\n'),
    );
    expect(imageRuntime(parsed)).toEqual({
      nodeOptions: ['--max-semi-space-size=16', '--heap-growing-percent=40'],
      script: 'dist/index.js',
      env: { NODE_ENV: 'production', MALLOC_ARENA_MAX: '2' },
    });
    expect(() => imageRuntime(parseDockerfile('FROM node:24-slim\nCMD node dist/index.js'))).toThrow(/exec-form/);
    expect(() => imageRuntime(parseDockerfile('FROM node:24-slim\nCMD ["node", "--inspect"]'))).toThrow(/no script/);
    expect(() =>
      imageRuntime(parseDockerfile('FROM node:24-slim\nCMD ["node", "--max-semi-space-size", "16", "dist/index.js"]')),
    ).toThrow(/"16", is not a \.js, \.mjs, \.cjs or \.ts script \(write Node's options as --name=value\)/);
    expect(() =>
      imageRuntime(parseDockerfile('FROM node:24-slim\nCMD ["node", "--import", "./otel.mjs", "dist/index.js"]')),
    ).toThrow(/option --import takes its value as the next word: write it as --import=value/);
    expect(
      imageRuntime(parseDockerfile('FROM node:24-slim\nCMD ["node", "--import=./otel.mjs", "dist/index.js"]')),
    ).toMatchObject({ nodeOptions: ['--import=./otel.mjs'], script: 'dist/index.js' });
  });

  it('probes a preload: a library the loader cannot find is missing, not loaded', () => {
    expect(probePreload({ LD_PRELOAD: 'libnot-a-library-here.so.9' })).toMatchObject({ missing: true, loaded: false });
  });

  it('matches .dockerignore patterns like BuildKit', () => {
    const ignored = dockerignoreMatcher('**/node_modules\n*.md\n.env.*\nsrc/**/__tests__\ndocs\n!docs/keep.md\n');
    expect(ignored('node_modules')).toBe(true);
    expect(ignored('src/node_modules/.vite/x')).toBe(true);
    expect(ignored('README.md')).toBe(true);
    expect(ignored('schema/README.md')).toBe(false);
    expect(ignored('.env.production')).toBe(true);
    expect(ignored('src/a/__tests__/x.test.ts')).toBe(true);
    expect(ignored('src/index.ts')).toBe(false);
    expect(ignored('docs/deploy.md')).toBe(true);
    expect(ignored('docs/keep.md')).toBe(false);
  });
});

describe('Dockerfile rules', () => {
  it('is multi-stage, and every FROM is Node 24 slim (node:24-slim, optionally pinned by digest)', () => {
    expect(stages.length, 'rule: a build stage and a separate runtime stage').toBeGreaterThanOrEqual(2);
    const names = new Set<string>();
    for (const stage of stages) {
      if (!names.has(stage.image)) {
        expect(stage.image, `rule: FROM ${stage.image} is not a Node 24 slim image`).toMatch(NODE_24_SLIM);
      }
      if (stage.name) names.add(stage.name);
    }
  });

  it('runs the final stage as a non-root USER', () => {
    const users = all(final, 'USER');
    expect(users.length, 'rule: the final stage must set USER (it would run as root)').toBeGreaterThan(0);
    const user = users.at(-1)!.rest;
    const [name, group] = user.split(':');
    expect(['root', '0'], `rule: USER ${user} is root`).not.toContain(name);
    expect(['root', '0'], `rule: USER ${user} has the root group`).not.toContain(group ?? '-');
  });

  it('exposes port 4001 (the PORT default in README)', () => {
    const ports = all(final, 'EXPOSE').flatMap((i) => i.rest.split(/\s+/));
    expect(ports, 'rule: EXPOSE 4001 in the final stage').toContain('4001');
  });

  it('has a HEALTHCHECK that requests /healthz', () => {
    const checks = all(final, 'HEALTHCHECK');
    expect(checks.length, 'rule: the final stage needs a HEALTHCHECK').toBe(1);
    const check = checks[0]!;
    expect(check.rest, `rule: HEALTHCHECK must run a command ${at(check)}`).toMatch(/^CMD\s/);
    expect(check.rest, `rule: HEALTHCHECK must request /healthz ${at(check)}`).toContain('/healthz');
    // node:24-slim has neither curl nor wget; a check calling them would always fail.
    expect(check.rest, `rule: HEALTHCHECK must not need curl/wget (not in node:24-slim) ${at(check)}`).not.toMatch(
      /\b(curl|wget)\b/,
    );
  });

  it('installs production dependencies only in the final stage (npm ci --omit=dev)', () => {
    const installs = all(final, 'RUN').flatMap((run) =>
      shellCommands(run.rest)
        .filter((cmd) => cmd[0] === 'npm' && ['ci', 'install', 'i', 'add', 'clean-install'].includes(cmd[1] ?? ''))
        .map((cmd) => ({ cmd, run })),
    );
    expect(
      installs.some(({ cmd }) => cmd[1] === 'ci' && cmd.includes('--omit=dev')),
      'rule: the final stage must run `npm ci --omit=dev`',
    ).toBe(true);
    for (const { cmd, run } of installs) {
      expect(cmd, `rule: \`${cmd.join(' ')}\` in the final stage would install devDependencies ${at(run)}`).toContain(
        '--omit=dev',
      );
    }
  });

  it('sets no ENV or ARG that looks secret, and no credentials or deployment settings at all', () => {
    const declared = [...dockerfile.preamble, ...stages.flatMap((s) => s.instructions)]
      .filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')
      .flatMap((i) => keyValues(i).map(([key, value]) => ({ key, value, i })));
    for (const { key, i } of declared) {
      const secretLooking = key
        .toUpperCase()
        .split('_')
        .some((word) => SECRET_WORD.test(word));
      expect(
        secretLooking && !NOT_SECRET.has(key),
        `rule: ${i.keyword} ${key} looks like a secret; secrets come from the environment at run time ${at(i)}`,
      ).toBe(false);
      expect(
        DEPLOYMENT_ONLY.test(key),
        `rule: ${i.keyword} ${key}: AUTH_*, CONDUCTORONE_*, AWS_* and the router/cursor secrets are set by the deployment, never in the image ${at(i)}`,
      ).toBe(false);
    }
    const env = new Map(all(final, 'ENV').flatMap((i) => keyValues(i)));
    expect(env.get('NODE_ENV'), 'rule: the image runs with NODE_ENV=production').toBe('production');
  });

  it('preloads jemalloc from a Debian package it installs, with a MALLOC_CONF jemalloc accepts', () => {
    const { env } = imageRuntime(dockerfile);
    const preload = env['LD_PRELOAD'];
    expect(preload, 'rule: the image runs Node on jemalloc (docs/performance.md, *Memory*)').toBe('libjemalloc.so.2');
    const install = all(final, 'RUN').find((run) =>
      shellCommands(run.rest).some(
        (cmd) => cmd.includes('apt-get') && cmd.includes('install') && cmd.includes('libjemalloc2'),
      ),
    );
    expect(install, 'rule: the final stage installs libjemalloc2, the package LD_PRELOAD names').toBeDefined();
    const userAt = final.instructions.findIndex((i) => i.keyword === 'USER');
    expect(final.instructions.indexOf(install!), 'rule: packages are installed before USER drops root').toBeLessThan(
      userAt,
    );
    expect(install!.rest, `rule: no apt lists left in the image ${at(install!)}`).toMatch(
      /rm -rf \/var\/lib\/apt\/lists/,
    );

    // The same library and settings on this machine: the loader finds it by name, and jemalloc
    // accepts MALLOC_CONF (it writes "<jemalloc>: Invalid conf" for a setting it does not know).
    // .ci/run installs libjemalloc2, so under CI a missing library is a failure.
    const probe = probePreload(env);
    if (probe.missing && !process.env['CI']) return;
    expect(probe.stderr, 'rule: the library loads and jemalloc accepts every MALLOC_CONF setting').toBe('');
    expect(probe.loaded).toBe(true);
  });

  it('starts node in exec form on dist/index.js, so SIGTERM reaches node', () => {
    const cmds = all(final, 'CMD');
    expect(cmds.length, 'rule: the final stage needs a CMD').toBeGreaterThan(0);
    const cmd = cmds.at(-1)!;
    const form = execForm(cmd.rest);
    expect(
      form,
      `rule: CMD must be exec form (JSON array), or /bin/sh would receive SIGTERM ${at(cmd)}`,
    ).not.toBeNull();
    expect(form![0], `rule: CMD must start node directly ${at(cmd)}`).toBe('node');
    expect(form, `rule: CMD must run dist/index.js ${at(cmd)}`).toContain('dist/index.js');
    for (const entrypoint of all(final, 'ENTRYPOINT')) {
      expect(
        execForm(entrypoint.rest),
        `rule: a shell-form ENTRYPOINT swallows signals ${at(entrypoint)}`,
      ).not.toBeNull();
    }
  });

  it('starts Node with heap options this Node accepts, the same as `npm run start:dist`', () => {
    const { nodeOptions, script } = imageRuntime(dockerfile);
    expect(nodeOptions, 'rule: the image sizes the heap for this workload (docs/performance.md)').toEqual(
      expect.arrayContaining([expect.stringMatching(/^--max-semi-space-size=\d+$/)]),
    );
    // V8 refuses an option it does not know, so a Node upgrade that drops one fails here, not in a pod.
    const run = spawnSync(process.execPath, [...nodeOptions, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(run.stderr, 'rule: every CMD option is one this Node accepts').toBe('');
    expect(run.status).toBe(0);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start:dist'], 'rule: `npm run start:dist` runs the compiled entry as the image does').toBe(
      ['node', ...nodeOptions, script].join(' '),
    );
  });

  it('type-checks with tsc -p tsconfig.build.json, bundles with scripts/build.ts, and runs what it built', () => {
    const buildStage = stages.find((s) => s.name && final.instructions.some((i) => i.flags['from'] === s.name));
    expect(buildStage, 'rule: the final stage copies dist/ from a named build stage').toBeDefined();
    const runs = all(buildStage!, 'RUN');
    const typecheck = runs.find((run) => /\btsc\b.*-p\s+tsconfig\.build\.json/.test(run.rest));
    expect(typecheck, 'rule: the build stage type-checks with `tsc -p tsconfig.build.json`').toBeDefined();
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    expect(buildConfig.include, 'rule: tsconfig.build.json checks src/, the code the image runs').toEqual(['src']);
    const bundleRun = runs.find((run) => /\bnode\s+scripts\/build\.ts\b/.test(run.rest));
    expect(bundleRun, 'rule: the build stage bundles with `node scripts/build.ts` (`npm run build`)').toBeDefined();
    expect(runs.indexOf(typecheck!), 'rule: the type-check runs before (or with) the bundle').toBeLessThanOrEqual(
      runs.indexOf(bundleRun!),
    );
    // Where each file of the context lands, copied before the bundle's RUN.
    const landed = new Set<string>();
    const before = buildStage!.instructions.slice(0, buildStage!.instructions.indexOf(bundleRun!));
    for (const copy of before.filter((i) => i.keyword === 'COPY' && !i.flags['from'])) {
      const { sources, dest } = copyParts(copy);
      const target = posix.resolve(workdirAt(buildStage!, copy), dest);
      const intoDirectory = dest.endsWith('/') || sources.length > 1;
      for (const source of sources) landed.add(intoDirectory ? posix.join(target, posix.basename(source)) : target);
    }
    const workdir = workdirAt(buildStage!, bundleRun!);
    for (const needed of ['package.json', 'scripts/build.ts', 'src', 'tsconfig.json', 'tsconfig.build.json']) {
      expect(
        [...landed],
        `rule: the build stage copies ${needed} to ${posix.join(workdir, needed)} before it builds`,
      ).toContain(posix.join(workdir, needed));
    }
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['build'], 'rule: `npm run build` does what the image does').toBe(
      'tsc -p tsconfig.build.json && node scripts/build.ts',
    );

    const outDir = posix.resolve(workdirAt(buildStage!, bundleRun!), OUT_DIR);
    const copyDist = final.instructions.find((i) => i.keyword === 'COPY' && i.flags['from'] === buildStage!.name)!;
    const { sources, dest } = copyParts(copyDist);
    expect(sources, `rule: the final stage must copy the bundle's directory ${outDir} ${at(copyDist)}`).toEqual([
      outDir,
    ]);

    const finalWorkdir = workdirAt(final, final.instructions.at(-1)!);
    const distDir = posix.resolve(workdirAt(final, copyDist), dest);
    const { script } = imageRuntime(dockerfile);
    expect(posix.resolve(finalWorkdir, script), 'rule: CMD must run the copied dist/index.js').toBe(
      posix.join(distDir, 'index.js'),
    );
    expect(read('scripts/build.ts'), 'rule: dist/index.js is the bundle of src/index.ts (the `index` entry)').toContain(
      "bundle({ index: resolve(ROOT, 'src/index.ts') }",
    );
  });

  it('copies schema/ beside dist/, where src/schema.ts reads the SDL at start-up', () => {
    expect(read('src/schema.ts'), 'src/schema.ts reads ../schema/ relative to itself').toContain(
      "new URL('../schema/', import.meta.url)",
    );
    const copySchema = all(final, 'COPY').find((i) => !i.flags['from'] && copyParts(i).sources.includes('schema'));
    expect(copySchema, 'rule: the final stage must COPY schema/').toBeDefined();
    const copyDist = all(final, 'COPY').find((i) => i.flags['from'])!;
    const schemaDir = posix.resolve(workdirAt(final, copySchema!), copyParts(copySchema!).dest);
    const distDir = posix.resolve(workdirAt(final, copyDist), copyParts(copyDist).dest);
    expect(schemaDir, 'rule: schema/ must sit next to dist/ (the bundle reads ../schema/)').toBe(
      posix.join(posix.dirname(distDir), 'schema'),
    );
    const sdl = readdirSync(new URL('schema/', ROOT)).filter((f) => f.endsWith('.graphql'));
    expect(sdl.length, 'schema/ holds the SDL files').toBeGreaterThan(0);
  });

  it('copies only files that exist in the repository and are not excluded by .dockerignore', () => {
    for (const stage of stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
        if (copy.flags['from']) continue;
        expect(copy.keyword, `rule: use COPY, not ADD ${at(copy)}`).toBe('COPY');
        for (const source of copyParts(copy).sources) {
          expect(existsSync(new URL(source, ROOT)), `rule: COPY source ${source} does not exist ${at(copy)}`).toBe(
            true,
          );
          expect(isIgnored(source), `rule: COPY source ${source} is excluded by .dockerignore ${at(copy)}`).toBe(false);
        }
      }
    }
  });

  it('.dockerignore keeps dependencies, git data, test output and env files out of the context', () => {
    for (const path of ['node_modules', 'src/node_modules', '.git', 'test-output', '.env', '.env.local', 'dist']) {
      expect(isIgnored(path), `rule: .dockerignore must exclude ${path}`).toBe(true);
    }
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'scripts/build.ts',
      'schema',
    ]) {
      expect(isIgnored(path), `rule: .dockerignore must not exclude ${path}`).toBe(false);
    }
  });
});
