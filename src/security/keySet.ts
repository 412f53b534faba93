/**
 * The key set at `AUTH_JWKS_URL`, as the key resolver of jose's `jwtVerify`. Unlike jose's
 * `createRemoteJWKSet`, it keeps working through an outage of the identity provider, and an outage
 * costs the provider a few requests, not one per caller request:
 *
 * - The keys are fetched on first use, then refreshed in the background once {@link
 *   KeySetTimings.freshMs} old; tokens are verified with the keys at hand meanwhile.
 * - A token whose `kid` is not in the set (a key rotated in) refetches it at once, at most every
 *   {@link KeySetTimings.cooldownMs}.
 * - A failed fetch keeps the last good keys, for up to {@link KeySetTimings.maxStaleMs} after they
 *   were fetched, and starts a back-off (1 s, doubling up to 60 s) during which nothing is fetched.
 *   With no usable keys, a token is answered {@link KeySetUnavailableError} (503) at once.
 * - Each failed fetch is reported once, with its kind and HTTP status: never an error message,
 *   which may quote the URL.
 * - A caller waits for a fetch only as long as its signal (the request's deadline) allows: when it
 *   aborts, the caller is answered {@link KeySetUnavailableError} (`timeout`) at once, and the fetch
 *   goes on for the callers after it.
 */
import {
  createLocalJWKSet,
  errors as joseErrors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';
import { unlessAborted } from '../deadlines.ts';

export interface KeySetTimings {
  /** Fetch timeout. Default 5 s. */
  timeoutMs: number;
  /** Age after which the keys are refreshed in the background. Default 10 min. */
  freshMs: number;
  /** Least time between two fetches for an unknown `kid`. Default 30 s. */
  cooldownMs: number;
  /** How long the last good keys serve while fetches fail. Default 24 h. */
  maxStaleMs: number;
  /** The back-off after a failed fetch: its first wait, doubled per failure up to the last. */
  backoffMs: readonly [first: number, max: number];
}

export const DEFAULT_KEY_SET_TIMINGS: Readonly<KeySetTimings> = Object.freeze({
  timeoutMs: 5_000,
  freshMs: 10 * 60_000,
  cooldownMs: 30_000,
  maxStaleMs: 24 * 60 * 60_000,
  backoffMs: [1_000, 60_000] as const,
});

/** Why a fetch failed: the kind of failure, never its message. */
export type KeySetFailure =
  { reason: 'timeout' | 'network' | 'not-json' | 'not-a-key-set' | 'too-large' } | { reason: 'status'; status: number };

/** No usable keys: the last fetch failed (or the back-off after it runs) and none are kept. */
export class KeySetUnavailableError extends Error {
  readonly failure: KeySetFailure;
  constructor(failure: KeySetFailure) {
    super('The key set could not be read.');
    this.name = 'KeySetUnavailableError';
    this.failure = failure;
  }
}

/** A key set is a few kilobytes; this only stops a wrong URL from streaming a large file in. */
const MAX_KEY_SET_BYTES = 1024 * 1024;

export interface KeySetOptions {
  timings?: Partial<KeySetTimings>;
  /** Called once per failed fetch (the authenticator logs it). */
  onFailure?: (failure: KeySetFailure, state: { keptKeys: boolean; retryInMs: number }) => void;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

export interface KeySet {
  /** jose's key resolver (`jwtVerify`'s second argument), with the caller's signal. */
  resolve(header: JWSHeaderParameters, token: FlattenedJWSInput, signal?: AbortSignal): ReturnType<Local>;
}

type Local = ReturnType<typeof createLocalJWKSet>;

export function createKeySet(url: URL, options: KeySetOptions = {}): KeySet {
  const timings: KeySetTimings = { ...DEFAULT_KEY_SET_TIMINGS, ...options.timings };
  const now = options.now ?? Date.now;
  const href = url.href;

  let keys: Local | null = null;
  let fetchedAt = -Infinity;
  let pending: Promise<void> | null = null;
  /** Set while a back-off runs: no fetch before `until`. */
  let backoff: { until: number; waitMs: number; failure: KeySetFailure } | null = null;

  const usable = () => keys !== null && now() - fetchedAt < timings.maxStaleMs;
  const backingOff = () => backoff !== null && now() < backoff.until;
  /** After a failed fetch, which set the back-off and its failure. */
  const unavailable = () => new KeySetUnavailableError(backoff?.failure ?? { reason: 'network' });

  /** One fetch at a time; callers share it. Never rejects: a failure is recorded instead. */
  function refresh(): Promise<void> {
    if (pending) return pending;
    pending = fetchKeySet(href, timings.timeoutMs)
      .then(
        (json) => {
          keys = createLocalJWKSet(json);
          fetchedAt = now();
          backoff = null;
        },
        (error: unknown) => {
          const failure = failureOf(error);
          const waitMs = backoff ? Math.min(backoff.waitMs * 2, timings.backoffMs[1]) : timings.backoffMs[0];
          backoff = { until: now() + waitMs, waitMs, failure };
          options.onFailure?.(failure, { keptKeys: usable(), retryInMs: waitMs });
        },
      )
      .finally(() => {
        pending = null;
      });
    return pending;
  }

  /** {@link refresh} for a caller: rejects as soon as its signal aborts (the fetch goes on). */
  function refreshFor(signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return refresh();
    const gaveUp = () => new KeySetUnavailableError({ reason: 'timeout' });
    // A caller already gone starts no fetch.
    return signal.aborted ? Promise.reject(gaveUp()) : unlessAborted(refresh(), signal, gaveUp);
  }

  async function current(signal: AbortSignal | undefined): Promise<Local> {
    if (!usable()) {
      if (!backingOff()) await refreshFor(signal);
      if (!usable()) throw unavailable();
    } else if (now() - fetchedAt >= timings.freshMs && !pending && !backingOff()) {
      void refresh(); // in the background; the keys at hand serve meanwhile
    }
    return keys!;
  }

  const resolve: KeySet['resolve'] = async (header, token, signal) => {
    const local = await current(signal);
    try {
      return await local(header, token);
    } catch (error) {
      // A key rotated in since the last fetch: fetch again, unless that was a moment ago.
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      if (now() - fetchedAt < timings.cooldownMs || backingOff()) throw error;
      const before = fetchedAt;
      await refreshFor(signal);
      // The key set could not be read: the token may well be good, so not a 401 but unavailable.
      if (fetchedAt === before) throw unavailable();
      return keys!(header, token);
    }
  };

  return { resolve };
}

class FetchFailure extends Error {
  readonly failure: KeySetFailure;
  constructor(failure: KeySetFailure) {
    super(failure.reason);
    this.failure = failure;
  }
}

function failureOf(error: unknown): KeySetFailure {
  if (error instanceof FetchFailure) return error.failure;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return { reason: 'timeout' };
  return { reason: 'network' };
}

async function fetchKeySet(href: string, timeoutMs: number): Promise<JSONWebKeySet> {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetch(href, {
    method: 'GET',
    redirect: 'manual',
    signal,
    headers: { accept: 'application/json, application/jwk-set+json' },
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new FetchFailure({ reason: 'status', status: response.status });
  }
  const text = await readCapped(response, MAX_KEY_SET_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FetchFailure({ reason: 'not-json' });
  }
  try {
    createLocalJWKSet(json as JSONWebKeySet); // throws JWKSInvalid for anything but a key set
  } catch {
    throw new FetchFailure({ reason: 'not-a-key-set' });
  }
  return json as JSONWebKeySet;
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchFailure({ reason: 'too-large' });
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new FetchFailure({ reason: 'too-large' });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
