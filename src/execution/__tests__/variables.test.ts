import { buildSchema, getVariableValues, type GraphQLScalarType, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { compileVariableCoercion } from '../variables.ts';

const schema = buildSchema(`
  scalar _Any
  scalar Upper
  enum Color { RED GREEN }
  input Filter { name: String!, limit: Int = 10 }
  type Query {
    f(
      id: ID, s: String, i: Int, x: Float, b: Boolean, c: Color, u: Upper, any: _Any,
      ids: [ID!], reps: [_Any!], nested: [[Int]], filter: Filter
    ): Int
  }
`);
// A custom scalar that changes what it parses, and refuses what it cannot.
Object.assign(schema.getType('Upper') as GraphQLScalarType, {
  parseValue: (value: unknown) => {
    if (typeof value !== 'string') throw new TypeError('Upper takes a string.');
    return value.toUpperCase();
  },
});

function definitionsOf(signature: string) {
  const operation = parse(`query Q${signature} { __typename }`).definitions[0] as OperationDefinitionNode;
  return operation.variableDefinitions ?? [];
}

const SIGNATURES = [
  '($id: ID!, $s: String, $i: Int, $x: Float, $b: Boolean!)',
  '($c: Color, $u: Upper!, $any: _Any)',
  '($reps: [_Any!]!)',
  '($ids: [ID!], $nested: [[Int]])',
  '($filter: Filter!)',
  '($i: Int = 3, $s: String)',
];

const VALUES: unknown[] = [
  undefined,
  null,
  'text',
  '',
  7,
  -2147483649,
  1.5,
  true,
  'RED',
  'BLUE',
  { __typename: 'T', id: '1' },
  [],
  ['a', 'b'],
  [1, 2],
  ['a', null],
  [
    { __typename: 'T', id: '1' },
    { __typename: 'T', id: '2' },
  ],
  [{ __typename: 'T' }, null],
  [[1, 2], [3], null],
  [[1, 'x']],
  { name: 'n' },
  { name: 'n', limit: 2 },
  { name: 'n', extra: 1 },
  {},
];

/** Every variable of the signature set to each value in turn (the others absent), plus all absent. */
function inputsFor(signature: string): Record<string, unknown>[] {
  const names = [...signature.matchAll(/\$(\w+)/g)].map((match) => match[1]!);
  const inputs: Record<string, unknown>[] = [{}];
  for (const name of names) {
    for (const value of VALUES) {
      inputs.push(value === undefined ? {} : { [name]: value });
      // The other variables valid, so this one decides.
      inputs.push({
        id: 'x',
        b: true,
        u: 'up',
        reps: [],
        filter: { name: 'f' },
        ...(value === undefined ? {} : { [name]: value }),
      });
    }
  }
  return inputs;
}

describe('compileVariableCoercion', () => {
  for (const signature of SIGNATURES) {
    it(`gives graphql-js's result, errors included, for ${signature}`, () => {
      const definitions = definitionsOf(signature);
      const coerce = compileVariableCoercion(schema, definitions);
      for (const inputs of inputsFor(signature)) {
        const expected = getVariableValues(schema, definitions, inputs, { maxErrors: 1 });
        const actual = coerce(inputs);
        if (expected.errors) {
          expect(
            actual.errors?.map((error) => error.message),
            JSON.stringify(inputs),
          ).toEqual(expected.errors.map((error) => error.message));
        } else {
          expect(actual.errors, JSON.stringify(inputs)).toBeUndefined();
          expect(actual.coerced, JSON.stringify(inputs)).toEqual(expected.coerced);
        }
      }
    });
  }

  it('checks a batch of representations without graphql-js (the list comes back as given)', () => {
    const coerce = compileVariableCoercion(schema, definitionsOf('($reps: [_Any!]!)'));
    const reps = Array.from({ length: 100 }, (_, i) => ({ __typename: 'T', id: String(i) }));
    expect(coerce({ reps }).coerced?.['reps']).toBe(reps);
    // graphql-js copies the list: a fall-back is visible.
    expect(getVariableValues(schema, definitionsOf('($reps: [_Any!]!)'), { reps }).coerced?.['reps']).not.toBe(reps);
  });

  it("applies a leaf type's own parsing, copying only a list whose items changed", () => {
    const coerce = compileVariableCoercion(schema, definitionsOf('($u: Upper!, $ids: [ID!])'));
    const ids = ['a', 'b'];
    const result = coerce({ u: 'up', ids });
    expect(result.coerced).toEqual({ u: 'UP', ids: ['a', 'b'] });
    expect(result.coerced?.['ids']).toBe(ids);
    // An ID given as a number becomes a string, so that list is copied.
    const numeric = [1, 'b'];
    const converted = coerce({ u: 'up', ids: numeric });
    expect(converted.coerced).toEqual({ u: 'UP', ids: ['1', 'b'] });
    expect(converted.coerced?.['ids']).not.toBe(numeric);
  });
});
