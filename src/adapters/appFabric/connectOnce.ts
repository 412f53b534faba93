/**
 * One code exchange at a time per app authorization, in this process.
 *
 * - Two identical submissions in flight at once (a double click, a client retry racing the first
 *   attempt) send one ConnectAppAuthorization and share its outcome. They are identical when they
 *   name the same authorization and carry the same code and redirect URI; the code is keyed by its
 *   SHA-256, so it is never held as a map key. The shared send is given up when every caller
 *   sharing it has stopped waiting (the first caller's client leaving does not cancel it for a
 *   retry still waiting), or when a caller's deadline passes before the code went out (it is told
 *   that nothing was sent, and that stays true: {@link forCaller}). It keeps the first caller's
 *   deadline.
 * - A different submission for an authorization that has one in flight waits until that one has
 *   settled, status check included, and is then sent. Two codes exchanged at once for one
 *   authorization could race at the provider, and one exchange could revoke what the other was
 *   issued. A submission whose deadline passes (or whose client leaves) while it waits is not
 *   sent: the client sees that nothing reached AppFabric (`abortedBeforeSending`).
 *
 * - A code is sent once. The same code for the same authorization (whatever its redirect URI), after
 *   one that AppFabric answered or may have processed, within {@link CODE_MEMORY_MS}, is not sent
 *   again, also when it waited for its turn behind that one: it gets the authorization's status
 *   instead (success when it is connected, else INVALID_INPUT on the code). A client resending the
 *   mutation after losing the first answer learns the outcome, and the code is not spent twice,
 *   which could fail or make the provider revoke the connection the first exchange made. Only
 *   failures that prove AppFabric did not process the code (a throttle, a call never sent, a
 *   refusal before the code was looked at: NOT_FOUND, ACCESS_DENIED, another 4xx) leave it free
 *   to be sent again.
 *
 * - Attempts are limited per authorization (`CONNECT_ATTEMPTS_PER_MINUTE`, a token bucket that
 *   refills that many a minute). An attempt over the limit is refused with REQUEST_LIMIT_EXCEEDED
 *   before anything is sent; joining an identical submission in flight is not an attempt.
 *
 * This holds per process: replicas behind a load balancer do not see each other's submissions.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { cancelledByCaller, whenAborted } from '../../deadlines.ts';
import { ERRORS } from '../../errors.ts';
import { toSubgraphError } from '../aws/translate.ts';
import { abortedBeforeSending } from '../http/transport.ts';
import {
  idOf,
  isOutcomeUnknown,
  type AppAuthorizationModel,
  type AppFabricPort,
  type ConnectAppAuthorizationInput,
  type ConnectAppAuthorizationResult,
  type ConnectFailure,
} from './port.ts';

/**
 * How far AWS's clock may be behind this host's for an authorization's `updatedAt` to count as
 * after a send, once the host's send time is put in AWS's time (plus the client's
 * `systemClockOffset`, which it learns when the clocks are 5 minutes or more apart: see
 * {@link connectedSince}). It covers only the drift of two synchronised clocks: a connection made
 * by another code this long before the send would be taken for this one's.
 */
export const CLOCK_TOLERANCE_MS = 2_000;

/**
 * Whether an authorization proves that a code sent at `sentAt` (this host's clock) worked: it is
 * CONNECTED, and AWS updated it since. `awsClockOffset` is AWS's clock minus this host's as the
 * client knows it now (it may have learnt it from the very send being judged). One connected
 * before the send (by another code) proves nothing.
 */
export function connectedSince(current: AppAuthorizationModel | null, sentAt: number, awsClockOffset: number): boolean {
  return (
    current?.status === 'CONNECTED' && Date.parse(current.updatedAt) >= sentAt + awsClockOffset - CLOCK_TOLERANCE_MS
  );
}

const refOf = ({ appBundleIdentifier, appAuthorizationIdentifier }: ConnectAppAuthorizationInput) => ({
  appBundleIdentifier,
  appAuthorizationIdentifier,
});

/** The authorization a submission is for. */
export function authorizationKey(input: ConnectAppAuthorizationInput): string {
  return `${idOf(input.appBundleIdentifier)}/${idOf(input.appAuthorizationIdentifier)}`;
}

