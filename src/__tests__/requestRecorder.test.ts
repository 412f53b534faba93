import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createMetrics } from '../metrics.ts';
import { createRequestRecorder } from '../requestRecorder.ts';

function recorderWithLines() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ logLevel: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { recorder: createRequestRecorder(logger, createMetrics()), lines };
}

describe('the request recorder', () => {
  it('logs a request-level error that is not an answer to a bad request: the client only sees it masked', () => {
    const { recorder, lines } = recorderWithLines();
    recorder.errorsEncountered([new GraphQLError('the pipeline broke')], undefined, 'Q');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'unexpected request error',
        operationName: 'Q',
        err: expect.objectContaining({ message: 'the pipeline broke' }),
      }),
    ]);
  });

  it("does not log Apollo's answers to bad requests, nor registry errors without an upstream", () => {
    const { recorder, lines } = recorderWithLines();
    recorder.errorsEncountered(
      [
        new GraphQLError('Syntax Error: Expected Name.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
        new GraphQLError('Cannot query field "x".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
        new GraphQLError('Unknown operation named "C".', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }),
        new GraphQLError('POST body missing.', { extensions: { code: 'BAD_REQUEST' } }),
        new GraphQLError('Variable "$i" got invalid value.', { extensions: { code: 'BAD_USER_INPUT' } }),
      ],
      undefined,
      null,
    );
    expect(lines).toEqual([]);
  });
});
