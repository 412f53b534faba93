/**
 * Prints this subgraph's SDL as a router sees it in `_service { sdl }`, e.g. for
 * `rover subgraph check` elsewhere: `npm run --silent schema:print > connector-auth.graphql`.
 */
import { printSubgraphSchema } from '@apollo/subgraph';
import { createSchema } from '../src/schema.ts';

process.stdout.write(`${printSubgraphSchema(createSchema())}\n`);
