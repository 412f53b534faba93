/**
 * Checks that test/contract/schema.graphql is an exact copy of the public contract, whose source of truth
 * is ../shared/contract/schema.graphql (beside this repository; both resolved from this script's location).
 *
 *   node scripts/check-contract.ts
 *
 * Exit 0: the shared contract is absent (nothing to compare; a note says so) or the copy is identical
 * (line endings aside). Exit 1: the copy differs from the shared contract, or the copy is missing.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url);
const SHARED = fileURLToPath(new URL('../shared/contract/schema.graphql', ROOT));
const COPY = fileURLToPath(new URL('test/contract/schema.graphql', ROOT));
const COPY_LABEL = 'test/contract/schema.graphql';

/** The file's text, or undefined when it does not exist; other read errors propagate. */
function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function normaliseLineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** 1-based number of the first line that differs, with both lines. */
function firstDifference(expected: string, actual: string): { line: number; expected?: string; actual?: string } {
  const expectedLines = expected.split('\n');
  const actualLines = actual.split('\n');
  const length = Math.max(expectedLines.length, actualLines.length);
  for (let i = 0; i < length; i += 1) {
    if (expectedLines[i] !== actualLines[i]) {
      return { line: i + 1, expected: expectedLines[i], actual: actualLines[i] };
    }
  }
  return { line: length };
}

function describeLine(line: string | undefined): string {
  return line === undefined ? '(end of file)' : JSON.stringify(line);
}

function main(): number {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      `Usage: node scripts/check-contract.ts\n\nFails (exit 1) when ${SHARED} exists and differs from ${COPY}.\n`,
    );
    return 0;
  }

  const copy = readIfExists(COPY);
  if (copy === undefined) {
    process.stderr.write(`check-contract: ${COPY_LABEL} is missing (expected at ${COPY}).\n`);
    return 1;
  }
  const shared = readIfExists(SHARED);
  if (shared === undefined) {
    process.stdout.write(
      `check-contract: note: the shared contract ${SHARED} does not exist; nothing to compare ${COPY_LABEL} with.\n`,
    );
    return 0;
  }

  const expected = normaliseLineEndings(shared);
  const actual = normaliseLineEndings(copy);
  if (expected === actual) {
    const note = shared === copy ? '' : ' (line endings aside)';
    process.stdout.write(`check-contract: ${COPY_LABEL} is identical to ${SHARED}${note}.\n`);
    return 0;
  }

  const difference = firstDifference(expected, actual);
  process.stderr.write(
    [
      `check-contract: ${COPY_LABEL} differs from the shared contract ${SHARED}.`,
      `  first difference at line ${difference.line}:`,
      `    shared: ${describeLine(difference.expected)}`,
      `    copy:   ${describeLine(difference.actual)}`,
      `  The shared contract is the source of truth: copy it over (cp ${SHARED} ${COPY}),`,
      '  then make the subgraph provide it (npx vitest run test/contract.int.test.ts).',
      '',
    ].join('\n'),
  );
  return 1;
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`check-contract: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