export function submissionKey(input: ConnectAppAuthorizationInput): string {
  const code = input.authRequest ? createHash('sha256').update(input.authRequest.code).digest('hex') : '-';
  const redirect = input.authRequest
    ? createHash('sha256').update(input.authRequest.redirectUri).digest('hex').slice(0, 16)
    : '-';
  return `${authorizationKey(input)}/${code}/${redirect}`;
}

/**
 * A code's key in the memory of codes sent: 132 bits (22 base64url characters) of the SHA-256 of
 * its authorization and the code, without the redirect URI, so that the same code with another
 * redirect URI is not sent again either (a provider may void a code after one failed exchange).
 */
const memoryKey = (input: ConnectAppAuthorizationInput, code: string) =>
  createHash('sha256').update(authorizationKey(input)).update('\n').update(code).digest('base64url').slice(0, 22);

/** Resolves when `previous` has settled, or as soon as `signal` aborts. Never rejects. */
function settledOrAborted(previous: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return previous.then(noop, noop);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const untrack = whenAborted(signal, () => resolve());
    previous.then(noop, noop).then(() => {
      untrack();
      resolve();
    });
  });
}

const noop = () => undefined;

/**
 * One caller's answer from a shared submission: its outcome, or, as soon as this caller's own
 * signal aborts while others still wait, what the caller is owed then. Without this a caller waited
 * for the shared outcome, which ends only once every caller has left, and was answered as late as
 * the last caller's deadline.
 * - A caller whose client left is cancelled.
 * - One whose deadline passed after the code went out is OUTCOME_UNKNOWN (the send goes on for the
 *   others).
 * - One whose deadline passed before is told that nothing was sent, and the shared send is given
 *   up, so that it stays true: a client told "not sent" may send the code again, through another
 *   replica too, and the code must not go out here after that. The limiter's queue or the wait for
 *   the submission ahead drops the send at once, and a send that got its slot in the same instant
 *   is refused by the adapter, which sends nothing with an aborted signal. The others are answered
 *   the same (not sent), and may send again. Unless another submission of the same code (another
 *   redirect URI) has sent it or may still: then OUTCOME_UNKNOWN.
 * A submission of one caller is left to settle by its own signal, as the outcome check judges it
 * (`checkOutcome`).
 */
function forCaller(
  outcome: Promise<ConnectAppAuthorizationResult>,
  signal: AbortSignal | undefined,
  { callers, sent, codeElsewhere }: Pick<Submission, 'callers' | 'sent' | 'codeElsewhere'>,
): Promise<ConnectAppAuthorizationResult> {
  if (!signal) return outcome;
  /** What a caller that stops waiting while others still wait is owed. */
  const leaving = (resolve: (result: ConnectAppAuthorizationResult) => void, reject: (error: Error) => void) => {
    if (cancelledByCaller(signal)) reject(ERRORS.REQUEST_CANCELLED.err());
    else if (sent()) resolve({ ok: false, errors: [SENT_OUTCOME_PENDING] });
    else if (codeElsewhere()) resolve({ ok: false, errors: [SEND_PENDING] });
    else {
      callers.abandon(signal.reason);
      reject(notSent(signal));
    }
  };
  if (signal.aborted) {
    // The first caller's submission was given up as it was made (Callers.add); a joiner is
    // answered at once, not when the others stop waiting.
    return callers.count === 1 ? outcome : new Promise(leaving);
  }
  return new Promise<ConnectAppAuthorizationResult>((resolve, reject) => {
    const untrack = whenAborted(signal, () => {
      if (callers.count > 1) leaving(resolve, reject);
    });
    outcome.then(
      (result) => {
        untrack();
        resolve(result);
      },
      (error: unknown) => {
        untrack();
        reject(error);
      },
    );
  });
}

/** A submission that gave up waiting for its turn: nothing was sent, as the adapter says it. */
function notSent(signal: AbortSignal): Error {
  return cancelledByCaller(signal)
    ? ERRORS.REQUEST_CANCELLED.err()
    : toSubgraphError(abortedBeforeSending(signal), 'appFabric', 'ConnectAppAuthorization');
}

/**
 * The callers sharing one submission. Its signal aborts, with the reason of the last one to leave,
 * once every caller has stopped waiting (its deadline passed or its client left). A caller without
 * a signal never stops waiting.
 */
class Callers {
  readonly #controller = new AbortController();
  readonly #untrack: (() => void)[] = [];
  #waiting = 0;
  #unbounded = false;
  #count = 0;

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Callers that have joined, all told. */
  get count(): number {
    return this.#count;
  }

