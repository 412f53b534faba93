/**
 * connectAppAuthorization end to end against the AppFabric simulator, with faults injected at
 * each step and the exact number of upstream sends asserted. The OAuth code is single-use: it is
 * sent again only when AppFabric provably did not process it.
 */
import { randomUUID } from 'node:crypto';
import { inflateSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsSimulator } from '../src/sandbox/aws/awsSimulator.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

let t: TestServer;
let sim: AwsSimulator;
beforeAll(async () => {
  t = await startTestServer({ config: { upstreamTimeouts: { connectMs: 500, headersMs: 400, bodyMs: 300 } } });
  sim = t.sandbox.aws!;
});
afterAll(() => t.close());
beforeEach(() => {
  sim.reset();
  sim.resetState(); // every authorization back to its seeded status, no code consumed yet
  t.resetCalls();
});

const MUTATION = `mutation Connect($input: ConnectAppAuthorizationInput!) {
  connectAppAuthorization(input: $input) {
    appAuthorization { arn status tenant { tenantDisplayName } }
    userErrors { code message field }
  }
}`;

const pending = (app = 'SLACK') => t.sandbox.seed.appFabric.appAuthorizations.find((a) => a.app === app)!;
const sends = () => t.calls()['appFabric']?.['ConnectAppAuthorization'] ?? 0;
const gets = () => t.calls()['appFabric']?.['GetAppAuthorization'] ?? 0;
const newCode = () => `planted-oauth-code-${randomUUID()}`;

function input(code: string, app = 'SLACK', redirectUri = 'https://app.example.com/oauth/callback') {
  const a = pending(app);
  return {
    appBundleIdentifier: a.appBundleArn,
    appAuthorizationIdentifier: a.appAuthorizationArn,
    authRequest: { redirectUri, code },
  };
}

async function connect(code: string, app?: string, headers?: Record<string, string>) {
  const res = await t.query(MUTATION, { input: input(code, app) }, headers);
  return { res, payload: (res.body.data as any)?.connectAppAuthorization };
}

const CONNECTED = (app = 'SLACK') => ({
  appAuthorization: {
    arn: pending(app).appAuthorizationArn,
    status: 'CONNECTED',
    tenant: { tenantDisplayName: pending(app).tenant!.tenantDisplayName },
  },
  userErrors: [],
});

/** Every place a planted code could leak: the response, every log line, the simulator-side logs excepted. */
function expectNowhere(code: string, ...texts: string[]) {
  for (const text of [...texts, ...t.logs]) expect(text).not.toContain(code);
}

