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

/** The server's `upstream_requests_total` for an AppFabric operation and outcome (0 before any). */
async function upstreamRequests(origin: string, operation: string, outcome: string): Promise<number> {
  const metrics = await (await fetch(`${origin}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        l.startsWith('upstream_requests_total{') &&
        l.includes(`operation="${operation}"`) &&
        l.includes(`outcome="${outcome}"`),
    );
  return Number(line?.split(' ').at(-1) ?? 0);
}

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
/** AppFabric uses the code, then answers 500: the send's outcome is ambiguous, and the status check settles it. */
const USED_THEN_500 = { kind: 'error', status: 500, type: 'InternalServerException', afterProcessing: true } as const;

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

  it('rejects a reused code as INVALID_INPUT (AppFabric names no field for it)', async () => {
    const code = newCode();
    await connect(code);
    const { res, payload } = await connect(code, 'GOOGLE');
    expect(payload.userErrors).toEqual([
      { code: 'INVALID_INPUT', message: 'AppFabric rejected the input or the code.', field: null },
    ]);
    expect(sends()).toBe(2);
    expectNowhere(code, res.text);
  });

  it('sends a code once: the same submission again gets the status, without a second send', async () => {
    const code = newCode();
    expect((await connect(code)).payload).toEqual(CONNECTED());
    // The client lost the first answer and sends the mutation again.
    const { res, payload } = await connect(code);
    expect(payload).toEqual(CONNECTED());
    expect(t.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1, GetAppAuthorization: 1 });
    expect(sim.requests.filter((r) => r.body.includes(code))).toHaveLength(1);
    expectNowhere(code, res.text);
  });

  it('does not send again a code AppFabric rejected, nor one whose outcome was unknown', async () => {
    const rejected = newCode();
    sim.inject('ConnectAppAuthorization', {
      kind: 'error',
      status: 400,
      type: 'ValidationException',
      members: { reason: 'other', fieldList: [{ name: 'code', message: 'expired' }] },
    });
    expect((await connect(rejected)).payload.userErrors[0].field).toEqual(['input', 'authRequest', 'code']);
    const again = await connect(rejected);
    expect(again.payload).toEqual({
      appAuthorization: null,
      userErrors: [
        {
          code: 'INVALID_INPUT',
          message: expect.stringContaining('already sent'),
          field: ['input', 'authRequest', 'code'],
        },
      ],
    });
    expect(t.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1, GetAppAuthorization: 1 });

    t.resetCalls();
    const unknown = newCode();
    sim.inject('ConnectAppAuthorization', { kind: 'error', status: 500, type: 'InternalServerException' });
    sim.inject('GetAppAuthorization', { kind: 'error', status: 500, type: 'InternalServerException', times: 3 });
    expect((await connect(unknown)).payload.userErrors[0].code).toBe('OUTCOME_UNKNOWN');
    expect((await connect(unknown)).payload.userErrors[0].message).toContain('already sent');
    expect(sends()).toBe(1);
    expectNowhere(rejected, again.res.text, ...sim.requests.slice(1).map((r) => r.body));
  });

  it("logs a refusal's kind, reason and field names, never AppFabric's text, which quotes pieces of what it refused", async () => {
    // A redirect URI AppFabric quotes cut to 100 characters, and a code too short for any redaction
    // by value: neither may reach the log.
    const redirectUri = `https://app.example.com/oauth/callback/${'segment/'.repeat(20)}done?tenant=acme`;
    const code = 'Zq9';
    sim.inject('ConnectAppAuthorization', {
      kind: 'error',
      status: 400,
      type: 'ValidationException',
      message: `1 validation error detected: Value '${redirectUri.slice(0, 100)}' at 'authRequest.redirectUri'; authorization code ${code} is invalid`,
      members: {
        reason: 'fieldValidationFailed',
        fieldList: [{ name: 'authRequest.redirectUri', message: `bad ${code}` }],
      },
    });
    const logsBefore = t.logs.length;
    const res = await t.query(MUTATION, {
      input: { ...input(code), authRequest: { redirectUri, code } },
    });
    expect((res.body.data as any).connectAppAuthorization.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'authRequest', 'redirectUri'] }),
    ]);
    const lines = t.logs.slice(logsBefore);
    const failed = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'upstream call failed');
    expect(failed).toMatchObject({
      operation: 'ConnectAppAuthorization',
      errorType: 'ValidationException',
      status: 400,
      reason: 'fieldValidationFailed',
      fields: ['authRequest.redirectUri'],
    });
    expect(failed).not.toHaveProperty('message');
    const logged = lines.join('\n');
    expect(logged).not.toContain(redirectUri.slice(0, 60));
    expect(logged).not.toMatch(/\bZq9\b/);
  });

  it("keeps a refusal's field list to its first 20 entries and one user error per input path", async () => {
    const code = newCode();
    const fieldList = Array.from({ length: 50_000 }, (_, i) => ({
      name: i % 2 ? 'authRequest.redirectUri' : `authRequest.code`,
      message: `entry ${i}`,
    }));
    sim.inject('ConnectAppAuthorization', {
      kind: 'error',
      status: 400,
      type: 'ValidationException',
      members: { reason: 'fieldValidationFailed', fieldList },
    });
    const logsBefore = t.logs.length;
    const { payload } = await connect(code);
    expect(payload.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'authRequest', 'code'] }),
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'authRequest', 'redirectUri'] }),
    ]);
    const failed = t.logs
      .slice(logsBefore)
      .map((l) => JSON.parse(l) as { msg?: string; fields?: string[] })
      .find((l) => l.msg === 'upstream call failed');
    expect(failed?.fields).toHaveLength(20);
  });

  it('sends a code again after AppFabric refused the request before looking at the code', async () => {
    const code = newCode();
    sim.inject('ConnectAppAuthorization', { kind: 'error', status: 403, type: 'AccessDeniedException' });
    expect((await connect(code)).payload.userErrors[0].code).toBe('ACCESS_DENIED');
    expect((await connect(code)).payload).toEqual(CONNECTED());
    expect(sends()).toBe(2);
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
    // An authorization's ARN with another bundle: refused here, not by AppFabric after the code is sent.
    const otherBundle = await t.query(MUTATION, {
      input: { ...input(code), appBundleIdentifier: '0a0a0a0a-0000-4000-8000-000000000000' },
    });
    expect((otherBundle.body.data as any).connectAppAuthorization.userErrors).toEqual([
      { code: 'INVALID_INPUT', message: expect.any(String), field: ['input', 'appAuthorizationIdentifier'] },
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
    sim.inject('ConnectAppAuthorization', { kind: 'throttle', times: 2 });
    const { res } = await connect(code);
    expect(res.body.data).toBeNull();
    expect(res.body.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_THROTTLED',
      upstream: { name: 'appFabric', operation: 'ConnectAppAuthorization' },
    });
    // One resend at most, although reads get three attempts (AWS_MAX_ATTEMPTS).
    expect(sends()).toBe(2);
    expect(sim.requests.map((r) => r.headers['amz-sdk-request'])).toEqual(['attempt=1; max=2', 'attempt=2; max=2']);
    expectNowhere(code, res.text);
    // And the caller may indeed retry with the same code.
    t.resetCalls();
    expect((await connect(code)).payload).toEqual(CONNECTED());
  });

  it('does not resend on a throttling name without a 429: only an explicit throttle proves the code unused', async () => {
    const code = newCode();
    sim.inject('ConnectAppAuthorization', { kind: 'error', status: 400, type: 'LimitExceededException' });
    const { res } = await connect(code);
    expect(res.body.data).toBeNull();
    expect(res.body.errors![0]!.extensions).toMatchObject({
      upstream: { name: 'appFabric', operation: 'ConnectAppAuthorization', status: 400 },
    });
    expect(t.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1 });
    expectNowhere(code, res.text);
  });

  it('does not resend after a 500 once the code was consumed: 1 send, a Get, then success', async () => {
    const code = newCode();
    sim.inject('ConnectAppAuthorization', USED_THEN_500);
    const { res, payload } = await connect(code);
    expect(payload).toEqual(CONNECTED());
    expect(t.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1, GetAppAuthorization: 1 });
    expectNowhere(code, res.text);
  });

  it("counts the status check as an upstream call: in the request's log line, its call budget and metrics", async () => {
    const checks = () => upstreamRequests(t.origin, 'GetAppAuthorization', 'ok');
    const before = await checks();
    sim.inject('ConnectAppAuthorization', USED_THEN_500);
    const { payload } = await connect(newCode(), 'SLACK', { 'x-request-id': 'connect-check-counted' });
    expect(payload).toEqual(CONNECTED());
    expect(await checks()).toBe(before + 1);
    const line = t.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'graphql request' && l.requestId === 'connect-check-counted');
    expect(line.upstreamCalls).toEqual({ appFabric: { ConnectAppAuthorization: 1, GetAppAuthorization: 1 } });
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

  it('does not take an authorization connected before the send for proof that the code worked', async () => {
    // JIRA's authorization was connected days ago; a user connects it again, and the send fails
    // before AppFabric processed the code: the status check finds CONNECTED, from before.
    sim.inject('ConnectAppAuthorization', { kind: 'error', status: 500, type: 'InternalServerException' });
    const { payload } = await connect(newCode(), 'JIRA');
    expect(payload.userErrors).toEqual([{ code: 'OUTCOME_UNKNOWN', message: expect.any(String), field: null }]);
    expect([sends(), gets()]).toEqual([1, 1]);
    // Processed, then failed: CONNECTED since the send is proof.
    sim.inject('ConnectAppAuthorization', USED_THEN_500);
    expect((await connect(newCode(), 'JIRA')).payload).toEqual(CONNECTED('JIRA'));
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

  /** Resolves once `condition` holds (checked every 5 ms, for at most 2 s). */
  async function until(condition: () => boolean) {
    for (let waited = 0; !condition(); waited += 5) {
      if (waited > 2_000) throw new Error('the condition did not come about within 2 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Posts the mutation and leaves (closes the connection) after `ms`. */
  async function connectAndLeave(code: string, ms: number) {
    const body = JSON.stringify({ query: MUTATION, variables: { input: input(code) } });
    await expect(
      fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(ms),
      }),
    ).rejects.toThrow();
  }

  it('keeps a double submission going for the second caller when the first one leaves', async () => {
    const code = newCode();
    // The second joins the first well before the first leaves (at 250 ms), and the send takes
    // 380 ms (the headers timeout here is 400 ms).
    sim.setLatency(380, 'ConnectAppAuthorization');
    const first = connectAndLeave(code, 250);
    await until(() => sim.requests.some((r) => r.operation === 'ConnectAppAuthorization'));
    const second = connect(code);
    await first;
    expect((await second).payload).toEqual(CONNECTED());
    expect(sends()).toBe(1);
    expectNowhere(code, JSON.stringify((await second).res.body));
  });

  it('remembers a code whose client left during the status check: its retry is answered from the status, not sent', async () => {
    const code = newCode();
    // AppFabric uses the code, then fails; the check that follows takes 300 ms, and the client
    // leaves once it has begun.
    sim.inject('ConnectAppAuthorization', USED_THEN_500);
    sim.setLatency(300, 'GetAppAuthorization');
    const leave = new AbortController();
    const first = fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'left-during-check' },
      body: JSON.stringify({ query: MUTATION, variables: { input: input(code) } }),
      signal: leave.signal,
    });
    await until(() => sim.requests.some((r) => r.operation === 'GetAppAuthorization'));
    leave.abort();
    await expect(first).rejects.toThrow();
    await until(() => t.logs.some((l) => l.includes('"left-during-check"') && l.includes('graphql request')));
    const line = t.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.requestId === 'left-during-check' && l.msg === 'graphql request');
    expect(line.outcome).toBe('cancelled');
    sim.setLatency(0, 'GetAppAuthorization');
    const retry = await connect(code);
    expect(retry.payload).toEqual(CONNECTED());
    expect(sends()).toBe(1);
    expectNowhere(code, retry.res.text);
  });

  it("logs a status check the guard refuses (the circuit open after the send's failure), and answers OUTCOME_UNKNOWN", async () => {
    const own = await startTestServer({ config: { circuit: { failureThreshold: 1, openMs: 60_000 } } });
    try {
      const slack = own.sandbox.seed.appFabric.appAuthorizations.find((a) => a.app === 'SLACK')!;
      own.sandbox.aws!.inject('ConnectAppAuthorization', USED_THEN_500);
      const res = await own.query(MUTATION, {
        input: {
          appBundleIdentifier: slack.appBundleArn,
          appAuthorizationIdentifier: slack.appAuthorizationArn,
          authRequest: { redirectUri: 'https://app.example.com/oauth/callback', code: newCode() },
        },
      });
      expect((res.body.data as any).connectAppAuthorization.userErrors[0].code).toBe('OUTCOME_UNKNOWN');
      expect(own.sandbox.aws!.requests.map((r) => r.operation)).toEqual(['ConnectAppAuthorization']);
      const line = own.logs.map((l) => JSON.parse(l)).find((l) => l.msg?.startsWith('connect outcome check failed'));
      expect(line).toMatchObject({
        upstream: 'appFabric',
        operation: 'GetAppAuthorization',
        code: 'UPSTREAM_UNAVAILABLE',
      });
    } finally {
      await own.close();
    }
  });

  it('records a client that leaves while the send waits out a throttle as a cancellation, not a failure', async () => {
    sim.inject('ConnectAppAuthorization', { kind: 'throttle', retryAfterSeconds: 1 });
    const logsBefore = t.logs.length;
    await connectAndLeave(newCode(), 300);
    await new Promise((r) => setTimeout(r, 900));
    const lines = t.logs.slice(logsBefore).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'upstream call cancelled', operation: 'ConnectAppAuthorization', level: 20 }),
        expect.objectContaining({ msg: 'graphql request', outcome: 'cancelled' }),
      ]),
    );
    expect(lines.filter((l) => l['msg'] === 'upstream call failed')).toEqual([]);
    expect(sends()).toBe(1);
  });

  it('still sends a queued double submission when its first caller leaves while it waits', async () => {
    // A first code holds the authorization for 300 ms; the second code's first caller leaves
    // while it waits for its turn, and its identical retry is still waiting.
    sim.setLatency(300, 'ConnectAppAuthorization');
    const held = connect(newCode());
    await until(() => sim.requests.some((r) => r.operation === 'ConnectAppAuthorization'));
    const code = newCode();
    const left = connectAndLeave(code, 120);
    await new Promise((r) => setTimeout(r, 40));
    const retry = connect(code);
    await left;
    expect((await held).payload).toEqual(CONNECTED());
    expect((await retry).payload).toEqual(CONNECTED());
    expect(sim.requests.filter((r) => r.operation === 'ConnectAppAuthorization')).toHaveLength(2);
    expect(sim.requests.at(-1)!.body).toContain(code);
  });

  it('sends two different codes for the same authorization one after the other, status check included', async () => {
    // Whichever arrives first hangs until the headers timeout and is settled by a status check;
    // only then is the other sent, and it connects.
    sim.inject('ConnectAppAuthorization', { kind: 'hang' });
    const [a, b] = await Promise.all([connect(newCode()), connect(newCode())]);
    const outcomes = [a.payload, b.payload].map((p) => p.userErrors[0]?.code ?? p.appAuthorization.status);
    expect(outcomes.sort()).toEqual(['CONNECTED', 'OUTCOME_UNKNOWN']);
    expect(sim.requests.map((r) => r.operation)).toEqual([
      'ConnectAppAuthorization',
      'GetAppAuthorization',
      'ConnectAppAuthorization',
    ]);
  });

  it('sends codes for different authorizations at once', async () => {
    sim.setLatency(600, 'ConnectAppAuthorization');
    const [a, b] = await Promise.all([connect(newCode(), 'SLACK'), connect(newCode(), 'GOOGLE')]);
    expect(a.payload).toEqual(CONNECTED('SLACK'));
    expect(b.payload).toEqual(CONNECTED('GOOGLE'));
    const [first, second] = sim.requests.filter((r) => r.operation === 'ConnectAppAuthorization');
    // The second arrived while the first was still held for 600 ms.
    expect(Math.abs(second!.receivedAt - first!.receivedAt)).toBeLessThan(500);
  });

  it.each([
    [
      'aliased',
      'a: connectAppAuthorization(input: $a) { userErrors { code } } b: connectAppAuthorization(input: $b) { userErrors { code } }',
    ],
    ['spread from a fragment', 'connectAppAuthorization(input: $a) { userErrors { code } } ...F'],
    [
      'skipped with a directive',
      'a: connectAppAuthorization(input: $a) { userErrors { code } } b: connectAppAuthorization(input: $b) @skip(if: true) { userErrors { code } }',
    ],
  ])('refuses connectAppAuthorization twice in one operation (%s), before sending anything', async (_, body) => {
    const fragment = body.includes('...F')
      ? ' fragment F on Mutation { again: connectAppAuthorization(input: $b) { userErrors { code } } }'
      : '';
    const a = newCode();
    const b = newCode();
    for (let run = 0; run < 2; run++) {
      const res = await t.query(
        `mutation ($a: ConnectAppAuthorizationInput!, $b: ConnectAppAuthorizationInput!) { ${body} }${fragment}`,
        { a: input(a), b: input(b, 'GOOGLE') },
      );
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        {
          message: 'connectAppAuthorization may be sent once per operation (limit: connect).',
          extensions: { code: 'REQUEST_LIMIT_EXCEEDED' },
        },
      ]);
      expectNowhere(a, res.text);
      expectNowhere(b, res.text);
    }
    expect(sends()).toBe(0);
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

