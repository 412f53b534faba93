/**
 * Structured JSON logs. Redaction is a backstop: code never logs GraphQL variables, upstream
 * bodies or credentials in the first place.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';

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
 * collectors always get JSON. Tests pass their own destination. Lines are written asynchronously
 * (the request path does not wait for the write system call); pino flushes what is pending when
 * the process exits.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const pretty = destination === undefined && process.stdout.isTTY === true;
  return pino(
    {
      name: 'connector-auth-subgraph',
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      base: { service: 'connector-auth-subgraph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(pretty
        ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
        : {}),
    },
    ...(pretty ? [] : [destination ?? pino.destination({ dest: 1, sync: false })]),
  );
}

export type { Logger };
