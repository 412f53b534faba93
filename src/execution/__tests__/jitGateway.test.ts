import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { execute, getOperationAST, parse, type DocumentNode } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { createJitExecutor, givesNull, jitDifferences } from '../jitGateway.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Entities that fail or succeed after varying delays, so failures settle before earlier successes. */
function createTestSchema() {
  return buildSubgraphSchema([
    {
      typeDefs: parse(`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
        type Query { thing(id: ID!): Thing, count(n: Int!): Int! }
        type Mutation { bump(by: Int!): Int! }
        type Thing @key(fields: "id") { id: ID!, name: String!, twice: [Int!]! }
      `),
      resolvers: {
        Query: {
          thing: (_: unknown, { id }: { id: string }) => ({ id }),
          count: (_: unknown, { n }: { n: number }) => n,
        },
        Mutation: {
          bump: (() => {
            let total = 0;
            return async (_: unknown, { by }: { by: number }) => {
              await sleep(1);
              return (total += by);
            };
          })(),
        },
        Thing: {
          __resolveReference: async (ref: { id: string }) => {
            const delay = Number(ref.id.replace(/\D/g, '') || 0);
            await sleep(delay);
            if (ref.id.startsWith('bad')) throw new Error(`no thing ${ref.id}`);
            return { id: ref.id };
          },
          name: (thing: { id: string }) => `Thing ${thing.id}`,
          twice: (thing: { id: string }) => [thing.id.length, thing.id.length * 2],
        },
      },
    },
  ]);
}

function requestFor(
  document: DocumentNode,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): GatewayGraphQLRequestContext {
  const operation = getOperationAST(document, null)!;
  return {
    document,
    operation,
    operationName: null,
    request: {
      variables,
      http: { method: 'POST', url: '/graphql', headers: new Map(Object.entries(headers)) as never },
    },
    context: {},
  } as unknown as GatewayGraphQLRequestContext;
}

const ENTITIES = parse(`query ($representations: [_Any!]!) {
  _entities(representations: $representations) { __typename ... on Thing { id name twice } }
}`);
// Failures settle first (short delays), successes later (long delays), out of order.
const REPRESENTATIONS = [
  { __typename: 'Thing', id: 'good30' },
  { __typename: 'Thing', id: 'bad1' },
  { __typename: 'Thing', id: 'good10' },
  { __typename: 'Thing', id: 'bad2' },
  { __typename: 'Thing', id: 'bad3' },
];

describe('createJitExecutor', () => {
  it('answers exactly as graphql-js, on its first run (graphql-js) and once compiled, with failed entities at their own index', async () => {
    const schema = createTestSchema();
    const onCompiled = vi.fn();
    const executor = createJitExecutor(schema, { onCompiled });
    const reference = JSON.parse(
      JSON.stringify(
        await execute({ schema, document: ENTITIES, variableValues: { representations: REPRESENTATIONS } }),
      ),
    );
    expect(reference.data._entities).toHaveLength(REPRESENTATIONS.length);
    expect(reference.data._entities.map((e: { id?: string } | null) => e?.id ?? null)).toEqual([
      'good30',
      null,
      'good10',
      null,
      null,
    ]);

    for (let run = 1; run <= 3; run += 1) {
      const result = await executor(requestFor(ENTITIES, { representations: REPRESENTATIONS }));
      const json = JSON.parse(JSON.stringify(result));
      expect(json.data).toEqual(reference.data);
      const byPath = (errors: Array<{ path: unknown[]; message: string }>) =>
        errors.map((e) => `${e.path.join('.')}: ${e.message}`).sort();
      expect(byPath(json.errors)).toEqual(byPath(reference.errors));
      expect(result.data?.['_entities']).toHaveLength(REPRESENTATIONS.length);
    }
    expect(onCompiled).toHaveBeenCalledTimes(1);
  });

  it('compiles an operation on its second run, and never for a traced (ftv1) request', async () => {
    const schema = createTestSchema();
    const onCompiled = vi.fn();
    const executor = createJitExecutor(schema, { onCompiled });
    const document = parse('query ($id: ID!) { thing(id: $id) { id name } }');
    const traced = parse('query ($id: ID!) { thing(id: $id) { id twice } }');

    await executor(requestFor(document, { id: 'a' }));
    expect(onCompiled).not.toHaveBeenCalled();
    const second = await executor(requestFor(document, { id: 'b' }));
    expect(onCompiled).toHaveBeenCalledTimes(1);
    expect(second).toEqual({ data: { thing: { id: 'b', name: 'Thing b' } } });

    for (let run = 0; run < 3; run += 1) {
      const result = await executor(requestFor(traced, { id: 'ab' }, { 'apollo-federation-include-trace': 'ftv1' }));
      expect(result).toEqual({ data: { thing: { id: 'ab', twice: [2, 4] } } });
    }
    expect(onCompiled).toHaveBeenCalledTimes(1);
  });

  it('reports an operation graphql-jit does not compile (it returns errors, not throws), and runs it on graphql-js', async () => {
    const schema = createTestSchema();
    const onCompiled = vi.fn();
    const onCompileError = vi.fn();
    const executor = createJitExecutor(schema, { onCompiled, onCompileError });
    const document = parse('query A { count(n: 1) }');
    // An operation name the document lacks: graphql-jit answers with errors instead of a compiled query.
    const request = { ...requestFor(document, {}), operationName: 'B' } as GatewayGraphQLRequestContext;
    const expected = await execute({ schema, document, operationName: 'B' });
    for (let run = 0; run < 3; run += 1) expect(await executor(request)).toEqual(expected);
    expect(onCompiled).not.toHaveBeenCalled();
    expect(onCompileError).toHaveBeenCalledTimes(1);
    expect(onCompileError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/B/) }), 'B');
  });

  it("rejects bad variables with graphql-js's own errors, compiled or not", async () => {
    const schema = createTestSchema();
    const executor = createJitExecutor(schema);
    const document = parse('query ($n: Int!) { count(n: $n) }');
    const expected = JSON.parse(JSON.stringify(await execute({ schema, document, variableValues: { n: 'x' } })));
    expect(expected.errors[0].message).toMatch(/Int cannot represent/);
    for (let run = 0; run < 3; run += 1) {
      expect(JSON.parse(JSON.stringify(await executor(requestFor(document, { n: 'x' }))))).toEqual(expected);
      expect(await executor(requestFor(document, { n: run }))).toEqual({ data: { count: run } });
    }
  });

  it('runs mutation fields one after another once compiled', async () => {
    const schema = createTestSchema();
    const executor = createJitExecutor(schema);
    const document = parse('mutation { a: bump(by: 1) b: bump(by: 10) c: bump(by: 100) }');
    expect(await executor(requestFor(document, {}))).toEqual({ data: { a: 1, b: 11, c: 111 } });
    expect(await executor(requestFor(document, {}))).toEqual({ data: { a: 112, b: 122, c: 222 } });
  });
});

