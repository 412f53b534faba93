/**
 * Client id and secret parsing, the client assertion, and the token cache against the simulator's
 * token endpoint (which verifies the Ed25519 assertion).
 */
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startConductorOneSimulator,
  type ConductorOneSimulator,
} from '../../../sandbox/conductorOne/conductorOneSimulator.ts';
import { createSandboxSeed } from '../../../sandbox/seed.ts';
import {
  clientCredentialsTokenSource,
  ConductorOneCredentialsError,
  createClientAssertion,
  parseClientId,
  parseClientSecret,
  TokenEndpointError,
} from '../tokenSource.ts';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

function newSecret(): { secret: string; publicKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { secret: `secret-token:conductorone.com:v1:${b64(privateKey.export({ format: 'jwk' }))}`, publicKey };
}

describe('parseClientId', () => {
  it.each([
    ['strange-hydra-68836@acme.conductor.one/pcc', 'acme.conductor.one', 'https://acme.conductor.one'],
    ['x@ACME.Conductor.One/spc', 'acme.conductor.one', 'https://acme.conductor.one'],
    ['svc@c1.internal.example:8443/spc', 'c1.internal.example', 'https://c1.internal.example:8443'],
  ])('%s → aud %s, server %s', (id, audience, serverUrl) => {
    const parsed = parseClientId(id);
    expect(parsed.audience).toBe(audience);
    expect(parsed.serverUrl).toBe(serverUrl);
  });

  it.each([
    'no-at-sign.conductor.one/pcc',
    'name@host-without-slash',
    '@acme.conductor.one/pcc',
    'name@/pcc',
    'n@evil.com#@x/pcc',
  ])('refuses %j', (id) => {
    expect(() => parseClientId(id)).toThrow(ConductorOneCredentialsError);
  });
});

