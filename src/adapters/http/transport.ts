/**
 * Transport-level pieces shared by the upstream HTTP clients: what a failure before any response
 * means, and how long to wait before a retry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeadlineExceeded } from '../../deadlines.ts';
import { AbortedBeforeStartError } from './exchange.ts';

/**
 * A failure before a response arrived: connect failure, reset, timeout, abort. `sent` is false
 * only when the request provably never reached the server (the connection was never made).
 */
export class TransportError extends Error {
  readonly code: string;
  readonly timeout: boolean;
  readonly sent: boolean;
  constructor(message: string, init: { code: string; timeout: boolean; sent: boolean; cause?: unknown }) {
    super(message, { cause: init.cause });
    this.name = 'TransportError';
    this.code = init.code;
    this.timeout = init.timeout;
    this.sent = init.sent;
  }
}

/**
 * Failures that another attempt would only repeat: an answer over the size limit (each attempt
 * would download it again) or a 200 whose body is not JSON.
 */
const REPEATABLE_FAILURE_CODES: ReadonlySet<string> = new Set(['RESPONSE_TOO_LARGE', 'INVALID_RESPONSE']);

/** Whether another attempt after this transport failure could turn out differently. */
export function worthRetrying(error: TransportError): boolean {
  return !REPEATABLE_FAILURE_CODES.has(error.code);
}

/** Connection-phase failures: the request never reached the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Classifies an undici or socket error; an aborted signal wins (deadline → timeout). */
export function toTransportError(error: unknown, signal: AbortSignal | undefined): TransportError {
  if (error instanceof AbortedBeforeStartError && signal?.aborted) return abortedBeforeSending(signal);
  if (signal?.aborted) {
    const timeout = isDeadlineExceeded(signal.reason);
    return new TransportError(timeout ? 'The request deadline passed.' : 'The request was aborted.', {
      code: timeout ? 'DEADLINE_EXCEEDED' : 'ABORTED',
      timeout,
      sent: true,
      cause: error,
    });
  }
  const code = String((error as { code?: unknown })?.code ?? (error as Error)?.name ?? 'UNKNOWN');
  return new TransportError(`The request failed before a response arrived (${code}).`, {
    code,
    timeout: TIMEOUT_CODES.has(code),
    sent: !NOT_SENT_CODES.has(code),
    cause: error,
  });
}

/**
 * The signal aborted before the request was handed to a connection: nothing reached the server,
 * so even a non-idempotent write was not processed.
 */
export function abortedBeforeSending(signal: AbortSignal): TransportError {
  const timeout = isDeadlineExceeded(signal.reason);
  return new TransportError(
    timeout
      ? 'The request deadline passed before the request was sent.'
      : 'The request was aborted before it was sent.',
    { code: timeout ? 'DEADLINE_EXCEEDED' : 'ABORTED', timeout, sent: false, cause: signal.reason },
  );
}

/**
 * Whether a failure is this process giving up before anything was sent (the deadline passed, or
 * the caller left, first): it says nothing about the upstream's health. A connection that could
 * not be made is `sent: false` too, but is the upstream's (or the network's) failure.
 */
export function abortedBeforeSent(error: unknown): boolean {
  return (
    error instanceof TransportError && !error.sent && (error.code === 'DEADLINE_EXCEEDED' || error.code === 'ABORTED')
  );
}

/** Full-jitter exponential backoff: a uniform draw from [0, min(base · 2^retryCount, cap)). */
export function fullJitter(
  baseMs: number,
  capMs: number,
  retryCount: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(baseMs * 2 ** retryCount, capMs));
}

/**
 * Waits before a retry. Returns false, without waiting, when the wait would end at or after the
 * deadline, or when the signal aborts during the wait.
 */
export async function waitBeforeRetry(
  delayMs: number,
  options: { signal?: AbortSignal | undefined; deadline?: number | undefined; now?: () => number },
): Promise<boolean> {
  const now = options.now ?? Date.now;
  if (options.deadline !== undefined && now() + delayMs >= options.deadline) return false;
  try {
    await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : {});
    return true;
  } catch {
    return false;
  }
}
