/**
 * A Federation 1 rendering of the subgraph's own SDL, for the Mercurius contender
 * (@mercuriusjs/federation speaks Federation 1 only). Derived from `loadTypeDefs()`, so the two
 * stay the same types: the `@link` schema extension goes, every directive that Federation 1 does
 * not know (`@scopes`, `@cost`, `@listSize`, `@shareable`) goes with its definition, `@key` stays,
 * and the root types become `extend type Query` / `extend type Mutation`, as Federation 1
 * subgraphs (and @mercuriusjs/federation's examples) declare them. Descriptions stay.
 */
import { Kind, print, visit, type ObjectTypeDefinitionNode, type ObjectTypeExtensionNode } from 'graphql';
import { loadTypeDefs } from '../../src/schema.ts';

/** Federation 1 directives (declared by @mercuriusjs/federation itself) and GraphQL's own. */
const KNOWN_DIRECTIVES: ReadonlySet<string> = new Set([
  'key',
  'external',
  'requires',
  'provides',
  'extends',
  'deprecated',
  'specifiedBy',
]);

const ROOT_TYPES: ReadonlySet<string> = new Set(['Query', 'Mutation']);

export function federation1Sdl(): string {
  const document = visit(loadTypeDefs(), {
    SchemaDefinition: () => null,
    SchemaExtension: () => null,
    DirectiveDefinition: () => null,
    Directive: (node) => (KNOWN_DIRECTIVES.has(node.name.value) ? undefined : null),
    // Leave: the node's directives have already been filtered.
    ObjectTypeDefinition: {
      leave(node): ObjectTypeDefinitionNode | ObjectTypeExtensionNode {
        if (!ROOT_TYPES.has(node.name.value)) return node;
        // A type extension has no description; the root types have none.
        return {
          kind: Kind.OBJECT_TYPE_EXTENSION,
          name: node.name,
          ...(node.interfaces ? { interfaces: node.interfaces } : {}),
          ...(node.directives ? { directives: node.directives } : {}),
          ...(node.fields ? { fields: node.fields } : {}),
        };
      },
    },
  });
  return print(document);
}
