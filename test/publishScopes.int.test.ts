/**
 * PUBLISH_REQUIRES_SCOPES: off, the SDL carries only the local @scopes and composes for every
 * router and @apollo/gateway; on, it also carries Federation @requiresScopes for the routers that
 * enforce it, which @apollo/gateway refuses.
 */
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

const neighbour = parse(readFileSync(new URL('./fixtures/neighbour.graphql', import.meta.url), 'utf8'));

async function sdlOf(t: TestServer): Promise<string> {
  return ((await t.query('{ _service { sdl } }')).body.data as any)._service.sdl;
}

function compose(sdl: string) {
  return composeServices([
    { name: 'connector-auth', typeDefs: parse(sdl), url: 'http://127.0.0.1:4001/graphql' },
    { name: 'neighbour', typeDefs: neighbour, url: 'http://127.0.0.1:4002/graphql' },
  ]);
}

async function gatewayLoads(supergraphSdl: string): Promise<boolean> {
  const gateway = new ApolloGateway({ supergraphSdl });
  try {
    await gateway.load();
    return true;
  } catch {
    return false;
  } finally {
    await gateway.stop().catch(() => undefined);
  }
}

describe.each([false, true])('PUBLISH_REQUIRES_SCOPES=%s', (publish) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { publishRequiresScopes: publish } });
  });
  afterAll(() => t.close());

  it('composes, publishing @requiresScopes only when asked', async () => {
    const sdl = await sdlOf(t);
    expect(sdl).toContain('@scopes(anyOf: [["destinations:read"]])');
    expect(sdl.includes('@requiresScopes(scopes: [["destinations:read"]])')).toBe(publish);
    const result = compose(sdl);
    expect(result.errors ?? []).toEqual([]);
    const supergraph = result.supergraphSdl!;
    expect(supergraph.includes('@requiresScopes(scopes: [["credentials:read"]])')).toBe(publish);
    expect(await gatewayLoads(supergraph)).toBe(!publish);
  });

  it('still enforces the scopes in the subgraph itself either way', async () => {
    const sdl = await sdlOf(t);
    expect(sdl.match(/@scopes\(/g)?.length).toBeGreaterThanOrEqual(12);
  });
});
