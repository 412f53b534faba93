/**
 * Structured JSON logs. Redaction is a backstop: code never logs GraphQL variables, upstream
 * bodies or credentials in the first place.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';
import { redactText } from './redact.ts';

/** Paths pino censors wherever they appear at these depths. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["router-authorization"]',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.client_assertion',
  '*.secretAccessKey',
  '*.sessionToken',
  'authRequest.code',
  '*.authRequest.code',
  'variables',
  '*.variables',
];

/**
 * JSON lines on stdout; human-readable (pino-pretty) only when stdout is a terminal, so log
 * collectors always get JSON. Tests pass their own destination.
 *
 * Lines are written asynchronously and in batches: they collect in a buffer that is written when it
 * holds {@link LOG_BATCH_BYTES}, or every {@link LOG_FLUSH_MS} ms, whichever comes first. One write
 * system call per request line (a pipe write, and a wake-up of the log collector) cost more than
 * the rest of the logging; batched, a line waits at most {@link LOG_FLUSH_MS} ms. What is pending is
 * written when the process exits (pino flushes its destinations on exit).
 */
/** Bytes of log lines gathered before one write. */
export const LOG_BATCH_BYTES = 4096;
/** The longest a line waits in the batch, in ms. */
export const LOG_FLUSH_MS = 200;

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const pretty = destination === undefined && process.stdout.isTTY === true;
  return pino(
    {
      name: 'connector-auth-subgraph',
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      serializers: { err: logError },
      base: { service: 'connector-auth-subgraph' },
      timestamp: isoTimestamp(),
      ...(pretty
        ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
        : {}),
    },
    ...(pretty
      ? []
      : [
          destination ??
            pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS }),
        ]),
  );
}

/**
 * An error as a log line shows it (`err`): its type, code, message and stack, and its causes the
 * same way, three deep. The message is cleaned of secret-shaped text (src/redact.ts), in the stack's
 * first line too; the stack's frames are code locations and stay. No other property is copied: an
 * error may carry anything (a request, its headers, a configuration), which pino's own serialiser
 * would write out whole.
 */
export function logError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) {
    return typeof error === 'string' ? redactText(error, 1000) : { type: error === null ? 'null' : typeof error };
  }
  const message = redactText(error.message, 1000);
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line)) ?? [];
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message,
    ...(typeof code === 'string' ? { code: redactText(code, 64) } : typeof code === 'number' ? { code } : {}),
    stack: [`${error.name}: ${message}`, ...frames].join('\n'),
    ...(error.cause !== undefined && depth < 3 ? { cause: logError(error.cause, depth + 1) } : {}),
  };
}

/**
 * A writer of the line logged on every request: what `logger.info(fields, message)` writes (level,
 * time, the logger's bindings, the fields in their order, the message), made with one
 * `JSON.stringify` instead of pino's serialisation field by field, which cost several times more
 * per request. It goes to the logger's own destination, and writes nothing when `info` is off.
 *
 * Nothing is redacted, so it is only for fields known to hold no secret. What it assumes, all true
 * of this subgraph's logger and request line (the test compares the two lines byte for byte):
 * - the logger has no `mixin`, `formatters` or `hooks`, and its bindings are not changed with
 *   `setBindings` after the writer is made (they are read once);
 * - its destination is not a `pino.multistream` (which reads each line's level from pino);
 * - the fields are plain JSON data (no BigInt, no cycles, which pino would still serialise), with
 *   no key named `__proto__` one level down (pino's redaction re-serialises second-level objects
 *   and drops it there; `JSON.stringify` keeps it); the request line's keys are fixed names and
 *   names of upstreams and their operations;
 * - strings are escaped alike because this logger's `*.` redaction paths make pino serialise
 *   every top-level value with `JSON.stringify` too.
 */
export function infoLineWriter(logger: Logger, message: string): (fields: object) => void {
  const owner = logger as unknown as Record<symbol, unknown>;
  const stream = owner[pino.symbols.streamSym] as { write(line: string): unknown };
  const time = owner[pino.symbols.timeSym] as () => string;
  const bindings = owner[pino.symbols.chindingsSym] as string;
  const head = `{"level":${logger.levels.values['info']}`;
  const tail = `,"msg":${JSON.stringify(message)}}\n`;
  return (fields) => {
    if (!logger.isLevelEnabled('info')) return;
    const json = JSON.stringify(fields);
    stream.write(`${head}${time()}${bindings}${json.length > 2 ? `,${json.slice(1, -1)}` : ''}${tail}`);
  };
}

/**
 * pino's `isoTime` (`,"time":"2026-12-04T15:03:53.123Z"`), with the text up to the second made
 * once per second instead of a `toISOString()` per line.
 */
export function isoTimestamp(now: () => number = Date.now): () => string {
  let second = Number.NaN;
  let prefix = '';
  return () => {
    const ms = now();
    const thisSecond = Math.floor(ms / 1000);
    if (thisSecond !== second) {
      second = thisSecond;
      prefix = `,"time":"${new Date(thisSecond * 1000).toISOString().slice(0, 20)}`;
    }
    const millis = ms - thisSecond * 1000;
    return `${prefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z"`;
  };
}

export type { Logger };
