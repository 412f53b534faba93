/**
 * The subgraph schema: the SDL files in schema/, by an explicit list, with the resolvers.
 */
import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { resolvers } from './resolvers/index.ts';

/** The SDL files, in load order. codegen.yml lists the same files. */
export const SCHEMA_FILES = [
  'schema.graphql',
  'iotManagedIntegrations.graphql',
  'conductorOne.graphql',
  'appFabric.graphql',
] as const;

const SCHEMA_DIR = new URL('../schema/', import.meta.url);

export function loadTypeDefs(): DocumentNode {
  const sources = SCHEMA_FILES.map((file) => readFileSync(new URL(file, SCHEMA_DIR), 'utf8'));
  return parse(sources.join('\n'));
}

export function createSchema(): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: loadTypeDefs(), resolvers }]);
}
