/** Production defaults: no introspection but _service, no field suggestions, masked errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

describe('NODE_ENV=production', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { production: true } });
  });
  afterAll(() => t.close());

  it('refuses introspection', async () => {
    const res = await t.query('{ __schema { types { name } } }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions!['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.text).not.toContain('ConnectorDestination');
  });

  it('still serves _service { sdl } for the router', async () => {
    const res = await t.query('{ _service { sdl } }');
    expect((res.body.data as any)._service.sdl).toContain('type ConnectorDestination');
  });

  it('gives no "did you mean" suggestions', async () => {
    const res = await t.query('{ connectorDestinaton(id: "x") { id } }');
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(/did you mean/i);
    expect(res.text).not.toContain('connectorDestination');
  });
});
