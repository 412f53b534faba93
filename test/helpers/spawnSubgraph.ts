/**
 * Runs the subgraph as a separate process, exactly as `npm start` does (`node src/index.ts`), with
 * a controlled environment, and waits for its "listening" log line. `options.entry` and
 * `options.nodeOptions` run another entry the same way (the production bundle, as the image does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOG_FLUSH_MS } from '../../src/logger.ts';

export interface SpawnedSubgraph {
  url: string;
  child: ChildProcess;
  /** Every stdout/stderr line so far (log lines arrive in batches: see {@link settledOutput}). */
  output: string[];
  /**
   * Every line logged so far: waits until the batches pending in the process have been written
   * (the logger writes at least every LOG_FLUSH_MS ms), then returns {@link output}.
   */
  settledOutput(): Promise<string[]>;
  stop(): Promise<number | null>;
}

const ENTRY = new URL('../../src/index.ts', import.meta.url).pathname;

export async function spawnSubgraph(
  env: Record<string, string>,
  timeoutMs = 15_000,
  options: { entry?: string; nodeOptions?: string[] } = {},
): Promise<SpawnedSubgraph> {
  const home = mkdtempSync(join(tmpdir(), 'subgraph-home-'));
  const child = spawn(process.execPath, [...(options.nodeOptions ?? []), options.entry ?? ENTRY], {
    // A clean environment: no AWS profile files, no instance metadata, nothing inherited.
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      AWS_EC2_METADATA_DISABLED: 'true',
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => rmSync(home, { recursive: true, force: true }));
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no listening line within ${timeoutMs} ms:\n${output.join('\n')}`));
    }, timeoutMs);
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        output.push(line);
        try {
          const entry = JSON.parse(line) as { url?: string; msg?: string };
          if (entry.url && entry.msg?.includes('listening')) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // not a log line
        }
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output.join('\n')}`));
    });
  });
  return {
    url,
    child,
    output,
    settledOutput: async () => {
      await sleep(LOG_FLUSH_MS * 3);
      return output;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Spawns the subgraph expecting it to refuse to start: resolves with the error that says how it
 * exited (its output included). If it starts after all, it is stopped and this rejects, so a
 * start-up check that stops failing leaves no process behind.
 */
export async function startupFailure(env: Record<string, string>): Promise<Error> {
  let started: SpawnedSubgraph;
  try {
    started = await spawnSubgraph(env);
  } catch (error) {
    return error as Error;
  }
  await started.stop();
  throw new Error(`the subgraph started (at ${started.url}) where it should have refused to`);
}

export async function post(url: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}