describe('connect attempts per authorization (CONNECT_ATTEMPTS_PER_MINUTE)', () => {
  let r: TestServer;
  beforeAll(async () => {
    r = await startTestServer({ config: { connectAttemptsPerMinute: 2 } });
  });
  afterAll(() => r.close());

  it('refuses an attempt over the limit with REQUEST_LIMIT_EXCEEDED, sending nothing', async () => {
    r.sandbox.aws!.setLatency(0);
    const send = (code: string, app = 'SLACK') => r.query(MUTATION, { input: input(code, app) });
    const first = newCode();
    expect((await send(first)).body.errors).toBeUndefined();
    expect((await send(newCode())).body.errors).toBeUndefined();
    const over = newCode();
    const refused = await send(over);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors![0]!.extensions).toEqual({ code: 'REQUEST_LIMIT_EXCEEDED' });
    // Repeats count too, but a code already sent is not answered "nothing was sent, retry later",
    // which would invite it again through another replica: OUTCOME_UNKNOWN, its status not read.
    const repeat = await send(first);
    expect(repeat.body.errors).toBeUndefined();
    expect((repeat.body.data as any).connectAppAuthorization.userErrors).toEqual([
      {
        code: 'OUTCOME_UNKNOWN',
        message: expect.stringMatching(/already sent.*too many connect attempts/s),
        field: null,
      },
    ]);
    // Another authorization has its own attempts.
    expect((await send(newCode(), 'GOOGLE')).body.errors).toBeUndefined();
    expect(r.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 3 });
    for (const text of [refused.text, ...r.logs]) expect(text).not.toContain(over);
  });
});

