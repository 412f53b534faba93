/**
 * Prints this subgraph's SDL as a router sees it in `_service { sdl }`, e.g. for a registry check:
 *   npm run --silent schema:print > connector-auth.graphql
 *   npm run --silent schema:print -- --publish-requires-scopes > connector-auth.graphql
 * The second form adds Federation @requiresScopes, as PUBLISH_REQUIRES_SCOPES=true does.
 */
import { parseArgs } from 'node:util';
import { printSubgraphSchema } from '@apollo/subgraph';
import { createSchema } from '../src/schema.ts';

const { values } = parseArgs({ options: { 'publish-requires-scopes': { type: 'boolean', default: false } } });
process.stdout.write(
  `${printSubgraphSchema(createSchema({ publishRequiresScopes: values['publish-requires-scopes'] }))}\n`,
);