describe('jitDifferences', () => {
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
        input Filter { name: String, ids: [ID!] }
        type Query { things(filter: Filter, ids: [ID!]): [Thing!]!, thing(id: ID): Thing }
        type Thing @key(fields: "id") { id: ID!, name: String }
      `),
    },
  ]);
  const differences = (source: string) => {
    const document = parse(source);
    const { unsupported, nullSensitive } = jitDifferences(schema, document, getOperationAST(document)!);
    return { unsupported, nullSensitive: Object.fromEntries(nullSensitive) };
  };

  it('finds the variables of @skip and @include, and those inside input literals, with null defaults', () => {
    expect(
      differences(`query ($s: Boolean = false, $i: Boolean!, $n: String = null, $id: ID, $whole: Filter, $top: ID) {
        things(filter: { name: $n, ids: [$id] }) { id @skip(if: $s) name @include(if: $i) }
        more: things(filter: $whole) { id }
        thing(id: $top) { id }
      }`),
    ).toEqual({ unsupported: false, nullSensitive: { s: false, i: false, n: true, id: false } });
    // Variables given whole, as arguments or as input objects, are not affected.
    expect(differences('query ($f: Filter, $ids: [ID!]) { things(filter: $f, ids: $ids) { id } }')).toEqual({
      unsupported: false,
      nullSensitive: {},
    });
  });

  it('refuses a variable inside a custom scalar literal, as in an inline _entities representation', () => {
    expect(
      differences('query ($id: ID!) { _entities(representations: [{ __typename: "Thing", id: $id }]) { __typename } }'),
    ).toMatchObject({ unsupported: true });
    expect(
      differences(
        'query ($id: ID!) { _entities(representations: [{ __typename: "Thing", nested: { id: [$id] } }]) { __typename } }',
      ),
    ).toMatchObject({ unsupported: true });
    expect(differences('{ _entities(representations: [{ __typename: "Thing", id: "1" }]) { __typename } }')).toEqual({
      unsupported: false,
      nullSensitive: {},
    });
  });

  it('sends a request to graphql-js when a variable it names is null, given or by default', () => {
    const nullSensitive = new Map([
      ['s', false],
      ['n', true],
    ]);
    expect(givesNull(nullSensitive, { s: true, n: 'x' })).toBe(false);
    expect(givesNull(nullSensitive, { s: null, n: 'x' })).toBe(true);
    expect(givesNull(nullSensitive, { s: true })).toBe(true);
    expect(givesNull(nullSensitive, { n: 'x' })).toBe(false);
  });
});
