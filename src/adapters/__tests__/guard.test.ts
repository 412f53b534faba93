import { setTimeout as sleep } from 'node:timers/promises';
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { deadlineExceeded } from '../../deadlines.ts';
import { ERRORS } from '../../errors.ts';
import { CircuitBreaker } from '../breaker.ts';
import { guardPort, Limiter, UpstreamBudget } from '../guard.ts';
import type { CallOptions } from '../types.ts';

describe('UpstreamBudget', () => {
  it('allows exactly max calls, then REQUEST_LIMIT_EXCEEDED without naming the number', () => {
    const budget = new UpstreamBudget(3);
    for (let i = 0; i < 3; i++) budget.take('appFabric', 'GetAppAuthorization');
    let error: unknown;
    try {
      budget.take('appFabric', 'GetAppAuthorization');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      extensions: { code: 'REQUEST_LIMIT_EXCEEDED', upstream: { name: 'appFabric', operation: 'GetAppAuthorization' } },
    });
    expect((error as Error).message).not.toMatch(/\d/);
    expect(budget.used).toBe(3);
  });
});

/** Runs `fn` in a slot of the limiter, as the guard does. */
async function run<T>(
  limiter: Limiter,
  operation: string,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const waiting = limiter.acquire(operation, signal);
  if (waiting) await waiting;
  try {
    return await fn();
  } finally {
    limiter.release();
  }
}

