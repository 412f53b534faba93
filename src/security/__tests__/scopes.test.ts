import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createSchema } from '../../schema.ts';
import { checkedOnEveryPath, enforceScopes, implies, satisfies } from '../scopes.ts';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  directive @scopes(anyOf: [[String!]!]!) on FIELD_DEFINITION | OBJECT
  type Query {
    parent: Parent @scopes(anyOf: [["parent:read"]])
    children: ChildConnection @scopes(anyOf: [["child:read", "extra"], ["admin", "child:read"]])
    open: OpenEdge
  }
  type ChildConnection {
    edges: [ChildEdge!]!
  }
  type ChildEdge {
    node: Child!
  }
  type OpenEdge {
    node: Child!
  }
  type Parent {
    name: String
    secretChild: Child
    gated: String @scopes(anyOf: [["a", "b"], ["admin"]])
  }
  type Child @key(fields: "id") @scopes(anyOf: [["child:read"]]) {
    id: ID!
    sibling: Child
  }
`);

function schemaRecording() {
  const calls: string[] = [];
  const schema = enforceScopes(
    buildSubgraphSchema([
      {
        typeDefs,
        resolvers: {
          Query: {
            parent: () => (calls.push('parent'), { name: 'p' }),
            children: () => (calls.push('children'), { edges: [{ node: { id: 'c1' } }] }),
            open: () => (calls.push('open'), { node: { id: 'c2', sibling: { id: 'c3' } } }),
          },
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

  it('leaves a field unwrapped when every way to its type checked what it needs', () => {
    const { schema } = schemaRecording();
    const fields = (type: string) => (schema.getType(type) as GraphQLObjectType).getFields();
    // Only `children` leads to ChildEdge, and it requires child:read with every alternative.
    expect(fields('ChildEdge')['node']!.resolve).toBeUndefined();
    // Every way to Child checks child:read: Parent.secretChild, ChildEdge.node (through
    // `children`), OpenEdge.node, and the reference check of _entities.
    expect(fields('Child')['sibling']!.resolve).toBeUndefined();
    // `open` checks nothing, so OpenEdge.node must.
    expect(fields('OpenEdge')['node']!.resolve).toBeTypeOf('function');
    expect(fields('Parent')['secretChild']!.resolve).toBeTypeOf('function');
    expect(checkedOnEveryPath(schema).get('Child')).toEqual([[['child:read']]]);
  });

  it('still refuses what an unwrapped field would have refused, one level up', async () => {
    const denied = await run(['parent:read', 'extra'], '{ children { edges { node { id } } } open { node { id } } }');
    // OpenEdge.node is non-null, so its null reaches `open`.
    expect(denied.result.data).toEqual({ children: null, open: null });
    expect(denied.result.errors?.map((e) => [e.path?.join('.'), e.extensions['code']])).toEqual([
      ['children', 'FORBIDDEN'],
      ['open.node', 'FORBIDDEN'],
    ]);
    expect(denied.calls).toEqual(['open']);
    const allowed = await run(
      ['child:read', 'extra'],
      '{ children { edges { node { id } } } open { node { sibling { id } } } }',
    );
    expect(allowed.result).toEqual({
      data: { children: { edges: [{ node: { id: 'c1' } }] }, open: { node: { sibling: { id: 'c3' } } } },
    });
  });

  it('gives an entity reached through an entity interface no reference check', () => {
    const schema = enforceScopes(
      buildSubgraphSchema([
        {
          typeDefs: parse(`
            extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
            directive @scopes(anyOf: [[String!]!]!) on FIELD_DEFINITION | OBJECT
            type Query { version: String }
            interface Thing @key(fields: "id") { id: ID! }
            type Gadget implements Thing @key(fields: "id") @scopes(anyOf: [["gadget:read"]]) {
              id: ID!
              twin: Gadget
            }
          `),
          resolvers: {
            Thing: { __resolveReference: (ref: { id: string }) => ({ ...ref, __typename: 'Gadget' }) },
            Gadget: { __resolveReference: (ref: { id: string }) => ref },
          } as never,
        },
      ]),
    );
    expect(checkedOnEveryPath(schema).get('Gadget')).toEqual([]);
    expect((schema.getType('Gadget') as GraphQLObjectType).getFields()['twin']!.resolve).toBeTypeOf('function');
  });

  it('implies() holds only when every way to satisfy one satisfies the other', () => {
    expect(implies([['a']], [['a']])).toBe(true);
    expect(implies([['a', 'b']], [['a']])).toBe(true);
    expect(
      implies(
        [
          ['a', 'b'],
          ['a', 'c'],
        ],
        [['a']],
      ),
    ).toBe(true);
    expect(implies([['a'], ['b']], [['a']])).toBe(false);
    expect(implies([['a']], [['a', 'b']])).toBe(false);
    expect(implies([['a']], [['b'], ['a']])).toBe(true);
  });

  it("keeps no check of this subgraph's lists' items that their list field made already", () => {
    const schema = createSchema();
    const field = (type: string, name: string) => (schema.getType(type) as GraphQLObjectType).getFields()[name]!;
    for (const [type, name] of [
      ['ConnectorDestinationEdge', 'node'],
      ['ConnectorDestinationConnection', 'nodes'],
      ['AppAuthorizationEdge', 'node'],
      ['AppAuthorizationConnection', 'nodes'],
    ] as const) {
      expect(field(type, name).resolve, `${type}.${name}`).toBeUndefined();
    }
    // connectAppAuthorization needs app-authorizations:connect; the payload's authorization needs
    // app-authorizations:read as well, so its check stays.
    expect(field('ConnectAppAuthorizationPayload', 'appAuthorization').resolve).toBeTypeOf('function');
  });

  it('satisfies() reads anyOf-of-allOf', () => {
    const caller = { subject: null, scopes: new Set(['x', 'y']) };
    expect(satisfies(caller, [['x', 'y']])).toBe(true);
    expect(satisfies(caller, [['x', 'z'], ['y']])).toBe(true);
    expect(satisfies(caller, [['z']])).toBe(false);
    expect(satisfies(caller, [])).toBe(false);
  });
});