  add(signal: AbortSignal | undefined): void {
    this.#count += 1;
    if (!signal) {
      this.#unbounded = true;
    } else if (signal.aborted) {
      this.#leave(signal.reason);
    } else {
      this.#waiting += 1;
      this.#untrack.push(
        whenAborted(signal, (reason) => {
          this.#waiting -= 1;
          this.#leave(reason);
        }),
      );
    }
  }

  /** Gives the submission up before its code went out, whoever still waits (see {@link forCaller}). */
  abandon(reason: unknown): void {
    this.#controller.abort(reason);
  }

  /** The submission has settled: stop following the callers' signals. */
  done(): void {
    for (const untrack of this.#untrack) untrack();
  }

  #leave(reason: unknown): void {
    if (this.#waiting === 0 && !this.#unbounded) this.#controller.abort(reason);
  }
}

interface Submission {
  outcome: Promise<ConnectAppAuthorizationResult>;
  callers: Callers;
  /** Whether another submission of the same code (another redirect URI) sent it, or may still. */
  codeElsewhere: () => boolean;
  /** Whether its code has gone out (or an earlier submission's send of it is its own). */
  sent: () => boolean;
}

/**
 * How long a code that reached AppFabric is remembered: longer than an authorization code lives
 * (RFC 6749 recommends at most 10 minutes).
 */
export const CODE_MEMORY_MS = 15 * 60_000;
/** At most this many codes are remembered; the oldest are forgotten first. */
const MAX_REMEMBERED_CODES = 10_000;

/** Whether AppFabric may have processed the code: a failure that proves it did not is thrown instead. */
const mayHaveProcessed = (result: ConnectAppAuthorizationResult) =>
  result.ok || isOutcomeUnknown(result) || result.errors.some((error) => error.code === 'INVALID_INPUT');

/** A repeat of a code already sent, whose authorization could not be read: nothing says whether it worked. */
const SENT_OUTCOME_UNREADABLE: ConnectFailure = {
  code: 'OUTCOME_UNKNOWN',
  message:
    'This code was already sent to AppFabric, and its outcome could not be read now. Do not send it again: ' +
    "read the authorization's status later, or start the authorization flow again to get a fresh code.",
  field: null,
};

/**
 * A caller of a shared submission whose deadline passed after the code went out, while the
 * submission goes on for the others: nothing says yet whether it worked.
 */
const SENT_OUTCOME_PENDING: ConnectFailure = {
  code: 'OUTCOME_UNKNOWN',
  message:
    "This code was sent to AppFabric, and its outcome did not come within this request's deadline. Do not send it " +
    "again: read the authorization's status later, or start the authorization flow again to get a fresh code.",
  field: null,
};

/**
 * A submission that did not send its code, while another one of the same code (with another
 * redirect URI) has sent it or may still.
 */
const SEND_PENDING: ConnectFailure = {
  code: 'OUTCOME_UNKNOWN',
  message:
    'This code was not sent for this request, but another request with the same code has sent it or may still ' +
    "send it. Do not send it again: read the authorization's status later, or start the authorization flow again " +
    'to get a fresh code.',
  field: null,
};

/** A submission of a code already sent, or being sent, over the attempts limit: its status is not read. */
const LIMITED_AFTER_SEND: ConnectFailure = {
  code: 'OUTCOME_UNKNOWN',
  message:
    'This code was already sent to AppFabric, or is being sent, and there were too many connect attempts for this ' +
    "authorization in the last minute to read its status now. Do not send it again: read the authorization's " +
    'status later, or start the authorization flow again to get a fresh code.',
  field: null,
};

const ALREADY_SENT: ConnectFailure = {
  code: 'INVALID_INPUT',
  message:
    'This code was already sent to AppFabric, and a code is good once. Start the authorization flow again to get a fresh code.',
  field: ['input', 'authRequest', 'code'],
};

/** At most this many authorizations have a bucket; full ones are dropped first. */
const MAX_BUCKETS = 10_000;

