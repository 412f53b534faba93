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

/** Loads the supergraph in @apollo/gateway: undefined when it loads, else the messages of its failure. */
async function gatewayFailure(supergraphSdl: string): Promise<string[] | undefined> {
  const gateway = new ApolloGateway({ supergraphSdl });
  try {
    await gateway.load();
    return undefined;
  } catch (error) {
    const causes = (error as { causes?: Array<{ message: string }> }).causes;
    return causes ? causes.map((cause) => cause.message) : [String(error)];
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
    // @apollo/gateway refuses a supergraph with @requiresScopes (a SECURITY feature it does not
    // enforce) and must refuse it for that reason alone.
    expect(await gatewayFailure(supergraph)).toEqual(
      publish
        ? ['feature https://specs.apollo.dev/requiresScopes/v0.1 is for: SECURITY but is unsupported']
        : undefined,
    );
  });

  it('still enforces the scopes in the subgraph itself either way', async () => {
    const sdl = await sdlOf(t);
    expect(sdl.match(/@scopes\(/g)?.length).toBeGreaterThanOrEqual(12);
  });
});
