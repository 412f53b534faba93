/**
 * The subgraph schema: the SDL files in schema/, by an explicit list, with the resolvers and the
 * subgraph's own scope enforcement.
 */
import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { Kind, parse, visit, type DirectiveNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import { settleEntities } from './execution/jitGateway.ts';
import { resolvers } from './resolvers/index.ts';
import { enforceScopes } from './security/scopes.ts';

/** The SDL files, in load order. codegen.yml lists the same files. */
export const SCHEMA_FILES = [
  'schema.graphql',
  'iotManagedIntegrations.graphql',
  'conductorOne.graphql',
  'appFabric.graphql',
] as const;

const SCHEMA_DIR = new URL('../schema/', import.meta.url);

export interface SchemaOptions {
  /**
   * Also publish every `@scopes(anyOf: X)` as Federation `@requiresScopes(scopes: X)`, for routers
   * that enforce it (PUBLISH_REQUIRES_SCOPES). Off by default: `@apollo/gateway` refuses
   * supergraphs that contain it.
   */
  publishRequiresScopes?: boolean;
}

export function loadTypeDefs(options: SchemaOptions = {}): DocumentNode {
  const sources = SCHEMA_FILES.map((file) => readFileSync(new URL(file, SCHEMA_DIR), 'utf8'));
  const document = parse(sources.join('\n'));
  return options.publishRequiresScopes ? withRequiresScopes(document) : document;
}

/** Adds `@requiresScopes` beside every `@scopes`, and imports it from the federation link. */
function withRequiresScopes(document: DocumentNode): DocumentNode {
  const mirror = (directives: readonly DirectiveNode[] | undefined): DirectiveNode[] | undefined => {
    const scopes = directives?.find((d) => d.name.value === 'scopes');
    const anyOf = scopes?.arguments?.find((a) => a.name.value === 'anyOf');
    if (!directives || !anyOf) return directives ? [...directives] : undefined;
    return [
      ...directives,
      {
        kind: Kind.DIRECTIVE,
        name: { kind: Kind.NAME, value: 'requiresScopes' },
        arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'scopes' }, value: anyOf.value }],
      },
    ];
  };
  return visit(document, {
    ObjectTypeDefinition: (node) => ({ ...node, directives: mirror(node.directives) }),
    FieldDefinition: (node) => ({ ...node, directives: mirror(node.directives) }),
    SchemaExtension: (node) => ({
      ...node,
      directives: node.directives?.map((directive) => {
        if (directive.name.value !== 'link') return directive;
        return {
          ...directive,
          arguments: directive.arguments?.map((arg) =>
            arg.name.value === 'import' && arg.value.kind === Kind.LIST
              ? {
                  ...arg,
                  value: {
                    ...arg.value,
                    values: [...arg.value.values, { kind: Kind.STRING, value: '@requiresScopes' }],
                  },
                }
              : arg,
          ),
        };
      }),
    }),
  });
}

/**
 * The executable subgraph schema: resolvers, scope enforcement, and an `_entities` that settles
 * each representation on its own (a malformed or failing one is that entity's error, never the
 * whole list's; the resolvers' `__resolveReference`s rely on it).
 */
export function createSchema(options: SchemaOptions = {}): GraphQLSchema {
  const schema = enforceScopes(buildSubgraphSchema([{ typeDefs: loadTypeDefs(options), resolvers }]));
  settleEntities(schema);
  return schema;
}
