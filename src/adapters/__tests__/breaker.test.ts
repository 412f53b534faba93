import { describe, expect, it } from 'vitest';
import { CANCELLED, CircuitBreaker, type CircuitState } from '../breaker.ts';

function breaker(threshold = 3, openMs = 1000) {
  let now = 0;
  const changes: CircuitState[] = [];
  const b = new CircuitBreaker('appFabric', {
    failureThreshold: threshold,
    openMs,
    now: () => now,
    onChange: (s) => changes.push(s),
  });
  return { b, changes, advance: (ms: number) => (now += ms) };
}

const fail = (b: CircuitBreaker) => b.admit('GetAppAuthorization')('UPSTREAM_UNAVAILABLE');
const succeed = (b: CircuitBreaker) => b.admit('GetAppAuthorization')('OK');

describe('CircuitBreaker', () => {
  it('opens after a run of failures and then fails fast', () => {
    const { b, changes } = breaker(3);
    fail(b);
    fail(b);
    expect(b.state).toBe('closed');
    fail(b);
    expect(b.state).toBe('open');
    expect(() => b.admit('GetAppAuthorization')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }) }),
    );
    expect(changes).toEqual(['open']);
  });

  it('only counts unavailability and timeouts, and a success resets the run', () => {
    const { b } = breaker(2);
    b.admit('x')('UPSTREAM_THROTTLED');
    b.admit('x')('BAD_USER_INPUT');
    b.admit('x')('UPSTREAM_ACCESS_DENIED');
    fail(b);
    succeed(b);
    fail(b);
    expect(b.state).toBe('closed');
    b.admit('x')('UPSTREAM_TIMEOUT');
    expect(b.state).toBe('open');
  });

  it('lets exactly one probe through half-open; its success closes the circuit', () => {
    const { b, changes, advance } = breaker(1, 1000);
    fail(b);
    advance(1000);
    expect(b.state).toBe('half-open');
    const probe = b.admit('x');
    expect(() => b.admit('x')).toThrow();
    probe('OK');
    expect(b.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('doubles the open time while probes fail, up to ten times', () => {
    const { b, advance } = breaker(1, 1000);
    fail(b);
    for (const wait of [1000, 2000, 4000, 8000, 10_000, 10_000]) {
      advance(wait - 1);
      expect(b.state).toBe('open');
      advance(1);
      expect(b.state).toBe('half-open');
      fail(b);
    }
  });
});

describe('CircuitBreaker and cancelled calls', () => {
  it('ignores calls the caller cancelled: no failure, no reset, and a cancelled probe frees the slot', () => {
    const { b, advance } = breaker(2, 1000);
    fail(b);
    for (let i = 0; i < 10; i++) b.admit('x')(CANCELLED);
    expect(b.state).toBe('closed');
    fail(b); // the run was not reset by the cancellations
    expect(b.state).toBe('open');
    advance(1000);
    b.admit('x')(CANCELLED);
    expect(b.state).toBe('half-open');
    expect(() => b.admit('x')).not.toThrow();
  });
});