/** Connect attempts per authorization: a token bucket each, `perMinute` tokens refilled a minute. */
class AttemptLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #perMinute: number;
  readonly #now: () => number;

  constructor(perMinute: number, now: () => number) {
    this.#perMinute = perMinute;
    this.#now = now;
  }

  /** Takes a token for the authorization; false when its bucket is empty. */
  take(authorization: string): boolean {
    if (this.#perMinute === 0) return true;
    const at = this.#now();
    let bucket = this.#buckets.get(authorization);
    if (bucket) {
      bucket.tokens = this.#refilled(bucket, at);
      bucket.at = at;
      // Moved to the end: the map is in order of last use, so an authorization being tried over
      // and over is the last to be forgotten.
      this.#buckets.delete(authorization);
    } else {
      if (this.#buckets.size >= MAX_BUCKETS) this.#prune(at);
      bucket = { tokens: this.#perMinute, at };
    }
    this.#buckets.set(authorization, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  #refilled(bucket: { tokens: number; at: number }, at: number): number {
    return Math.min(this.#perMinute, bucket.tokens + (Math.max(0, at - bucket.at) * this.#perMinute) / 60_000);
  }

  /** Drops the buckets that have refilled (as good as new), then, if need be, the least recently used. */
  #prune(at: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (this.#refilled(bucket, at) >= this.#perMinute) this.#buckets.delete(key);
    }
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size < MAX_BUCKETS) break;
      this.#buckets.delete(key);
    }
  }
}

export interface ConnectOnceOptions {
  /** Attempts per authorization and minute; 0 for no limit. Default 10. */
  attemptsPerMinute?: number;
  /** Wall-clock milliseconds, for comparing a send with AWS's `updatedAt`. Default `Date.now`. */
  wallClock?: () => number;
  /**
   * AWS's clock minus this host's, as the AppFabric client knows it now (its
   * `config.systemClockOffset`; {@link connectedSince}). Default 0.
   */
  awsClockOffset?: () => number;
  /**
   * The clock, in milliseconds: monotonic (`performance.now()`), so that a wall-clock step neither
   * locks an authorization out nor forgets a code early. Tests pass their own.
   */
  now?: () => number;
  /** Where a failed outcome check is logged (its code, never upstream text). */
  log?: Pick<Logger, 'warn'>;
}

