/**
 * A small Dockerfile parser (no Docker engine is needed): stages of instructions, as BuildKit reads
 * them. test/dockerfile.test.ts checks the Dockerfile's rules with it, and the benchmark reads the
 * runtime options the image starts Node with (`imageRuntime`), so it runs the subgraph as the image does.
 */
import { spawnSync } from 'node:child_process';

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** `--name=value` flags at the start of args (COPY --from, HEALTHCHECK --interval, ...). */
  flags: Record<string, string>;
  /** args without the leading flags. */
  rest: string;
  line: number;
}

export interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** Instructions before the first FROM (global ARGs). */
  preamble: Instruction[];
  stages: Stage[];
}

function splitFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args.trimStart();
  for (let match = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest); match; match = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags[match[1]!] = match[2] ?? 'true';
    rest = rest.slice(match[0].length);
  }
  return { flags, rest: rest.trim() };
}

/**
 * Dockerfile syntax, as BuildKit reads it: parser directives and comments start with `#` at the
 * start of a line (comment lines inside a continuation are dropped), a trailing `\` continues the
 * instruction on the next line, keywords are case-insensitive.
 */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let buffer: string | null = null;
  let startLine = 0;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) continue;
    if (buffer === null) {
      if (trimmed === '') continue;
      buffer = '';
      startLine = index + 1;
    }
    const continued = /\\\s*$/.test(raw);
    buffer += (buffer === '' ? '' : ' ') + (continued ? raw.replace(/\\\s*$/, '') : raw).trim();
    if (!continued) {
      const match = /^(\S+)\s*([\s\S]*)$/.exec(buffer)!;
      const args = match[2]!.trim();
      instructions.push({ keyword: match[1]!.toUpperCase(), args, ...splitFlags(args), line: startLine });
      buffer = null;
    }
  }
  if (buffer !== null) throw new Error('Dockerfile ends inside a continuation line');

  const result: Dockerfile = { preamble: [], stages: [] };
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.rest.split(/\s+/);
      result.stages.push({
        image,
        name: as?.toUpperCase() === 'AS' && name ? name : null,
        instructions: [],
      });
    } else if (result.stages.length === 0) {
      result.preamble.push(instruction);
    } else {
      result.stages.at(-1)!.instructions.push(instruction);
    }
  }
  return result;
}

/** Shell-like words: quotes group, backslash escapes (enough for ENV, ARG and RUN). */
export function words(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${text}`);
  if (inWord) out.push(current);
  return out;
}

/** `ENV a=1 b="x y"`, or the legacy `ENV a 1`; `ARG a` or `ARG a=1`. */
export function keyValues(instruction: Instruction): Array<[string, string | undefined]> {
  const parts = words(instruction.rest);
  if (instruction.keyword === 'ENV' && parts.length >= 2 && !parts[0]!.includes('=')) {
    return [[parts[0]!, parts.slice(1).join(' ')]];
  }
  return parts.map((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? [part, undefined] : [part.slice(0, eq), part.slice(eq + 1)];
  });
}

/** The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD, or null for shell form. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const value: unknown = JSON.parse(args);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}

/** The simple commands of a RUN line (split on &&, ||, ;, |), each as words. */
export function shellCommands(run: string): string[][] {
  return run
    .split(/&&|\|\||;|\|/)
    .map((command) => words(command.trim()))
    .filter((command) => command.length > 0);
}

/** How the image's final stage starts the subgraph: Node's options, the script, and its environment. */
export interface ImageRuntime {
  /** The options between `node` and the script in the exec-form CMD. */
  nodeOptions: string[];
  script: string;
  /** The final stage's ENV. */
  env: Record<string, string>;
}

/** Node options whose value, a file, may follow as a separate word. */
const SPLIT_FILE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file']);

export function imageRuntime(dockerfile: Dockerfile): ImageRuntime {
  const final = dockerfile.stages.at(-1);
  if (!final) throw new Error('the Dockerfile has no stage');
  const cmd = final.instructions.filter((i) => i.keyword === 'CMD').at(-1);
  const form = cmd ? execForm(cmd.rest) : null;
  if (!form || form[0] !== 'node') throw new Error('the final stage has no exec-form CMD starting node');
  const scriptAt = form.findIndex((word, index) => index > 0 && !word.startsWith('-'));
  if (scriptAt < 0) throw new Error('the CMD names no script');
  // A Node option with its value as a separate word would read as the script (or, when the value is
  // itself a file such as --import's, hide the real one): the image's CMD writes options as
  // --name=value, and both cases are refused here.
  const splitFileOption = form.slice(1, scriptAt).find((word) => SPLIT_FILE_OPTIONS.has(word));
  if (splitFileOption) {
    throw new Error(
      `the CMD's option ${splitFileOption} takes its value as the next word: write it as ${splitFileOption}=value`,
    );
  }
  if (!/\.[cm]?[jt]s$/.test(form[scriptAt]!)) {
    throw new Error(
      `the CMD's first word after its options, "${form[scriptAt]}", is not a .js, .mjs, .cjs or .ts script (write Node's options as --name=value)`,
    );
  }
  const env: Record<string, string> = {};
  for (const instruction of final.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const [name, value] of keyValues(instruction)) if (value !== undefined) env[name] = value;
  }
  return { nodeOptions: form.slice(1, scriptAt), script: form[scriptAt]!, env };
}

/** What Node started with the image's LD_PRELOAD (and MALLOC_CONF) shows on this machine. */
export interface PreloadProbe {
  /** The loader could not find the library (it says so, and starts Node without it). */
  missing: boolean;
  /** The library is mapped into the process. */
  loaded: boolean;
  /** Anything written to stderr: the loader's complaint, or jemalloc's about a bad MALLOC_CONF. */
  stderr: string;
}

export function probePreload(env: Record<string, string>, node: string = process.execPath): PreloadProbe {
  const preload = env['LD_PRELOAD'] ?? '';
  const run = spawnSync(node, ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/maps', 'utf8'))"], {
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '',
      LD_PRELOAD: preload,
      ...(env['MALLOC_CONF'] !== undefined ? { MALLOC_CONF: env['MALLOC_CONF'] } : {}),
    },
  });
  const name = preload.split('/').at(-1)!;
  return {
    missing: /cannot be preloaded/.test(run.stderr),
    loaded: name !== '' && run.stdout.includes(name),
    stderr: run.stderr,
  };
}