describe('Limiter', () => {
  it('never runs more than its concurrency at once, and runs every queued call', async () => {
    const limiter = new Limiter('conductorOne', { concurrency: 3, maxQueue: 100 });
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        run(limiter, 'GetConnector', undefined, async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(2);
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limiter.active).toBe(0);
  });

  it('fails fast with UPSTREAM_UNAVAILABLE when the queue is full', async () => {
    const limiter = new Limiter('iotManagedIntegrations', { concurrency: 1, maxQueue: 1 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = run(limiter, 'GetCloudConnector', undefined, () => gate);
    const second = run(limiter, 'GetCloudConnector', undefined, async () => 'second');
    await expect(run(limiter, 'GetCloudConnector', undefined, async () => 'third')).rejects.toMatchObject({
      extensions: { code: 'UPSTREAM_UNAVAILABLE' },
    });
    release();
    await first;
    expect(await second).toBe('second');
  });

  it.each([
    ['its deadline passed', deadlineExceeded(), 'UPSTREAM_TIMEOUT'],
    ['its client went away', new Error('client closed the connection'), 'REQUEST_CANCELLED'],
  ])('drops a queued call whose request is aborted because %s', async (_, reason, code) => {
    const limiter = new Limiter('appFabric', { concurrency: 1, maxQueue: 5 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = run(limiter, 'GetAppAuthorization', undefined, () => gate);
    const abort = new AbortController();
    let ran = false;
    const queued = run(limiter, 'GetAppAuthorization', abort.signal, async () => {
      ran = true;
    });
    abort.abort(reason);
    await expect(queued).rejects.toMatchObject({ extensions: { code } });
    expect(limiter.queued).toBe(0);
    release();
    await first;
    expect(ran).toBe(false);
  });
});

describe('guardPort', () => {
  for (const tracing of [false, true]) {
    it(`tells a call while it waits for a slot, and when it has one (tracing ${tracing ? 'on' : 'off'})`, async () => {
      // A propagator is enough to turn tracing on (src/tracing.ts), and is taken back after.
      if (tracing) propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      try {
        const held = Promise.withResolvers<void>();
        const port = { getThing: async (_input: string, _options?: CallOptions) => held.promise.then(() => 'ok') };
        const guarded = guardPort(
          port,
          'conductorOne',
          { getThing: 'GetThing' },
          new Limiter('conductorOne', { concurrency: 1, maxQueue: 2 }),
        );
        const told: Record<string, boolean[]> = { first: [], second: [], expired: [] };
        const first = guarded.getThing('a', { queued: (waiting) => told.first!.push(waiting) });
        const second = guarded.getThing('b', { queued: (waiting) => told.second!.push(waiting) });
        const expired = new AbortController();
        const third = guarded.getThing('c', {
          signal: expired.signal,
          queued: (waiting) => told.expired!.push(waiting),
        });
        expired.abort(deadlineExceeded());
        await expect(third).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_TIMEOUT' } });
        expect(told).toEqual({ first: [], second: [true], expired: [true] });
        held.resolve();
        expect([await first, await second]).toEqual(['ok', 'ok']);
        // The slot came: the second call heard so; the one whose wait failed heard nothing more.
        expect(told).toEqual({ first: [], second: [true, false], expired: [true] });
      } finally {
        propagation.disable();
      }
    });
  }

  it("gives a slot back when the call's `queued` callback throws, before or after the wait", async () => {
    const held = Promise.withResolvers<void>();
    const port = {
      getThing: async (input: string, _options?: CallOptions) => (input === 'a' ? held.promise : undefined),
    };
    const guarded = guardPort(
      port,
      'conductorOne',
      { getThing: 'GetThing' },
      new Limiter('conductorOne', { concurrency: 1, maxQueue: 4 }),
    );
    const first = guarded.getThing('a');
    const boom = (when: boolean) => (waiting: boolean) => {
      if (waiting === when) throw new Error('callback failed');
    };
    await expect(guarded.getThing('b', { queued: boom(true) })).rejects.toThrow('callback failed');
    const afterWait = guarded.getThing('c', { queued: boom(false) });
    held.resolve();
    await first;
    await expect(afterWait).rejects.toThrow('callback failed');
    // Neither kept its slot: a call after them gets one.
    await expect(guarded.getThing('d')).resolves.toBeUndefined();
  });

  it('takes budget before calling and passes the call options through', async () => {
    const seen: unknown[] = [];
    const port = {
      getThing: async (input: string, options?: unknown) => (seen.push([input, options]), `got ${input}`),
    };
    const guarded = guardPort(
      port,
      'conductorOne',
      { getThing: 'GetThing' },
      new Limiter('conductorOne', { concurrency: 2, maxQueue: 2 }),
    );
    const budget = new UpstreamBudget(1);
    expect(await guarded.getThing('a', { budget })).toBe('got a');
    await expect(guarded.getThing('b', { budget })).rejects.toMatchObject({
      extensions: { code: 'REQUEST_LIMIT_EXCEEDED' },
    });
    expect(seen).toEqual([['a', { budget }]]);
  });

  it('records a call that fails after its client went away as cancelled, for metrics and the breaker', async () => {
    const calls: string[] = [];
    const breaker = new CircuitBreaker('conductorOne', { failureThreshold: 2, openMs: 60_000 });
    const failing = {
      // Whatever a call fails with once its signal has aborted (a read cut short, a late 5xx).
      getThing: async (_input: string, _options?: { signal?: AbortSignal }) => {
        throw ERRORS.UPSTREAM_UNAVAILABLE.err();
      },
    };
    const guarded = guardPort(
      failing,
      'conductorOne',
      { getThing: 'GetThing' },
      new Limiter('conductorOne', { concurrency: 4, maxQueue: 4 }),
      { call: (_upstream, _operation, outcome) => calls.push(outcome) },
      breaker,
    );
    const gone = new AbortController();
    gone.abort(new Error('client closed the connection'));
    const late = new AbortController();
    late.abort(deadlineExceeded());
    for (let i = 0; i < 3; i++)
      await expect(guarded.getThing('a', { signal: gone.signal })).rejects.toMatchObject({
        extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      });
    expect(calls).toEqual(['REQUEST_CANCELLED', 'REQUEST_CANCELLED', 'REQUEST_CANCELLED']);
    expect(breaker.state).toBe('closed');
    // A passed deadline is the upstream's failure: it is recorded and counts against the circuit.
    for (let i = 0; i < 2; i++) await expect(guarded.getThing('a', { signal: late.signal })).rejects.toThrow();
    expect(calls.slice(3)).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    expect(breaker.state).toBe('open');
  });

  it('does not count calls its limiter refused against the upstream, though metrics see them', async () => {
    const calls: string[] = [];
    const breaker = new CircuitBreaker('conductorOne', { failureThreshold: 2, openMs: 60_000 });
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const port = { getThing: async (_input: string, _options?: { signal?: AbortSignal }) => held.then(() => 'ok') };
    const guarded = guardPort(
      port,
      'conductorOne',
      { getThing: 'GetThing' },
      new Limiter('conductorOne', { concurrency: 1, maxQueue: 1 }),
      { call: (_upstream, _operation, outcome) => calls.push(outcome) },
      breaker,
    );
    const running = guarded.getThing('a'); // holds the one slot
    const expired = new AbortController();
    const queued = guarded.getThing('b', { signal: expired.signal }); // waits in the queue
    // The queue is full: refused at once, several times over the threshold.
    for (let i = 0; i < 4; i++) {
      await expect(guarded.getThing('c')).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    }
    // The queued call's deadline passes before it gets the slot.
    expired.abort(deadlineExceeded());
    await expect(queued).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_TIMEOUT' } });
    expect(breaker.state).toBe('closed');
    expect(calls).toEqual([...Array(4).fill('UPSTREAM_UNAVAILABLE'), 'UPSTREAM_TIMEOUT']);
    release();
    expect(await running).toBe('ok');
  });

  it('counts a 5xx against the upstream, but not a 4xx answer, whatever its code', async () => {
    const breaker = new CircuitBreaker('appFabric', { failureThreshold: 2, openMs: 60_000 });
    let status = 409;
    const port = {
      getThing: async (_input: string, _options?: unknown) => {
        throw ERRORS.UPSTREAM_UNAVAILABLE.err(undefined, {
          upstream: { name: 'appFabric', operation: 'GetThing', status },
        });
      },
    };
    const guarded = guardPort(
      port,
      'appFabric',
      { getThing: 'GetThing' },
      new Limiter('appFabric', { concurrency: 4, maxQueue: 4 }),
      undefined,
      breaker,
    );
    for (let i = 0; i < 5; i++) await expect(guarded.getThing('a')).rejects.toThrow();
    expect(breaker.state).toBe('closed');
    status = 503;
    for (let i = 0; i < 2; i++) await expect(guarded.getThing('a')).rejects.toThrow();
    expect(breaker.state).toBe('open');
  });
});
