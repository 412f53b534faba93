import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { enforceScopes, satisfies } from '../scopes.ts';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  directive @scopes(anyOf: [[String!]!]!) on FIELD_DEFINITION | OBJECT
  type Query {
    parent: Parent @scopes(anyOf: [["parent:read"]])
  }
  type Parent {
    name: String
    secretChild: Child
    gated: String @scopes(anyOf: [["a", "b"], ["admin"]])
  }
  type Child @key(fields: "id") @scopes(anyOf: [["child:read"]]) {
    id: ID!
  }
`);

function schemaRecording() {
  const calls: string[] = [];
  const schema = enforceScopes(
    buildSubgraphSchema([
      {
        typeDefs,
        resolvers: {
          Query: { parent: () => (calls.push('parent'), { name: 'p' }) },
          Parent: {
            secretChild: () => (calls.push('secretChild'), { id: 'c1' }),
            gated: () => (calls.push('gated'), 'g'),
          },
          Child: { __resolveReference: (ref: { id: string }) => (calls.push(`ref:${ref.id}`), ref) },
        } as never,
      },
    ]),
  );
  return { schema, calls };
}

const run = (scopes: string[] | null, source: string, variableValues?: Record<string, unknown>) => {
  const { schema, calls } = schemaRecording();
  return graphql({
    schema,
    source,
    ...(variableValues ? { variableValues } : {}),
    contextValue: { caller: { subject: null, scopes: scopes === null ? null : new Set(scopes) } },
  }).then((result) => ({ result, calls }));
};

describe('enforceScopes', () => {
  it('checks a nested relation by the scopes of the type it returns, without running its resolver', async () => {
    const { result, calls } = await run(['parent:read'], '{ parent { name secretChild { id } } }');
    expect(result.data).toEqual({ parent: { name: 'p', secretChild: null } });
    expect(result.errors?.map((e) => [e.path?.join('.'), e.extensions['code']])).toEqual([
      ['parent.secretChild', 'FORBIDDEN'],
    ]);
    expect(calls).toEqual(['parent']);
  });

  it('needs every scope of one inner list (anyOf of allOf)', async () => {
    expect((await run(['parent:read', 'a'], '{ parent { gated } }')).result.data).toEqual({ parent: { gated: null } });
    expect((await run(['parent:read', 'a', 'b'], '{ parent { gated } }')).result.data).toEqual({
      parent: { gated: 'g' },
    });
    expect((await run(['parent:read', 'admin'], '{ parent { gated } }')).result.data).toEqual({
      parent: { gated: 'g' },
    });
  });

  it('checks _entities references before resolving them', async () => {
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Child { id } } }';
    const denied = await run([], query, { r: [{ __typename: 'Child', id: 'c1' }] });
    expect(denied.result.data).toEqual({ _entities: [null] });
    expect(denied.calls).toEqual([]);
    const allowed = await run(['child:read'], query, { r: [{ __typename: 'Child', id: 'c1' }] });
    expect(allowed.result.data).toEqual({ _entities: [{ id: 'c1' }] });
  });

  it('lets everything through when authentication is off', async () => {
    expect((await run(null, '{ parent { gated secretChild { id } } }')).result.errors).toBeUndefined();
  });

  it('satisfies() reads anyOf-of-allOf', () => {
    const caller = { subject: null, scopes: new Set(['x', 'y']) };
    expect(satisfies(caller, [['x', 'y']])).toBe(true);
    expect(satisfies(caller, [['x', 'z'], ['y']])).toBe(true);
    expect(satisfies(caller, [['z']])).toBe(false);
    expect(satisfies(caller, [])).toBe(false);
  });
});
