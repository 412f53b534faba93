import { readFileSync } from 'node:fs';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { describe, expect, it } from 'vitest';
import { APOLLO_REQUEST_ERRORS, ERRORS, isRequestErrorCode } from '../errors.ts';

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

describe("Apollo's request error codes", () => {
  it("are Apollo's own codes, so that its answers to bad requests reach clients unmasked", () => {
    const apollo = new Set<string>(Object.values(ApolloServerErrorCode));
    for (const code of [...Object.keys(APOLLO_REQUEST_ERRORS), ERRORS.BAD_REQUEST.code, ERRORS.BAD_USER_INPUT.code]) {
      expect(apollo.has(code), code).toBe(true);
      expect(isRequestErrorCode(code), code).toBe(true);
    }
    expect(isRequestErrorCode(ERRORS.INTERNAL_SERVER_ERROR.code)).toBe(false);
    expect(isRequestErrorCode(undefined)).toBe(false);
  });
});

describe("the README's error table", () => {
  it('lists every code a client can receive', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf('\n## Errors\n'),
      readme.indexOf('\n## ', readme.indexOf('\n## Errors\n') + 1),
    );
    const documented = new Set(
      [...section.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([A-Z_]+)`/g)].map((c) => c[1])),
    );
    expect([...documented].sort()).toEqual([...Object.keys(ERRORS), ...Object.keys(APOLLO_REQUEST_ERRORS)].sort());
  });
});