describe('connectAppAuthorization within the request deadline', () => {
  // The deadline (1.2 s) comes long before the upstream headers timeout (5 s), as with the
  // defaults, where both are 10 s.
  let d: TestServer;
  let dsim: AwsSimulator;
  beforeAll(async () => {
    d = await startTestServer({
      config: { requestTimeoutMs: 1_200, upstreamTimeouts: { connectMs: 500, headersMs: 5_000, bodyMs: 300 } },
    });
    dsim = d.sandbox.aws!;
  });
  afterAll(() => d.close());
  beforeEach(() => {
    dsim.reset();
    dsim.resetState();
    d.resetCalls();
  });
  // The seed is the same in every test server: `input` names the same SLACK authorization here.
  const connectOn = async (code: string) => {
    const res = await d.query(MUTATION, { input: input(code) });
    return { res, payload: (res.body.data as any)?.connectAppAuthorization };
  };

  it('cuts a hanging send early enough to check the status before the deadline', async () => {
    dsim.inject('ConnectAppAuthorization', { kind: 'hang' });
    const started = Date.now();
    const { res, payload } = await connectOn(newCode());
    expect(res.status).toBe(200);
    expect(payload.userErrors).toEqual([{ code: 'OUTCOME_UNKNOWN', message: expect.any(String), field: null }]);
    expect(d.calls()['appFabric']).toEqual({ ConnectAppAuthorization: 1, GetAppAuthorization: 1 });
    expect(Date.now() - started).toBeLessThan(1_200 + 500);
  });

  it('reports the connection made when the status check finds it, after a hanging send', async () => {
    dsim.inject('ConnectAppAuthorization', { kind: 'hang', afterProcessing: true });
    const { payload } = await connectOn(newCode());
    expect(payload.userErrors).toEqual([]);
    expect(payload.appAuthorization.status).toBe('CONNECTED');
  });

  it("answers each caller of a shared submission by its own deadline, not by the last one's", async () => {
    // The send hangs, and so does its status check, until every caller has left.
    dsim.inject('ConnectAppAuthorization', { kind: 'hang' });
    dsim.inject('GetAppAuthorization', { kind: 'hang' });
    const code = newCode();
    const started = Date.now();
    const first = connectOn(code).then((answer) => ({ ...answer, ms: Date.now() - started }));
    // An identical submission joins while the code is out: its deadline is 700 ms later.
    await new Promise((r) => setTimeout(r, 700));
    const second = connectOn(code);
    const a = await first;
    expect(a.payload.userErrors).toEqual([{ code: 'OUTCOME_UNKNOWN', message: expect.any(String), field: null }]);
    expect(a.ms).toBeLessThan(1_200 + 450);
    expect((await second).payload.userErrors).toEqual([
      { code: 'OUTCOME_UNKNOWN', message: expect.any(String), field: null },
    ]);
    expect(dsim.requests.filter((r) => r.operation === 'ConnectAppAuthorization')).toHaveLength(1);
  });

  it('does not send a code with too little of its deadline left after waiting for another code', async () => {
    // The first send hangs, and so does its status check, until the first request's deadline; the
    // second request, 50 ms younger, is left with about 50 ms when its turn comes.
    dsim.inject('ConnectAppAuthorization', { kind: 'hang' });
    dsim.inject('GetAppAuthorization', { kind: 'hang' });
    const first = newCode();
    const second = newCode();
    const a = connectOn(first);
    await new Promise((r) => setTimeout(r, 50));
    const b = await connectOn(second);
    expect((await a).payload.userErrors[0].code).toBe('OUTCOME_UNKNOWN');
    expect(b.res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(dsim.requests.filter((r) => r.operation === 'ConnectAppAuthorization').map((r) => r.body)).toEqual([
      expect.stringContaining(first),
    ]);
    // Nothing reached AppFabric for the second code: the circuit does not count it.
    expect(((await (await fetch(`${d.origin}/readyz`)).json()) as any).upstreams.appFabric).toBe('closed');
  });

  it('does not send a code whose client left while another code for the authorization was in flight', async () => {
    // The first send hangs, and so does its status check, until the first request's deadline.
    dsim.inject('ConnectAppAuthorization', { kind: 'hang' });
    dsim.inject('GetAppAuthorization', { kind: 'hang' });
    const first = newCode();
    const second = newCode();
    const a = connectOn(first);
    await new Promise((r) => setTimeout(r, 50));
    const body = JSON.stringify({ query: MUTATION, variables: { input: input(second) } });
    // The second caller gives up while it waits for the first.
    await expect(
      fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect((await a).payload.userErrors).toEqual([
      { code: 'OUTCOME_UNKNOWN', message: expect.any(String), field: null },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(dsim.requests.filter((r) => r.operation === 'ConnectAppAuthorization').map((r) => r.body)).toEqual([
      expect.stringContaining(first),
    ]);
    expect(d.logs.join('\n')).not.toContain(second);
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

describe("connectAppAuthorization with AWS's clock 10 minutes behind this host's", () => {
  it("judges a repeat by AWS's time, which the client learnt when AWS refused the skew", async () => {
    const skewed = await startTestServer();
    try {
      skewed.sandbox.aws!.setClock(() => new Date(Date.now() - 10 * 60_000));
      const slack = skewed.sandbox.seed.appFabric.appAuthorizations.find((a) => a.app === 'SLACK')!;
      const code = newCode();
      const send = async () => {
        const res = await skewed.query(MUTATION, {
          input: {
            appBundleIdentifier: slack.appBundleArn,
            appAuthorizationIdentifier: slack.appAuthorizationArn,
            authRequest: { redirectUri: 'https://app.example.com/oauth/callback', code },
          },
        });
        return (res.body.data as any)?.connectAppAuthorization;
      };
      expect((await send()).userErrors).toEqual([]);
      // The repeat reads an authorization AWS stamped 10 minutes behind this host's clock: connected
      // since the send all the same.
      const repeat = await send();
      expect(repeat.userErrors).toEqual([]);
      expect(repeat.appAuthorization.status).toBe('CONNECTED');
      // The code was processed once: the first attempt was refused for its clock, unprocessed, and
      // taught the client the offset; the repeat read the status only.
      const answers = skewed.sandbox.aws!.responses.map((r) =>
        `${r.operation} ${r.status} ${r.errorType ?? ''}`.trim(),
      );
      expect(answers).toEqual([
        expect.stringMatching(/^ConnectAppAuthorization 4\d\d \w*(Skew|Signature)\w*$/),
        'ConnectAppAuthorization 200',
        'GetAppAuthorization 200',
      ]);
    } finally {
      await skewed.close();
    }
  });
});

describe('connectAppAuthorization failures that are answered as OUTCOME_UNKNOWN', () => {
  it("count as AppFabric's failures in metrics and for its circuit breaker, the status check's too", async () => {
    const own = await startTestServer({ config: { circuit: { failureThreshold: 2, openMs: 60_000 } } });
    try {
      const aws = own.sandbox.aws!;
      const slack = own.sandbox.seed.appFabric.appAuthorizations.find((a) => a.app === 'SLACK')!;
      const connectOwn = () =>
        own.query(MUTATION, {
          input: {
            appBundleIdentifier: slack.appBundleArn,
            appAuthorizationIdentifier: slack.appAuthorizationArn,
            authRequest: { redirectUri: 'https://app.example.com/oauth/callback', code: newCode() },
          },
        });
      const count = (operation: string, outcome: string) => upstreamRequests(own.origin, operation, outcome);
      // The send fails after AppFabric used the code; the check finds it connected. The answer is
      // a success, and the send still counts as AppFabric's failure.
      aws.inject('ConnectAppAuthorization', USED_THEN_500);
      expect((await connectOwn()).body.data).toMatchObject({
        connectAppAuthorization: { appAuthorization: { status: 'CONNECTED' }, userErrors: [] },
      });
      expect([
        await count('ConnectAppAuthorization', 'upstream_unavailable'),
        await count('GetAppAuthorization', 'ok'),
      ]).toEqual([1, 1]);
      // The send and its check both fail: two failures in a row (the check that succeeded reset the
      // count), and the circuit (threshold 2) opens.
      aws.inject('ConnectAppAuthorization', { kind: 'error', status: 500, type: 'InternalServerException' });
      aws.inject('GetAppAuthorization', { kind: 'error', status: 500, type: 'InternalServerException', times: 3 });
      const res = await connectOwn();
      expect((res.body.data as any).connectAppAuthorization.userErrors[0].code).toBe('OUTCOME_UNKNOWN');
      expect(await count('ConnectAppAuthorization', 'upstream_unavailable')).toBe(2);
      expect(await count('GetAppAuthorization', 'ok')).toBe(1);
      expect(await count('ConnectAppAuthorization', 'ok')).toBe(0);
      expect(await (await fetch(`${own.origin}/readyz`)).json()).toMatchObject({ upstreams: { appFabric: 'open' } });
      // While it is open, nothing is sent: the code stays unused.
      aws.reset();
      const refused = await connectOwn();
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(aws.requests).toHaveLength(0);
    } finally {
      await own.close();
    }
  });
});