describe('parseClientSecret', () => {
  it('accepts a secret-token Ed25519 private JWK, whatever the first two parts say', () => {
    const { secret } = newSecret();
    expect(parseClientSecret(secret).key.asymmetricKeyType).toBe('ed25519');
    expect(parseClientSecret(secret).kid).toBeUndefined();
    expect(parseClientSecret(secret.replace('conductorone.com', 'other')).key.type).toBe('private');
  });

  it("keeps the JWK's kid when it has one", () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const secret = `secret-token:conductorone.com:v1:${b64({ ...privateKey.export({ format: 'jwk' }), kid: 'key-2026' })}`;
    expect(parseClientSecret(secret).kid).toBe('key-2026');
  });

  it('refuses every malformed secret with one message that never contains the secret', () => {
    const { secret } = newSecret();
    const { publicKey } = generateKeyPairSync('ed25519');
    const { privateKey: ecKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const encoded = secret.split(':')[3]!;
    const bad = [
      secret.replace(':v1:', ':v2:'),
      `secret-token:conductorone.com:${encoded}`,
      `${secret}==`,
      `${secret}:extra`,
      `secret-token:conductorone.com:v1:${b64(publicKey.export({ format: 'jwk' }))}`,
      `secret-token:conductorone.com:v1:${b64(ecKey.export({ format: 'jwk' }))}`,
      `secret-token:conductorone.com:v1:${b64({ ...JSON.parse(Buffer.from(encoded, 'base64url').toString()), kid: 7 })}`,
      `secret-token:conductorone.com:v1:${b64({ ...JSON.parse(Buffer.from(encoded, 'base64url').toString()), kid: '' })}`,
      'secret-token:conductorone.com:v1:not json!',
      'PLANTED-NOT-A-SECRET',
    ];
    for (const value of bad) {
      let error: unknown;
      try {
        parseClientSecret(value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConductorOneCredentialsError);
      expect((error as Error).message).not.toContain(value.slice(-12));
      expect((error as Error).message).not.toContain('PLANTED');
    }
  });
});

describe('createClientAssertion', () => {
  it('is an EdDSA JWS with a header nonce and the SDKs’ claims', () => {
    const { secret, publicKey } = newSecret();
    const now = Date.UTC(2026, 10, 22, 5, 31, 56);
    const jws = createClientAssertion({
      clientId: 'c@acme.conductor.one/spc',
      audience: 'acme.conductor.one',
      key: parseClientSecret(secret),
      now,
    });
    const [h, p, s] = jws.split('.');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    expect(Object.keys(header).sort()).toEqual(['alg', 'nonce']);
    expect(header.alg).toBe('EdDSA');
    expect(header.nonce).toMatch(/^[0-9a-f]{32}$/);
    const t = now / 1000;
    expect(claims).toEqual({
      iss: 'c@acme.conductor.one/spc',
      sub: 'c@acme.conductor.one/spc',
      aud: 'acme.conductor.one',
      iat: t,
      nbf: t - 120,
      exp: t + 120,
    });
    expect(verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
    const again = createClientAssertion({
      clientId: 'c@acme.conductor.one/spc',
      audience: 'acme.conductor.one',
      key: parseClientSecret(secret),
      now,
    });
    expect(again.split('.')[0]).not.toBe(h);
  });

  it('names the key in the header when its JWK had a kid', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const secret = `secret-token:conductorone.com:v1:${b64({ ...privateKey.export({ format: 'jwk' }), kid: 'key-2026' })}`;
    const jws = createClientAssertion({
      clientId: 'c@acme.conductor.one/spc',
      audience: 'acme.conductor.one',
      key: parseClientSecret(secret),
      now: Date.now(),
    });
    const [h, p, s] = jws.split('.');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
    expect(header).toEqual({ alg: 'EdDSA', kid: 'key-2026', nonce: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
  });
});

/** Waits until `done()` holds (a background refresh has landed), for at most two seconds. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done()).toBe(true);
}

describe('clientCredentialsTokenSource against the token endpoint', () => {
  let sim: ConductorOneSimulator;
  let pool: Pool;
  const clientId = parseClientId('unit-otter@sandbox.conductor.one/spc');
  const { secret, publicKey } = newSecret();
  let clock = Date.now();

  beforeEach(async () => {
    clock = Date.now();
    sim = await startConductorOneSimulator({
      seed: createSandboxSeed().conductorOne,
      clients: [{ clientId: clientId.clientId, publicKey }],
      audience: clientId.audience,
      now: () => new Date(clock),
    });
    pool = new Pool(sim.url);
  });
  afterEach(async () => {
    await pool.close();
    await sim.close();
  });

  const source = (key = parseClientSecret(secret)) =>
    clientCredentialsTokenSource({ clientId, key, origin: sim.url, dispatcher: pool, now: () => clock });

  it('makes one token request for 50 concurrent callers', async () => {
    const tokens = source();
    const results = await Promise.all(Array.from({ length: 50 }, () => tokens.token()));
    expect(new Set(results).size).toBe(1);
    expect(sim.issuedTokens()).toBe(1);
    expect(sim.calls.get('Token')).toBe(1);
    expect(sim.secretSubmissions()).toBe(0);
    expect(sim.requests[0]!.body).not.toContain(secret.split(':')[3]!.slice(0, 20));
  });

  it('starts no token request for a caller already gone, and tells a caller that leaves while it waits that its call was not sent', async () => {
    const tokens = source();
    const gone = AbortSignal.abort(new DOMException('The request deadline passed.', 'TimeoutError'));
    await expect(tokens.token(gone)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', sent: false });
    expect(sim.calls.get('Token') ?? 0).toBe(0);

    sim.setLatency(200, 'Token');
    const leaving = new AbortController();
    const waiting = tokens.token(leaving.signal);
    const staying = tokens.token();
    leaving.abort(new Error('client closed the connection'));
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED', sent: false });
    // The token request goes on for the caller that stayed.
    expect(await staying).toEqual(expect.any(String));
    expect(sim.calls.get('Token')).toBe(1);
  });

  it('reuses the token until a minute before expiry, then refreshes it in the background', async () => {
    const tokens = source();
    const first = await tokens.token();
    clock += 530_000; // 600 s tokens: still 70 s left
    expect(await tokens.token()).toBe(first);
    expect(sim.calls.get('Token')).toBe(1);
    clock += 11_000; // 59 s left: due for a refresh, still good
    expect(await tokens.token()).toBe(first);
    await until(() => sim.issuedTokens() === 2);
    // The simulator counts the token when it answers; the source takes it a moment later.
    let second = await tokens.token();
    for (let i = 0; i < 200 && second === first; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      second = await tokens.token();
    }
    expect(second).not.toBe(first);
    expect(sim.issuedTokens()).toBe(2);
  });

  it('keeps serving a good token while the token endpoint fails, retrying every few seconds, and fails once it is about to expire', async () => {
    const tokens = source();
    const first = await tokens.token();
    sim.inject('Token', { kind: 'error', status: 503, times: 100 });
    clock += 541_000; // 59 s left
    expect(await tokens.token()).toBe(first);
    await until(() => sim.calls.get('Token') === 2);
    clock += 1_000;
    expect(await tokens.token()).toBe(first); // no new attempt within 5 s of the failed one
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sim.calls.get('Token')).toBe(2);
    clock += 5_000;
    expect(await tokens.token()).toBe(first);
    await until(() => sim.calls.get('Token') === 3);
    clock += 44_000; // 9 s left: too close to its expiry to hand out
    await expect(tokens.token()).rejects.toMatchObject({ name: 'TokenEndpointError', status: 503 });
  });

  it('gives up on a token request that hangs after its own timeout', async () => {
    const tokens = clientCredentialsTokenSource({
      clientId,
      key: parseClientSecret(secret),
      origin: sim.url,
      dispatcher: pool,
      now: () => clock,
      requestTimeoutMs: 200,
    });
    sim.inject('Token', { kind: 'hang' });
    const started = Date.now();
    await expect(tokens.token()).rejects.toMatchObject({ name: 'TransportError', timeout: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await tokens.token()).toEqual(expect.any(String)); // the next request is made afresh
  });

  it('fetches a new token after invalidate()', async () => {
    const tokens = source();
    const first = await tokens.token();
    tokens.invalidate(first);
    expect(await tokens.token()).not.toBe(first);
  });

  it('refuses a DPoP-bound token, which it could not use, and keeps none', async () => {
    // A token endpoint that issues a DPoP token first, then a Bearer one.
    const types = ['DPoP', 'Bearer'];
    const endpoint = createServer((_req, res) => {
      const type = types.shift() ?? 'Bearer';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: `planted-${type}-token`, token_type: type, expires_in: 600 }));
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
    const dispatcher = new Pool(origin);
    try {
      const tokens = clientCredentialsTokenSource({
        clientId,
        key: parseClientSecret(secret),
        origin,
        dispatcher,
        now: () => clock,
      });
      const refused = await tokens.token().catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'TokenEndpointError', status: 200, tokenType: 'DPoP' });
      expect(String((refused as Error).message)).not.toContain('planted-DPoP-token');
      // The refusal stands for a few seconds; then the endpoint is asked again.
      await expect(tokens.token()).rejects.toBe(refused);
      clock += 5_000;
      expect(await tokens.token()).toBe('planted-Bearer-token');
    } finally {
      await dispatcher.close();
      await new Promise<void>((resolve) => endpoint.close(() => resolve()));
    }
  });

  it('holds a throttled token endpoint off for its Retry-After, without asking again for each call', async () => {
    const tokens = source();
    sim.inject('Token', { kind: 'throttle', retryAfterSeconds: 30, times: 1 });
    const throttled = await tokens.token().catch((error: unknown) => error);
    expect(throttled).toMatchObject({ name: 'TokenEndpointError', status: 429 });
    for (let i = 0; i < 20; i += 1) await expect(tokens.token()).rejects.toBe(throttled);
    clock += 29_000;
    await expect(tokens.token()).rejects.toBe(throttled);
    expect(sim.calls.get('Token')).toBe(1);
    clock += 1_000;
    expect(await tokens.token()).toEqual(expect.any(String));
    expect(sim.calls.get('Token')).toBe(2);
  });

  it('asks again at once after a 5xx or a failed connection (the circuit breaker counts those)', async () => {
    const tokens = source();
    sim.inject('Token', { kind: 'error', status: 503, times: 1 });
    await expect(tokens.token()).rejects.toMatchObject({ name: 'TokenEndpointError', status: 503 });
    expect(await tokens.token()).toEqual(expect.any(String));
    expect(sim.calls.get('Token')).toBe(2);
  });

  it('answers a body that is JSON but not an object as a failed token request, with its status', async () => {
    for (const body of ['null', '[]', '7']) {
      const tokens = source();
      sim.inject('Token', { kind: 'error', status: 503, body, headers: { 'content-type': 'application/json' } });
      await expect(tokens.token()).rejects.toMatchObject({ name: 'TokenEndpointError', status: 503 });
    }
  });

  it('fails with the status when the assertion is refused (another key)', async () => {
    const other = { key: generateKeyPairSync('ed25519').privateKey, kid: undefined };
    await expect(source(other).token()).rejects.toMatchObject({
      name: 'TokenEndpointError',
      status: 401,
      oauthError: 'invalid_client',
    });
    await expect(source(other).token()).rejects.toBeInstanceOf(TokenEndpointError);
    // One source asks once for a refused credential, however many calls need a token, until the
    // refusal has stood for a few seconds.
    const refusedSource = source(other);
    const calls = sim.calls.get('Token')!;
    const refusal = await refusedSource.token().catch((error: unknown) => error);
    for (let i = 0; i < 20; i += 1) await expect(refusedSource.token()).rejects.toBe(refusal);
    expect(sim.calls.get('Token')).toBe(calls + 1);
    clock += 5_000;
    await expect(refusedSource.token()).rejects.not.toBe(refusal);
    expect(sim.calls.get('Token')).toBe(calls + 2);
  });
});
