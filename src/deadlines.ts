/**
 * Request deadlines on one timer.
 *
 * Every GraphQL request gets the same timeout (REQUEST_TIMEOUT_MS), so deadlines fall due in the
 * order requests start: they queue first in, first out, and one timer, armed for the oldest
 * running request, is enough for all of them. A request costs an entry in the queue instead of a
 * timer of its own (Node's timers each take a list insertion, an async resource and a removal).
 *
 * A request that ends leaves its entry behind, emptied; emptied entries at the head are dropped
 * whenever a request starts or ends, so the queue holds about as many entries as requests run.
 */

/** The reason a request's signal aborts with when its deadline passes. */
export function deadlineExceeded(): DOMException {
  return new DOMException('The request deadline passed.', 'TimeoutError');
}

/**
 * The reason a request's signal aborts with once its response is written: work it started that is
 * still running (a read whose result nothing will use, a retry, a hanging call) stops, rather
 * than run on without a deadline, holding a slot of its upstream's limiter, and count against the
 * upstream's circuit for a request already answered. A cancellation, not a failure. One object
 * for every request: a DOMException captures a stack trace when it is made, which cost about 5 µs
 * per request, and nothing reads this one's stack.
 */
const REQUEST_ANSWERED = new DOMException('The request was answered.', 'AbortError');

/** Whether an abort reason is a passed deadline (a `TimeoutError`), as opposed to a cancellation. */
export function isDeadlineExceeded(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}

/**
 * Whether the signal aborted for a reason other than its deadline: the caller went away (the
 * client closed the connection). Such failures are not the upstream's.
 */
export function cancelledByCaller(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && !isDeadlineExceeded(signal.reason);
}

type OnAbort = (reason: unknown) => void;

/** One subscription of {@link whenAborted}: a link of its signal's list. `callback` null: removed. */
interface Subscription {
  callback: OnAbort | null;
  previous: Subscription | null;
  next: Subscription | null;
}

/** A signal's subscriptions, in the order they were made. */
interface Subscriptions {
  first: Subscription | null;
  last: Subscription | null;
}

/** Where a signal keeps the subscriptions of {@link whenAborted}: on the signal itself, no lookup. */
const ON_ABORT = Symbol('abort callbacks');

type TrackedSignal = AbortSignal & { [ON_ABORT]?: Subscriptions };

/**
 * Calls `callback` with the signal's reason when it aborts, until the returned function is called.
 *
 * A GraphQL request's signal is shared by all of its upstream calls, up to hundreds at once. An
 * `abort` listener each would cost an `addEventListener` and a `removeEventListener` per call
 * (Node's EventTarget keeps a list, so removal walks it). Instead a signal gets one listener, the
 * first time, and the callbacks sit in a list that it runs. The caller checks `signal.aborted`
 * first: a signal that already aborted never calls back.
 *
 * The list is linked through the subscriptions themselves, so subscribing and unsubscribing
 * allocate nothing but the link, and an unsubscribed callback is let go at once. It replaced a
 * `Set`, which was costly once a request lived through a few collections, as a batch of single
 * reads does under load. V8 makes a Set's new table, when it grows or clears out deleted entries
 * (every few deletes), in the generation of the table it replaces, and the replaced table keeps
 * its entries (`OrderedHashTable::Rehash` in V8's `ordered-hash-table.cc`). Once the Set was
 * promoted, each of those tables was an old-generation allocation that held callbacks of finished
 * calls, and through them their exchanges' state, until the next full collection
 * (docs/performance.md, *Abort callbacks in a list*).
 */
export function whenAborted(signal: AbortSignal, callback: OnAbort): () => void {
  const tracked = signal as TrackedSignal;
  let list = tracked[ON_ABORT];
  if (!list) {
    list = tracked[ON_ABORT] = { first: null, last: null };
    runOnAbort(signal, list);
  }
  const subscription: Subscription = { callback, previous: list.last, next: null };
  if (list.last) list.last.next = subscription;
  else list.first = subscription;
  list.last = subscription;
  return unsubscribe.bind(null, list, subscription);
}

/**
 * `pending` as it settles, or a rejection with `onAbort()` as soon as `signal` aborts first (at
 * once when it already has). `pending` goes on either way: it is work shared with other callers (a
 * key-set fetch, a token request, a credential resolution), and one caller leaving does not stop it.
 */
export function unlessAborted<T>(pending: Promise<T>, signal: AbortSignal, onAbort: () => unknown): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const untrack = whenAborted(signal, () => reject(onAbort()));
    pending.then(
      (value) => {
        untrack();
        resolve(value);
      },
      (error: unknown) => {
        untrack();
        reject(error);
      },
    );
  });
}

