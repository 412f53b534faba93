import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { Adapters } from '../adapters/index.ts';
import { createContext, type CreateContextOptions } from '../context.ts';
import { createCursorCodec } from '../cursor.ts';
import { UNRESTRICTED } from '../security/authenticate.ts';

const options = (overrides: Partial<CreateContextOptions> = {}): CreateContextOptions => ({
  // The loaders only call the adapters when they load; none does here.
  adapters: {} as Adapters,
  caller: UNRESTRICTED,
  cursors: createCursorCodec(Buffer.alloc(32, 7)),
  maxUpstreamRequests: 10,
  requestId: 'req-1',
  log: pino({ level: 'silent' }),
  ...overrides,
});

describe('createContext', () => {
  it('makes the request logger on first use, once', () => {
    const logger = pino({ level: 'silent' });
    const make = vi.fn(() => logger);
    const context = createContext(options({ log: make }));
    expect(make).not.toHaveBeenCalled();
    expect(context.log).toBe(logger);
    expect(context.log).toBe(logger);
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('takes a logger as it is', () => {
    const logger = pino({ level: 'silent' });
    expect(createContext(options({ log: logger })).log).toBe(logger);
  });

  it('has its log getter on the prototype, not one per request', () => {
    // A getter in an object literal is made anew on every evaluation, and V8 keeps each one in
    // the old generation, where it held the request's options alive through every scavenge.
    const a = createContext(options());
    const b = createContext(options());
    expect(Object.getOwnPropertyDescriptor(a, 'log')).toBeUndefined();
    expect(Object.getPrototypeOf(a)).toBe(Object.getPrototypeOf(b));
  });

  it('works on a copy made as Apollo Server makes one for its pipeline', () => {
    const logger = pino({ level: 'silent' });
    const context = createContext(options({ log: () => logger }));
    const copy = Object.assign(
      Object.create(Object.getPrototypeOf(context) as object) as object,
      context,
    ) as typeof context;
    expect(copy.log).toBe(logger);
    expect(copy.loaders).toBe(context.loaders);
    expect(copy.callOptions).toBe(context.callOptions);
  });

  it("passes the request's signal, deadline, budget and id to direct port calls", () => {
    const signal = new AbortController().signal;
    const context = createContext(options({ signal, deadline: 1234 }));
    expect(context.callOptions).toEqual({
      budget: context.upstreamCalls,
      requestId: context.requestId,
      signal,
      deadline: 1234,
    });
    expect(createContext(options()).callOptions).toEqual({ budget: expect.anything(), requestId: expect.any(String) });
  });

  it('fresh loaders for every request', () => {
    expect(createContext(options()).loaders).not.toBe(createContext(options()).loaders);
  });
});
