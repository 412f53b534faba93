import { describe, expect, it } from 'vitest';
import { ERRORS } from '../errors.ts';

describe('the error registry', () => {
  it('makes REQUEST_CANCELLED without a stack trace, and every other code with one', () => {
    const limit = Error.stackTraceLimit;
    const cancelled = ERRORS.REQUEST_CANCELLED.err();
    expect(cancelled.stack).not.toMatch(/\n\s+at /);
    expect(cancelled.extensions).toEqual({ code: 'REQUEST_CANCELLED' });
    expect(Error.stackTraceLimit, 'the limit is restored').toBe(limit);
    expect(ERRORS.UPSTREAM_UNAVAILABLE.err().stack).toMatch(/\n\s+at /);
  });
});