function unsubscribe(list: Subscriptions, subscription: Subscription): void {
  if (subscription.callback === null) return;
  subscription.callback = null;
  const { previous, next } = subscription;
  if (previous) previous.next = next;
  else list.first = next;
  if (next) next.previous = previous;
  else list.last = previous;
  subscription.previous = subscription.next = null;
}

/**
 * The signal's one listener. It is made in a function of its own, so that it holds only the signal
 * and the list: made in {@link whenAborted}, it would share that scope, which holds the first
 * callback and through it that caller's whole state (an exchange's response body included), for
 * as long as the signal lives. Under load that kept young objects alive across collections.
 */
function runOnAbort(signal: AbortSignal, list: Subscriptions): void {
  signal.addEventListener(
    'abort',
    () => {
      const pending: OnAbort[] = [];
      for (let subscription = list.first; subscription; subscription = subscription.next) {
        pending.push(subscription.callback!);
      }
      while (list.first) unsubscribe(list, list.first);
      for (const callback of pending) {
        try {
          callback(signal.reason);
        } catch (error) {
          reportCallbackFailure(error);
        }
      }
    },
    { once: true },
  );
}

/**
 * Every callback runs, even if one throws. None is meant to: they are this process's own code. A
 * throw out of an EventTarget listener would be an uncaught exception, which ends the process and
 * every request in it. A rejected promise instead reaches the process's `unhandledRejection`
 * handler, which logs it and counts it (src/index.ts), as it does any failure that escaped.
 */
function reportCallbackFailure(error: unknown): void {
  void Promise.reject(error);
}

export interface RequestDeadline {
  /** Aborts when the deadline passes (a `TimeoutError`), or when {@link abort} is called. */
  readonly signal: AbortSignal;
  /** The deadline, in epoch milliseconds (`Date.now()`'s clock). */
  readonly deadline: number;
  /** Aborts the request now (the client went away), unless it already ended. */
  abort(reason: unknown): void;
  /**
   * The request is over (answered): its deadline no longer applies, and its signal aborts with
   * {@link REQUEST_ANSWERED}, so that work still running for it stops.
   */
  end(): void;
}

interface Entry {
  /** null once the request ended or was aborted. */
  controller: AbortController | null;
  /** When the deadline passes, on the monotonic clock. */
  dueAt: number;
}

export interface DeadlineQueueOptions {
  /** The monotonic clock in ms (default `performance.now`). */
  now?: () => number;
}

export class DeadlineQueue {
  readonly #timeoutMs: number;
  readonly #now: () => number;
  /** Entries from {@link #head} on are queued; the ones before it are spent. */
  #entries: Entry[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, options: DeadlineQueueOptions = {}) {
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.#timeoutMs = timeoutMs;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Requests whose deadline is still pending (ended ones may linger until they reach the head). */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** Starts a request's deadline: {@link DeadlineQueue}'s timeout from now. */
  start(): RequestDeadline {
    const controller = new AbortController();
    const entry: Entry = { controller, dueAt: this.#now() + this.#timeoutMs };
    this.#dropSpent();
    this.#entries.push(entry);
    this.#timer ??= this.#arm(this.#timeoutMs);
    return {
      signal: controller.signal,
      deadline: Date.now() + this.#timeoutMs,
      abort: (reason) => {
        const running = entry.controller;
        if (!running) return;
        entry.controller = null;
        running.abort(reason);
        this.#dropSpent();
      },
      end: () => {
        const running = entry.controller;
        if (!running) return;
        entry.controller = null;
        running.abort(REQUEST_ANSWERED);
        this.#dropSpent();
      },
    };
  }

  #arm(delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(delayMs)));
    // Running requests keep the process alive through their sockets; this timer never does.
    timer.unref();
    return timer;
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#now();
    while (this.#head < this.#entries.length) {
      const entry = this.#entries[this.#head]!;
      const controller = entry.controller;
      if (controller) {
        if (entry.dueAt > now) break;
        entry.controller = null;
        controller.abort(deadlineExceeded());
      }
      this.#head += 1;
    }
    this.#compact();
    const next = this.#entries[this.#head];
    if (next) this.#timer = this.#arm(next.dueAt - now);
  }

  /** Drops ended requests from the head of the queue. */
  #dropSpent(): void {
    while (this.#head < this.#entries.length && this.#entries[this.#head]!.controller === null) this.#head += 1;
    this.#compact();
  }

  #compact(): void {
    if (this.#head === this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Stops the timer (the server closed). Requests still queued never time out. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
