/**
 * The per-request GraphQL context: fresh loaders over the long-lived adapters.
 */
import type { Logger } from 'pino';
import type { Adapters } from './adapters/index.ts';
import { UpstreamBudget } from './adapters/guard.ts';
import type { CursorCodec } from './cursor.ts';
import type { Caller } from './security/authenticate.ts';
import type { CallOptions } from './adapters/types.ts';
import { createLoaders, type Loaders } from './loaders/index.ts';

export interface Context {
  /** Who is calling, and with which scopes (null: unrestricted, authentication off). */
  caller: Caller;
  /** Signs and checks connection cursors. */
  cursors: CursorCodec;
  /** Long-lived upstream ports (for calls that must not be cached, such as the mutation). */
  adapters: Adapters;
  /** Per-request DataLoaders. */
  loaders: Loaders;
  /** Correlates the request's log lines. */
  requestId: string;
  log: Logger;
  /** Upstream calls of this request: its budget, and the record for its log line. */
  upstreamCalls: UpstreamBudget;
  /** Options for direct port calls (list reads, the mutation): the request deadline. */
  callOptions: CallOptions;
  /** The clock used for derived values (credential status). */
  now: () => Date;
  /** How long the operation waited for its turn to execute (src/admission.ts); undefined: it did not wait. */
  waitedMs: number | undefined;
  /**
   * Whether the request's log line and metrics have been written (src/requestRecorder.ts). An
   * object, so that Apollo's copy of the context and the original share it.
   */
  readonly recording: { done: boolean };
}

export interface CreateContextOptions {
  adapters: Adapters;
  caller: Caller;
  cursors: CursorCodec;
  /** MAX_UPSTREAM_REQUESTS_PER_OPERATION. */
  maxUpstreamRequests: number;
  /** Test-only: false turns batching, caching and list-backed plans off (the N+1 baseline). */
  batching?: boolean;
  observeBatch?: (loader: string, size: number) => void;
  requestId: string;
  /** The request's logger, or a function that makes it on first use. */
  log: Logger | (() => Logger);
  now?: () => Date;
  signal?: AbortSignal;
  /** Epoch ms: the request deadline (no retry starts that would end after it). */
  deadline?: number;
  /** How long the operation waited for its turn to execute, when it had to. */
  waitedMs?: number | undefined;
}

export function createContext(options: CreateContextOptions): Context {
  return new RequestContext(options);
}

/** Where a context keeps its logger, or the function that makes it (see `RequestContext`). */
const LOG = Symbol('log');

/**
 * A class rather than an object literal: its `log` getter is made once, on the prototype. A getter
 * in an object literal is made on every evaluation, and V8 puts each one's getter pair in the old
 * generation, where it keeps the young getter closure, and everything that closure can reach (here
 * the request's options, signal included), alive through every scavenge until the next full
 * collection (docs/performance.md, *Getters in object literals*).
 */
class RequestContext implements Context {
  readonly upstreamCalls: UpstreamBudget;
  readonly caller: Caller;
  readonly cursors: CursorCodec;
  readonly adapters: Adapters;
  readonly loaders: Loaders;
  readonly callOptions: CallOptions;
  readonly requestId: string;
  readonly now: () => Date;
  readonly waitedMs: number | undefined;
  readonly recording = { done: false };
  /**
   * The logger, or the function that makes it on first use. An own property, not a private field:
   * Apollo Server's pipeline runs on a copy of the context
   * (`Object.assign(Object.create(prototype), context)`), and a copy has no private fields.
   */
  [LOG]: Logger | (() => Logger);

  constructor(options: CreateContextOptions) {
    this.upstreamCalls = new UpstreamBudget(options.maxUpstreamRequests);
    this.callOptions = {
      budget: this.upstreamCalls,
      requestId: options.requestId,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
    };
    this.caller = options.caller;
    this.cursors = options.cursors;
    this.adapters = options.adapters;
    this.loaders = createLoaders(options.adapters, this.callOptions, {
      batching: options.batching ?? true,
      ...(options.observeBatch ? { observeBatch: options.observeBatch } : {}),
    });
    this.requestId = options.requestId;
    this[LOG] = options.log;
    this.now = options.now ?? (() => new Date());
    this.waitedMs = options.waitedMs;
  }

  get log(): Logger {
    const log = this[LOG];
    return typeof log === 'function' ? (this[LOG] = log()) : log;
  }
}