describe('connectAppAuthorization', () => {
  it('succeeds with one send, and the payload costs no extra call', async () => {
    const code = newCode();
    const { res, payload } = await connect(code);
    expect(payload).toEqual(CONNECTED());
    expect(t.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1 });
    expectNowhere(code, res.text);
  });

  it('rejects a reused code as INVALID_INPUT on the code field', async () => {
    const code = newCode();
    await connect(code);
    const { res, payload } = await connect(code, 'GOOGLE');
    expect(payload.userErrors).toEqual([
      { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'authRequest', 'code'] },
    ]);
    expect(sends()).toBe(2);
    expectNowhere(code, res.text);
  });

  it('answers unknown identifiers with NOT_FOUND, and malformed ones with INVALID_INPUT before sending', async () => {
    const code = newCode();
    const unknown = await t.query(MUTATION, {
      input: { ...input(code), appAuthorizationIdentifier: '00000000-0000-4000-8000-000000000000' },
    });
    expect((unknown.body.data as any).connectAppAuthorization.userErrors).toEqual([
      { code: 'NOT_FOUND', message: expect.any(String), field: null },
    ]);
    t.resetCalls();
    const malformed = await t.query(MUTATION, { input: { ...input(code), appBundleIdentifier: 'ARN:NOPE' } });
    expect((malformed.body.data as any).connectAppAuthorization.userErrors).toEqual([
      { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'appBundleIdentifier'] },
    ]);
    expect(sends()).toBe(0);
  });

  it('maps AppFabric validation failures with a field list to input paths', async () => {
    const code = newCode();
    sim.inject('ConnectAppAuthorization', {
      kind: 'error',
      status: 400,
      type: 'ValidationException',
      members: {
        reason: 'fieldValidationFailed',
        fieldList: [
          { name: 'authRequest.redirectUri', message: `redirect mismatch for ${code}` },
          { name: 'code', message: 'expired' },
        ],
      },
    });
    const { res, payload } = await connect(code);
    expect(payload).toEqual({
      appAuthorization: null,
      userErrors: [
        { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'authRequest', 'redirectUri'] },
        { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'authRequest', 'code'] },
      ],
    });
    expect(sends()).toBe(1);
    expectNowhere(code, res.text);
  });

  it('maps a missing authRequest for an oauth2 authorization to its field', async () => {
    const a = pending();
    const res = await t.query(MUTATION, {
      input: { appBundleIdentifier: a.appBundleArn, appAuthorizationIdentifier: a.appAuthorizationArn },
    });
    expect((res.body.data as any).connectAppAuthorization.userErrors).toEqual([
      { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'authRequest'] },
    ]);
  });

  it('maps AccessDeniedException to ACCESS_DENIED', async () => {
    sim.inject('ConnectAppAuthorization', { kind: 'error', status: 403, type: 'AccessDeniedException' });
    const { payload } = await connect(newCode());
    expect(payload.userErrors).toEqual([{ code: 'ACCESS_DENIED', message: expect.any(String), field: null }]);
    expect(sends()).toBe(1);
  });

  it('resends after throttling: exactly 2 sends, then success', async () => {
    sim.inject('ConnectAppAuthorization', { kind: 'throttle' });
    const { payload } = await connect(newCode());
    expect(payload).toEqual(CONNECTED());
    expect(sends()).toBe(2);
    expect(gets()).toBe(0);
  });

  it('reports persistent throttling as a top-level UPSTREAM_THROTTLED: the code was not consumed', async () => {
    const code = newCode();
    sim.inject('ConnectAppAuthorization', { kind: 'throttle', times: 5 });
    const { res } = await connect(code);
    expect(res.body.data).toBeNull();
    expect(res.body.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_THROTTLED',
      upstream: { name: 'appFabric', operation: 'ConnectAppAuthorization' },
    });
    expect(sends()).toBe(3);
    expectNowhere(code, res.text);
    // And the caller may indeed retry with the same code.
    t.resetCalls();
    expect((await connect(code)).payload).toEqual(CONNECTED());
  });

  it('does not resend after a 500 once the code was consumed: 1 send, a Get, then success', async () => {
    const code = newCode();
    sim.inject('ConnectAppAuthorization', {
      kind: 'error',
      status: 500,
      type: 'InternalServerException',
      afterProcessing: true,
    });
    const { res, payload } = await connect(code);
    expect(payload).toEqual(CONNECTED());
    expect(t.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1, GetAppAuthorization: 1 });
    expectNowhere(code, res.text);
  });

  it('does not resend after a reset once the request was sent: the status check settles it', async () => {
    sim.inject('ConnectAppAuthorization', { kind: 'reset', afterProcessing: true });
    const { payload } = await connect(newCode());
    expect(payload).toEqual(CONNECTED());
    expect(t.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1, GetAppAuthorization: 1 });
  });

  it('returns OUTCOME_UNKNOWN after a timeout when the authorization is still pending', async () => {
    const code = newCode();
    sim.inject('ConnectAppAuthorization', { kind: 'hang' });
    const { res, payload } = await connect(code);
    expect(payload).toEqual({
      appAuthorization: null,
      userErrors: [
        {
          code: 'OUTCOME_UNKNOWN',
          message: expect.stringContaining('Start the authorization flow again'),
          field: null,
        },
      ],
    });
    expect(t.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1, GetAppAuthorization: 1 });
    expectNowhere(code, res.text);
  });

  it('returns OUTCOME_UNKNOWN when the status check itself fails', async () => {
    sim.inject('ConnectAppAuthorization', { kind: 'error', status: 503, type: 'ServiceUnavailableException' });
    sim.inject('GetAppAuthorization', { kind: 'error', status: 500, type: 'InternalServerException', times: 3 });
    const { payload } = await connect(newCode());
    expect(payload.userErrors).toEqual([{ code: 'OUTCOME_UNKNOWN', message: expect.any(String), field: null }]);
    expect(sends()).toBe(1);
  });

  it('sends a double submission once, and both callers get its outcome', async () => {
    const code = newCode();
    sim.setLatency(150, 'ConnectAppAuthorization');
    const [a, b] = await Promise.all([connect(code), connect(code)]);
    expect(a.payload).toEqual(CONNECTED());
    expect(b.payload).toEqual(CONNECTED());
    expect(sends()).toBe(1);
  });

  it('sends two different codes for the same authorization separately', async () => {
    sim.setLatency(100, 'ConnectAppAuthorization');
    await Promise.all([connect(newCode()), connect(newCode())]);
    expect(sends()).toBe(2);
  });

  it('keeps the code out of the inline trace the router asks for', async () => {
    const code = newCode();
    sim.inject('ConnectAppAuthorization', {
      kind: 'error',
      status: 400,
      type: 'ValidationException',
      message: `bad code ${code}`,
    });
    const { res } = await connect(code, 'SLACK', { 'apollo-federation-include-trace': 'ftv1' });
    const trace = (res.body as any).extensions?.ftv1 as string;
    expect(trace).toEqual(expect.any(String));
    const bytes = Buffer.from(trace, 'base64');
    const decoded = [bytes.toString('latin1'), tryInflate(bytes)].join('\n');
    expect(decoded).not.toContain(code);
    expectNowhere(code, res.text);
  });
});

function tryInflate(bytes: Buffer): string {
  for (const inflate of [inflateSync, gunzipSync]) {
    try {
      return inflate(bytes).toString('latin1');
    } catch {
      // not compressed that way
    }
  }
  return '';
}
