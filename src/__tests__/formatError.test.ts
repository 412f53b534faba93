import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createFormatError } from '../apollo.ts';

/** Apollo's request error as the formatter receives it (no path, a request error's code). */
const requestError = (message: string) => {
  const error = new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
  return [{ message, extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }, error] as const;
};

describe('the error formatter in production (schema details hidden)', () => {
  const format = createFormatError(true);

  it("drops graphql-js's suggestion from its first occurrence, and only one that ends the message", () => {
    expect(format(...requestError('Cannot query field "nam" on type "Query". Did you mean "name"?')).message).toBe(
      'Cannot query field "nam" on type "Query".',
    );
    expect(format(...requestError('Unknown operation named "x". Did you mean it')).message).toBe(
      'Unknown operation named "x". Did you mean it',
    );
  });

  it('handles a message made of " Did you mean " repeated in time linear in its length', () => {
    // An operation name of 1 MB, quoted back by Apollo: a regex that rescanned the message from each
    // occurrence took about 33 s here; the linear check takes milliseconds.
    const message = `Unknown operation named "${' Did you mean '.repeat(75_000)}".`;
    expect(format(...requestError(message)).message).toBe(message);
  }, 10_000);
});