export function connectOnce(
  port: AppFabricPort,
  {
    attemptsPerMinute = 10,
    now = () => performance.now(),
    wallClock = Date.now,
    awsClockOffset = () => 0,
    log,
  }: ConnectOnceOptions = {},
): AppFabricPort {
  const attempts = new AttemptLimiter(attemptsPerMinute, now);
  /** The submissions being sent, by {@link submissionKey}. */
  const inFlight = new Map<string, Submission>();
  /**
   * How many submissions of each code ({@link memoryKey}) have not settled, those an identical one
   * replaced in `inFlight` (after every caller had left them) included.
   */
  const unsettled = new Map<string, number>();
  /**
   * Submissions with a code AppFabric may have processed, by {@link memoryKey}: when they are
   * forgotten (in whole seconds of `now`), and when the code was sent (wall-clock milliseconds).
   */
  const sent = new Map<string, { expires: number; sentAt: number }>();
  const nowS = () => Math.floor(now() / 1000);
  /** Codes forgotten before their time since the last warning, and when that was (`now`, ms). */
  const early = { forgotten: 0, warnedAt: -Infinity };
  const remember = (key: string, sentAt: number) => {
    const at = nowS();
    // Every entry lives as long, so the map's order is their expiry's: the expired are first.
    for (const [oldest, { expires }] of sent) {
      if (expires > at && sent.size < MAX_REMEMBERED_CODES) break;
      if (expires > at) early.forgotten += 1;
      sent.delete(oldest);
    }
    if (early.forgotten > 0 && now() - early.warnedAt >= 60_000) {
      // A code forgotten early may be sent again: at this rate the memory is shorter than a code
      // lives. At most once a minute, with the count since the last line.
      log?.warn(
        { forgotten: early.forgotten, remembered: MAX_REMEMBERED_CODES },
        'connect: codes forgotten before CODE_MEMORY_MS (more codes sent than the memory holds)',
      );
      early.forgotten = 0;
      early.warnedAt = now();
    }
    sent.delete(key);
    sent.set(key, { expires: at + CODE_MEMORY_MS / 1000, sentAt });
  };
  /** When the code was sent, if it was and is still remembered. */
  const sentAtOf = (key: string): number | undefined => {
    const entry = sent.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires > nowS()) return entry.sentAt;
    sent.delete(key);
    return undefined;
  };
  /**
   * A repeat of a code already sent: the authorization's status, without sending anything. Only an
   * authorization connected since the code was sent ({@link connectedSince}, as the outcome check
   * after an ambiguous failure judges it) proves the code worked; one connected earlier, by another
   * code, does not. A status that cannot be read is OUTCOME_UNKNOWN, never an upstream error, which
   * would tell the client that nothing was sent and the code may be sent again.
   */
  const answerRepeat = async (
    input: ConnectAppAuthorizationInput,
    options: Parameters<AppFabricPort['connectAppAuthorization']>[1],
    sentAt: number,
  ): Promise<ConnectAppAuthorizationResult> => {
    let current: Awaited<ReturnType<AppFabricPort['getAppAuthorization']>>;
    try {
      current = await port.getAppAuthorization(refOf(input), options);
    } catch (error) {
      // A client that left gets no answer; its request is logged as cancelled.
      if (cancelledByCaller(options?.signal)) throw error;
      return { ok: false, errors: [SENT_OUTCOME_UNREADABLE] };
    }
    return connectedSince(current, sentAt, awsClockOffset())
      ? { ok: true, appAuthorization: current! }
      : { ok: false, errors: [ALREADY_SENT] };
  };
  /**
   * After a send whose outcome the adapter could not tell (a 5xx, a reset, a timeout, a 200 without
   * a summary): the authorization's status. Only one connected since the send proves the code
   * worked ({@link connectedSince}); anything else, a status that cannot be read included, stays
   * OUTCOME_UNKNOWN, because resending the code could fail or make the provider revoke what it
   * issued. The read goes through the guarded port like every call: counted in metrics and the
   * operation's budget, limited, refused while AppFabric's circuit is open. Not made once every
   * caller has left: past their deadline, the answer is OUTCOME_UNKNOWN; a client that went away
   * gets REQUEST_CANCELLED, so that its request is recorded as cancelled. The code was remembered
   * before, either way.
   */
  const checkOutcome = async (
    input: ConnectAppAuthorizationInput,
    options: Parameters<AppFabricPort['connectAppAuthorization']>[1],
    unknown: ConnectAppAuthorizationResult,
    sentAt: number,
  ): Promise<ConnectAppAuthorizationResult> => {
    if (options?.signal?.aborted) {
      if (cancelledByCaller(options.signal)) throw ERRORS.REQUEST_CANCELLED.err();
      return unknown;
    }
    try {
      const current = await port.getAppAuthorization(refOf(input), options);
      return connectedSince(current, sentAt, awsClockOffset()) ? { ok: true, appAuthorization: current! } : unknown;
    } catch (error) {
      // A client that left gets no answer; its request is recorded as cancelled.
      if (cancelledByCaller(options?.signal)) throw error;
      // A refusal of the guard's (the budget, the circuit, the limiter's queue) is logged nowhere
      // else; an upstream failure was logged by the adapter too.
      const code = (error as { extensions?: { code?: unknown } })?.extensions?.code;
      log?.warn(
        {
          ...(options?.requestId !== undefined ? { requestId: options.requestId } : {}),
          upstream: 'appFabric',
          operation: 'GetAppAuthorization',
          code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
        },
        'connect outcome check failed: answered OUTCOME_UNKNOWN',
      );
      return unknown;
    }
  };
  /** Per authorization: settles once every submission queued for it so far has settled. */
  const tails = new Map<string, Promise<void>>();
  return {
    ...port,
    connectAppAuthorization(input, options) {
      const key = submissionKey(input);
      const shared = inFlight.get(key);
      // One that every caller has left is being given up: a new caller queues behind it instead.
      if (shared && !shared.callers.signal.aborted) {
        shared.callers.add(options?.signal);
        return forCaller(shared.outcome, options?.signal, shared);
      }
      const authorization = authorizationKey(input);
      const remembered = input.authRequest ? memoryKey(input, input.authRequest.code) : undefined;
      if (!attempts.take(authorization)) {
        // "Nothing was sent, retry later" invites the same code again, through another replica
        // too: not for a code this process has sent or may still send (a repeat, or the same code
        // with another redirect URI), which is answered without its status being read.
        if (remembered !== undefined && (sentAtOf(remembered) !== undefined || unsettled.has(remembered))) {
          return Promise.resolve({ ok: false, errors: [LIMITED_AFTER_SEND] });
        }
        return Promise.reject(
          ERRORS.REQUEST_LIMIT_EXCEEDED.err(
            'Too many connect attempts for this app authorization in the last minute; nothing was sent. Retry later.',
          ),
        );
      }
      const sentBefore = remembered === undefined ? undefined : sentAtOf(remembered);
      if (sentBefore !== undefined) return answerRepeat(input, options, sentBefore);
      const callers = new Callers();
      callers.add(options?.signal);
      // Always the callers' signal, so that the send can be given up (Callers.abandon) even when
      // its first caller has none.
      const signal = callers.signal;
      const sendOptions = { ...options, signal };
      const previous = tails.get(authorization);
      if (remembered !== undefined) unsettled.set(remembered, (unsettled.get(remembered) ?? 0) + 1);
      /** Whether another submission of this code has sent it, or has not settled and may. */
      const codeElsewhere = () =>
        remembered !== undefined && ((unsettled.get(remembered) ?? 0) > 1 || sentAtOf(remembered) !== undefined);
      /**
       * When this submission's code went out: set as the port is called, or, when an earlier
       * submission sent it meanwhile, that one's time (a repeat must not move it later). Zero
       * until then, and again while the call waits for a free upstream slot (`queued`, told by
       * the guard): a caller leaving then is told that nothing was sent. A port that tells
       * nothing counts as sending from the call, the safe side.
       */
      let sentAt = 0;
      const queued = (waiting: boolean) => {
        sentAt = waiting ? 0 : wallClock();
      };
      const send = () => {
        sentAt = wallClock();
        // `queued` for the send alone: the status check after it, which may wait for a slot too,
        // must not make a code that went out look unsent.
        return port.connectAppAuthorization(input, { ...sendOptions, queued }).then((result) => {
          if (!isOutcomeUnknown(result)) return result;
          // The adapter's own time of the send, after any wait for a limiter slot.
          if (!result.ok && result.sentAt !== undefined) sentAt = result.sentAt;
          // AppFabric may have used the code: remembered now, whatever the check finds, and
          // whether or not anyone still waits for it.
          if (remembered !== undefined) remember(remembered, sentAt);
          return checkOutcome(input, sendOptions, result, sentAt);
        });
      };
      // A port (or clock) that throws at once is a rejection like any other: the chain below, and
      // its bookkeeping, always form.
      const sendNow = () => {
        try {
          return send();
        } catch (error) {
          return Promise.reject(error as Error);
        }
      };
      const outcome = (
        previous
          ? settledOrAborted(previous, signal).then(() => {
              // Its callers waited until their deadlines passed or their clients left: never
              // sent, the code unused.
              if (signal.aborted) throw notSent(signal);
              // The one it waited for may have sent this very code (an identical retry that came
              // after every caller of the first had left): never send it twice.
              const sentMeanwhile = remembered === undefined ? undefined : sentAtOf(remembered);
              if (sentMeanwhile !== undefined) {
                sentAt = sentMeanwhile;
                return answerRepeat(input, sendOptions, sentMeanwhile);
              }
              return send();
            })
          : sendNow()
      )
        .then(
          (result) => {
            if (remembered !== undefined && mayHaveProcessed(result)) remember(remembered, sentAt);
            return result;
          },
          (error: unknown) => {
            // Not processed here; but a client told so may send the code again, which another
            // submission of it has sent or may still send (a client that left is answered nothing).
            if (cancelledByCaller(signal) || !codeElsewhere()) throw error;
            return { ok: false as const, errors: [SEND_PENDING] };
          },
        )
        .finally(() => {
          callers.done();
          if (inFlight.get(key)?.outcome === outcome) inFlight.delete(key);
          if (remembered !== undefined) {
            const left = unsettled.get(remembered)! - 1;
            if (left === 0) unsettled.delete(remembered);
            else unsettled.set(remembered, left);
          }
        });
      const sent = () => sentAt !== 0;
      const submission: Submission = { outcome, callers, sent, codeElsewhere };
      inFlight.set(key, submission);
      // The next submission waits for this one and for every one before it, even if this one
      // stops waiting early.
      const tail = Promise.allSettled(previous ? [previous, outcome] : [outcome]).then(noop);
      tails.set(authorization, tail);
      void tail.then(() => {
        if (tails.get(authorization) === tail) tails.delete(authorization);
      });
      return forCaller(outcome, options?.signal, submission);
    },
  };
}
