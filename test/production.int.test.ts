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

  it('gives no "did you mean" suggestions for a misspelled input field, on every executor', async () => {
    const query = `mutation ($input: ConnectAppAuthorizationInput!) {
      connectAppAuthorization(input: $input) { userErrors { code } } }`;
    const input = {
      appBundleIdentifier: t.sandbox.seed.appFabric.appBundleArns[0],
      appAuthorizationIdentifier: t.sandbox.seed.appFabric.appAuthorizations[0]!.appAuthorizationArn,
      authRequest: { redirectUri: 'https://app.example.com/cb', cod: 'abc' },
    };
    // The first run on graphql-js, the second compiled, the third on the hot path: the operation is
    // valid, so it becomes hot; only its variables are wrong.
    const valid = { ...input, authRequest: { redirectUri: 'https://app.example.com/cb', code: 'abc' } };
    for (let run = 0; run < 3; run += 1) await t.query(query, { input: valid });
    for (let run = 0; run < 3; run += 1) {
      const res = await t.query(query, { input });
      expect(res.status).toBe(400);
      const messages = res.body.errors!.map((error) => error.message).join('\n');
      expect(messages).toContain('Field "cod" is not defined by type "AuthRequestInput".');
      expect(res.text).not.toMatch(/did you mean/i);
    }
  });

  it('gives no "did you mean" suggestions', async () => {
    const res = await t.query('{ connectorDestinaton(id: "x") { id } }');
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(/did you mean/i);
    expect(res.text).not.toContain('connectorDestination');
  });
});
