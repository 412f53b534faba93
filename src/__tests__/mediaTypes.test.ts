import { describe, expect, it } from 'vitest';
import { graphqlResponseType } from '../mediaTypes.ts';

describe('graphqlResponseType', () => {
  it('answers the same for a header asked again, remembered or not', () => {
    const cases: Array<[string | undefined, string | null]> = [
      [undefined, 'application/json; charset=utf-8'],
      ['application/json', 'application/json; charset=utf-8'],
      ['application/graphql-response+json, application/json;q=0.9', 'application/graphql-response+json; charset=utf-8'],
      ['text/html', null],
      // Longer than what is remembered: negotiated every time, with the same answer.
      [`text/html, ${'x-a/b;q=0.1, '.repeat(40)}application/json;q=0.5`, 'application/json; charset=utf-8'],
    ];
    for (let round = 0; round < 3; round += 1) {
      for (const [accept, type] of cases) expect(graphqlResponseType(accept)).toBe(type);
    }
  });

  it('still negotiates once many distinct headers have been seen', () => {
    for (let i = 0; i < 100; i += 1) expect(graphqlResponseType(`application/x-${i}, application/json`)).not.toBeNull();
    expect(graphqlResponseType('text/plain')).toBeNull();
    expect(graphqlResponseType('*/*')).toBe('application/json; charset=utf-8');
  });

  it('answers JSON for a header over 1024 characters without negotiating it, as without a header', () => {
    // Negotiating 15 KB of ranges cost 11 ms of CPU per request, before authentication.
    expect(graphqlResponseType('a/b,'.repeat(3_900))).toBe('application/json; charset=utf-8');
    expect(graphqlResponseType(`text/html;q=1, ${'x/y;q=0.1, '.repeat(100)}`)).toBe('application/json; charset=utf-8');
    expect(graphqlResponseType(`text/html;q=1, ${'x/y;q=0.1, '.repeat(80)}`)).toBeNull();
  });
});
