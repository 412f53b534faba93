/**
 * Malformed identifiers and arguments are rejected with BAD_USER_INPUT before any upstream call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCursorCodec } from '../src/cursor.ts';
import { startTestServer, TEST_CURSOR_KEY, type TestServer } from './helpers/startTestServer.ts';

const codec = createCursorCodec(TEST_CURSOR_KEY);
const scopeOf = (cursor: string) => JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString())[1] as string;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());
beforeEach(() => t.resetCalls());

async function expectRejected(query: string, variables: Record<string, unknown>, argumentPath: string[]) {
  const res = await t.query(query, variables);
  expect(res.status).toBe(200);
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', argumentPath });
  expect(res.body.errors![0]!.message).not.toMatch(/stack|at \w+ \(/);
  expect(t.totalCalls()).toBe(0);
}

describe('IoT Managed Integrations identifiers', () => {
  const q = 'query ($id: ID!) { connectorDestination(id: $id) { id } }';
  it.each(['', 'a'.repeat(65), 'dest lumen', 'dest/lumen', 'dest.lumen', 'déstination', '../etc'])(
    'rejects id %j',
    async (id) => {
      await expectRejected(q, { id }, ['id']);
    },
  );

  it('accepts the longest valid id and answers null for it', async () => {
    const res = await t.query(q, { id: 'a'.repeat(64) });
    expect(res.body).toEqual({ data: { connectorDestination: null } });
  });

  it('rejects a malformed cloudConnectorId filter', async () => {
    await expectRejected('{ connectorDestinations(cloudConnectorId: "cc lumen") { nodes { id } } }', {}, [
      'cloudConnectorId',
    ]);
  });
});

describe('page sizes', () => {
  it.each([0, -1, 101, 1000])('rejects first: %d', async (first) => {
    await expectRejected('query ($first: Int) { connectorDestinations(first: $first) { nodes { id } } }', { first }, [
      'first',
    ]);
    await expectRejected(
      'query ($first: Int) { appAuthorizations(appBundleIdentifier: "4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01", first: $first) { nodes { arn } } }',
      { first },
      ['first'],
    );
  });

  it.each([1, 100])('accepts first: %d', async (first) => {
    const res = await t.query('query ($first: Int) { connectorDestinations(first: $first) { nodes { id } } }', {
      first,
    });
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data as any).connectorDestinations.nodes.length).toBeLessThanOrEqual(first);
  });
});

describe('cursors', () => {
  const q = 'query ($after: String) { connectorDestinations(after: $after) { nodes { id } } }';
  it.each(['not a cursor', '', 'eyJ9', Buffer.from('[1,"x",null,0]').toString('base64url'), 'A'.repeat(5000)])(
    'rejects after: %j',
    async (after) => {
      await expectRejected(q, { after }, ['after']);
    },
  );

  it('rejects an edited cursor, and one signed with another key', async () => {
    const first = await t.query('{ connectorDestinations(first: 1) { edges { cursor } } }');
    const cursor: string = (first.body.data as any).connectorDestinations.edges[0].cursor;
    const [page, skip, tag] = cursor.split('.') as [string, string, string];
    t.resetCalls();
    await expectRejected(q, { after: `${page}.${Number(skip) + 3}.${tag}` }, ['after']);
    const original = Buffer.from(page, 'base64url').toString();
    const [version, scope, token] = JSON.parse(original) as [number, string, string | null];
    const edited = Buffer.from(JSON.stringify([version, scope, token === null ? 'tok' : `${token}x`])).toString(
      'base64url',
    );
    expect(Buffer.from(edited, 'base64url').toString()).not.toBe(original);
    await expectRejected(q, { after: `${edited}.${skip}.${tag}` }, ['after']);
    const foreign = createCursorCodec(Buffer.from('another-key-another-key-another-key!')).encode(scopeOf(cursor), {
      token: null,
      skip: 1,
    });
    await expectRejected(q, { after: foreign }, ['after']);
    // The genuine cursor still works.
    const ok = await t.query(q, { after: cursor });
    expect(ok.body.errors).toBeUndefined();
  });

  it('rejects a cursor of another list', async () => {
    const res = await t.query(
      '{ appAuthorizations(appBundleIdentifier: "4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01", first: 2) { pageInfo { endCursor } } }',
    );
    const cursor = (res.body.data as any).appAuthorizations.pageInfo.endCursor;
    t.resetCalls();
    await expectRejected(q, { after: cursor }, ['after']);
  });

  it('rejects a cursor with a negative or absurd offset even when its scope matches', async () => {
    const first = await t.query('{ connectorDestinations(first: 1) { edges { cursor } } }');
    const scope = scopeOf((first.body.data as any).connectorDestinations.edges[0].cursor);
    t.resetCalls();
    const [page, , tag] = codec.encode(scope, { token: null, skip: 1 }).split('.') as [string, string, string];
    for (const skip of ['-1', '10001', '99999', '01'])
      await expectRejected(q, { after: `${page}.${skip}.${tag}` }, ['after']);
    await expectRejected(q, { after: codec.encode(scope, { token: '', skip: 1 }) }, ['after']);
  });

  it('maps an upstream-rejected NextToken inside a well-formed cursor to BAD_USER_INPUT', async () => {
    const first = await t.query('{ connectorDestinations(first: 1) { edges { cursor } } }');
    const scope = scopeOf((first.body.data as any).connectorDestinations.edges[0].cursor);
    const res = await t.query(q, { after: codec.encode(scope, { token: 'expired-token', skip: 0 }) });
    expect(res.body.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      upstream: { name: 'iotManagedIntegrations', operation: 'ListConnectorDestinations', status: 400 },
    });
  });
});

describe('ConductorOne identifiers', () => {
  const q = 'query ($a: ID!, $c: ID!, $i: ID!) { connectorCredential(appId: $a, connectorId: $c, id: $i) { id } }';
  it.each([
    [{ a: '', c: 'conn-github', i: 'x' }, ['appId']],
    [{ a: 'app-github-enterprise', c: 'a/b', i: 'x' }, ['connectorId']],
    [{ a: 'app-github-enterprise', c: 'conn-github', i: '.' }, ['id']],
    [{ a: 'app-github-enterprise', c: 'conn-github', i: '..' }, ['id']],
    [{ a: 'app-github-enterprise', c: 'conn-github', i: 'x?y' }, ['id']],
    [{ a: 'app github', c: 'conn-github', i: 'x' }, ['appId']],
  ])('rejects %j', async (variables, path) => {
    await expectRejected(q, variables, path);
  });
});

describe('AppFabric identifiers', () => {
  const q =
    'query ($b: ID!, $a: ID!) { appAuthorization(appBundleIdentifier: $b, appAuthorizationIdentifier: $a) { arn } }';
  const uuid = '0b3f5a7c-1d2e-4f60-8a9b-0c1d2e3f4a5b';
  it.each([
    [{ b: uuid.toUpperCase(), a: uuid }, ['appBundleIdentifier']],
    [{ b: 'bundle', a: uuid }, ['appBundleIdentifier']],
    [{ b: uuid, a: `${uuid}0` }, ['appAuthorizationIdentifier']],
    [{ b: uuid, a: `arn:${'x'.repeat(1011)}` }, ['appAuthorizationIdentifier']],
    [{ b: uuid, a: 'arn:aws:appfabric:us-east-1:1:appbundle/x y' }, ['appAuthorizationIdentifier']],
  ])('rejects %j', async (variables, path) => {
    await expectRejected(q, variables, path);
  });
});

describe('GraphQL-level errors', () => {
  it('answers an unknown field with GRAPHQL_VALIDATION_FAILED and 400', async () => {
    const res = await t.query('{ connectorDestination(id: "x") { secret } }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('answers a subscription, which this subgraph has none of, with GRAPHQL_VALIDATION_FAILED and 400', async () => {
    const logsBefore = t.logs.length;
    // Repeated: a repeated operation is answered by the compiled and hot paths once it has passed.
    for (let run = 0; run < 3; run++) {
      const res = await t.query('subscription { connectorDestination(id: "dest-lumen-eu") { id } }');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        errors: [
          {
            message: 'This subgraph has no subscription operations.',
            locations: expect.any(Array),
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          },
        ],
      });
    }
    // A client's mistake, not a server fault: nothing logged above info.
    const levels = t.logs.slice(logsBefore).map((line) => (JSON.parse(line) as { level: number }).level);
    expect(levels.length).toBeGreaterThan(0);
    expect(Math.max(...levels)).toBeLessThanOrEqual(30);
  });

  it.each([
    [
      'a variable with a default sent as null into a non-null input field',
      `mutation ($r: String = "https://x.example/cb") { connectAppAuthorization(input: { appBundleIdentifier: "a", appAuthorizationIdentifier: "b", authRequest: { code: "planted-code-in-an-argument", redirectUri: $r } }) { userErrors { code } } }`,
      { r: null },
      ['connectAppAuthorization'],
      'Argument "input" has an invalid value.',
    ],
    [
      'a variable with a default sent as null into a non-null argument',
      'query ($id: ID = "dest-lumen-eu") { connectorDestination(id: $id) { id } }',
      { id: null },
      ['connectorDestination'],
      'Argument "id" of non-null type "ID!" must not be null.',
    ],
  ])(
    'answers an argument refused at execution (%s) with BAD_USER_INPUT on every path, as a client error',
    async (_, query, variables, path, message) => {
      t.resetCalls();
      const logsBefore = t.logs.length;
      // Repeated: the first run is graphql-js's, the next ones compiled and hot.
      for (let run = 0; run < 3; run++) {
        const res = await t.query(query, variables);
        expect(res.status).toBe(200);
        expect(res.body.errors).toEqual([
          { message, locations: expect.any(Array), path, extensions: { code: 'BAD_USER_INPUT' } },
        ]);
        expect(res.text).not.toContain('planted-code-in-an-argument');
      }
      expect(t.totalCalls()).toBe(0);
      const levels = t.logs.slice(logsBefore).map((line) => (JSON.parse(line) as { level: number }).level);
      expect(Math.max(...levels)).toBeLessThanOrEqual(30);
    },
  );

  it('answers a missing required argument with a validation error', async () => {
    const res = await t.query('{ connectorDestination { id } }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions!['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('answers a variable of the wrong type with BAD_USER_INPUT and 400', async () => {
    const res = await t.query('query ($first: Int) { connectorDestinations(first: $first) { nodes { id } } }', {
      first: 'ten',
    });
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
  });
});

describe('request errors quote no values', () => {
  // A client's OAuth code must not come back in a response, even in an error about its request.
  const code = 'planted-oauth-code-in-a-bad-request';
  const mutation =
    'mutation ($i: ConnectAppAuthorizationInput!) { connectAppAuthorization(input: $i) { userErrors { code } } }';
  const input = (extra: Record<string, unknown>, authRequest: Record<string, unknown>) => ({
    i: { appBundleIdentifier: 'a', appAuthorizationIdentifier: 'b', authRequest, ...extra },
  });

  it.each([
    [
      'an undefined field beside the code',
      input({ extra: 1 }, { code, redirectUri: 'https://x.example/cb' }),
      'Variable "$i" got invalid value; Field "extra" is not defined by type "ConnectAppAuthorizationInput".',
    ],
    [
      'a missing field beside the code',
      input({}, { code }),
      'Variable "$i" got invalid value at "i.authRequest"; Field "redirectUri" of required type "String!" was not provided.',
    ],
    [
      'the code as an object',
      input({}, { code: { value: code }, redirectUri: 'https://x.example/cb' }),
      'Variable "$i" got invalid value at "i.authRequest.code"; String cannot represent a non string value.',
    ],
    [
      'the code in a list',
      input({}, { code: [code], redirectUri: 'https://x.example/cb' }),
      'Variable "$i" got invalid value at "i.authRequest.code"; String cannot represent a non string value.',
    ],
  ])('%s: the message names the problem, not the value (first and repeated runs)', async (_, variables, message) => {
    for (let run = 0; run < 3; run++) {
      const res = await t.query(mutation, variables);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { message, locations: expect.any(Array), extensions: { code: 'BAD_USER_INPUT' } },
      ]);
      expect(res.text).not.toContain(code);
    }
    expect(t.totalCalls()).toBe(0);
    for (const line of t.logs) expect(line).not.toContain(code);
  });

  it('does not print back a list or object literal that validation refused', async () => {
    const res = await t.query(
      `mutation { connectAppAuthorization(input: [{ appBundleIdentifier: "a", appAuthorizationIdentifier: "b", authRequest: { code: "${code}", redirectUri: "https://x.example/cb" } }]) { userErrors { code } } }`,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.message).toBe(
      'Expected value of type "ConnectAppAuthorizationInput", found an invalid value.',
    );
    expect(res.text).not.toContain(code);
  });

  it.each([
    [
      'a code whose colon was forgotten',
      `{ code "${code}", redirectUri: "https://x.example/cb" }`,
      'Expected ":", found String.',
    ],
    ['a code left unquoted, without its colon', `{ code ${code.replaceAll('-', '_')} }`, 'Expected ":", found Name.'],
    ['a numeric code without its colon', '{ code 731904258811 }', 'Expected ":", found Int.'],
    ['a code as a block string after another', `{ code: "x" """${code}""" }`, 'Expected Name, found BlockString.'],
    // The message format inside the code's own text: the error still ends at the code's token.
    ['a code that quotes the message format', `{ code "${code}, found String \\"x" }`, 'Expected ":", found String.'],
  ])('does not print back the token a syntax error stopped at: %s', async (_, authRequest, problem) => {
    const res = await t.query(
      `mutation { connectAppAuthorization(input: { appBundleIdentifier: "a", appAuthorizationIdentifier: "b", authRequest: ${authRequest} }) { userErrors { code } } }`,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        message: `Syntax Error: ${problem}`,
        locations: expect.any(Array),
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      },
    ]);
    expect(res.text).not.toContain(code);
    expect(res.text).not.toContain(code.replaceAll('-', '_'));
    expect(res.text).not.toContain('731904258811');
  });

  // Validation reports a scalar's refusal of a literal as the scalar wrote it, the literal printed last.
  const secret = 'planted_literal_731904258811';
  const connectWith = (authRequest: string) =>
    `mutation { connectAppAuthorization(input: { appBundleIdentifier: "a", appAuthorizationIdentifier: "b", authRequest: ${authRequest} }) { userErrors { code } } }`;
  it.each([
    [
      'a code left unquoted',
      connectWith(`{ code: ${secret}, redirectUri: "https://x.example/cb" }`),
      'String cannot represent a non string value.',
    ],
    [
      'a numeric code',
      connectWith('{ code: 731904258811, redirectUri: "https://x.example/cb" }'),
      'String cannot represent a non string value.',
    ],
    [
      'a string for an Int',
      `{ connectorDestinations(first: "${secret}") { nodes { id } } }`,
      'Int cannot represent non-integer value.',
    ],
    [
      'an object for an ID',
      `{ connectorDestination(id: { a: "${secret}" }) { id } }`,
      'ID cannot represent a non-string and non-integer value.',
    ],
    [
      'a string for a Boolean',
      `{ connectorDestination(id: "x") @include(if: "${secret}") { id } }`,
      'Boolean cannot represent a non boolean value.',
    ],
    [
      'a null for a non-null argument (kept: it quotes nothing)',
      `{ connectorDestination(id: null) { id } } # ${secret}`,
      'Expected value of type "ID!", found null.',
    ],
    [
      'a name that is not a value of the enum',
      `query ($s: AppAuthorizationStatus = ${secret}) { __typename }`,
      'The value does not exist in "AppAuthorizationStatus" enum.',
    ],
    [
      'a string for an enum',
      `query ($s: AppAuthorizationStatus = "${secret}") { __typename }`,
      'Enum "AppAuthorizationStatus" cannot represent non-enum value.',
    ],
  ])('does not print back a literal a scalar refused: %s', async (_, query, message) => {
    const res = await t.query(query);
    expect(res.status).toBe(400);
    expect(res.body.errors!.map((e) => e.message)).toContain(message);
    expect(res.body.errors!.every((e) => e.extensions!['code'] === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain('731904258811');
    for (const line of t.logs) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain('731904258811');
    }
  });

  it('keeps the scalar and enum problems in words', async () => {
    const res = await t.query('query ($first: Int) { connectorDestinations(first: $first) { nodes { id } } }', {
      first: 'ten',
    });
    expect(res.body.errors![0]!.message).toBe(
      'Variable "$first" got invalid value; Int cannot represent non-integer value.',
    );
  });
});
