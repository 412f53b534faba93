/**
 * The caller-token key set (src/security/keySet.ts) against a real key-set endpoint on loopback: a
 * cache refreshed in the background, kept through an outage, with a back-off instead of one fetch
 * per token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeySet, KeySetUnavailableError, type KeySetFailure } from '../src/security/keySet.ts';
import { AUDIENCE, createSigner, ISSUER, type TestSigner } from './helpers/jwt.ts';

type Mode = { keys: TestSigner[] } | { status: number; body?: string } | { body: string } | 'hang';

/** A key-set endpoint whose answer the test sets; counts the requests it receives. */
async function endpoint(initial: Mode) {
  let mode = initial;
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests += 1;
    if (mode === 'hang') return; // never answers
    if ('keys' in mode) {
      void Promise.all(
        mode.keys.map(async (s) => ({ ...(await exportJWK(s.privateKey)), d: undefined, kid: s.kid, alg: 'ES256' })),
      ).then((keys) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })));
      return;
    }
    res.writeHead('status' in mode ? mode.status : 200).end(mode.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`),
    set: (next: Mode) => (mode = next),
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A clock the test moves; starts at the real time, so that tokens' `exp` stay meaningful to jose. */
function clock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => (offset += ms) };
}

async function setUp(initial: Mode, timings: Parameters<typeof createKeySet>[1] = {}) {
  const server = await endpoint(initial);
  servers.push(server);
  const failures: Array<{ failure: KeySetFailure; keptKeys: boolean; retryInMs: number }> = [];
  const time = clock();
  const keySet = createKeySet(server.url, {
    now: time.now,
    onFailure: (failure, state) => failures.push({ failure, ...state }),
    ...timings,
  });
  const verify = (token: string) =>
    jwtVerify(token, keySet.resolve, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'] });
  return { server, keySet, verify, failures, time };
}

const signer = createSigner('key-1');

describe('the key set', () => {
  it('is fetched once, then served from memory while fresh', async () => {
    const { server, verify } = await setUp({ keys: [signer] });
    for (let i = 0; i < 5; i++) await verify(await signer.sign({ scope: 'x' }));
    expect(server.requests()).toBe(1);
  });

  it('is refreshed in the background once 10 minutes old, the keys at hand serving meanwhile', async () => {
    const { server, verify, time } = await setUp({ keys: [signer] });
    await verify(await signer.sign());
    server.set('hang'); // the refresh will not come back
    time.advance(10 * 60_000 + 1);
    const started = Date.now();
    await verify(await signer.sign()); // not held up by the hanging refresh
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect.poll(() => server.requests()).toBe(2);
  });

  it('keeps the last good keys through an outage, fetching once per back-off, and reports each failure once', async () => {
    const { server, verify, failures, time } = await setUp({ keys: [signer] });
    await verify(await signer.sign());
    server.set({ status: 503 });
    time.advance(10 * 60_000 + 1);
    for (let i = 0; i < 20; i++) await verify(await signer.sign()); // every token still verifies
    await expect.poll(() => failures.length).toBe(1);
    expect(server.requests()).toBe(2);
    expect(failures[0]).toEqual({ failure: { reason: 'status', status: 503 }, keptKeys: true, retryInMs: 1_000 });

    time.advance(1_001); // the back-off is over: one more try, then twice as long
    for (let i = 0; i < 20; i++) await verify(await signer.sign());
    await expect.poll(() => failures.length).toBe(2);
    expect(server.requests()).toBe(3);
    expect(failures[1]!.retryInMs).toBe(2_000);

    server.set({ keys: [signer] }); // back: the next try succeeds and the back-off ends
    time.advance(2_001);
    await verify(await signer.sign());
    await expect.poll(() => server.requests()).toBe(4);
    time.advance(1_000);
    await verify(await signer.sign());
    expect(server.requests()).toBe(4);
    expect(failures).toHaveLength(2);
  });

  it('stops using keys older than a day when no fetch succeeds', async () => {
    const { server, verify, time } = await setUp({ keys: [signer] });
    await verify(await signer.sign());
    server.set({ status: 500 });
    time.advance(24 * 60 * 60_000);
    await expect(verify(await signer.sign())).rejects.toBeInstanceOf(KeySetUnavailableError);
  });

  it('with no keys yet, answers unavailable at once during the back-off instead of fetching for every token', async () => {
    const { server, verify, failures, time } = await setUp({ status: 500, body: 'oops' });
    const tokens = await Promise.all(Array.from({ length: 30 }, () => signer.sign()));
    const results = await Promise.allSettled(tokens.map(verify));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof KeySetUnavailableError)).toBe(true);
    expect(server.requests()).toBe(1);
    for (const token of tokens) await expect(verify(token)).rejects.toBeInstanceOf(KeySetUnavailableError);
    expect(server.requests()).toBe(1);
    expect(failures).toEqual([{ failure: { reason: 'status', status: 500 }, keptKeys: false, retryInMs: 1_000 }]);

    server.set({ keys: [signer] });
    time.advance(1_001);
    await expect(verify(tokens[0]!)).resolves.toBeDefined();
    expect(server.requests()).toBe(2);
  });

  it('fetches again for a key rotated in, at most every 30 s', async () => {
    const next = createSigner('key-2');
    const { server, verify, time } = await setUp({ keys: [signer] });
    await verify(await signer.sign());
    time.advance(30_001);
    server.set({ keys: [signer, next] });
    await expect(verify(await next.sign())).resolves.toBeDefined();
    expect(server.requests()).toBe(2);

    // A key rotated in while the key set cannot be read: unavailable (503), not refused (401).
    time.advance(30_001);
    server.set({ status: 502 });
    const later = createSigner('key-4');
    await expect(verify(await later.sign())).rejects.toBeInstanceOf(KeySetUnavailableError);
    expect(server.requests()).toBe(3);
    await expect(verify(await next.sign())).resolves.toBeDefined(); // the keys at hand still serve
    server.set({ keys: [signer, next] });
    time.advance(1_001);

    // A kid nobody has: refused, and within the next 30 s it costs no fetch.
    const stranger = createSigner('key-3');
    await expect(verify(await stranger.sign())).rejects.toThrow(/no applicable key/i);
    expect(server.requests()).toBe(4);
    for (let i = 0; i < 5; i++) await expect(verify(await stranger.sign())).rejects.toThrow(/no applicable key/i);
    expect(server.requests()).toBe(4);
  });

  it.each<[string, Mode, KeySetFailure]>([
    ['an error status', { status: 404 }, { reason: 'status', status: 404 }],
    ['a redirect, which is not followed', { status: 302 }, { reason: 'status', status: 302 }],
    ['a body that is not JSON', { body: '<html>' }, { reason: 'not-json' }],
    ['JSON that is not a key set', { body: '{"keys":"none"}' }, { reason: 'not-a-key-set' }],
    ['a body over 1 MiB', { body: `{"keys":[],"pad":"${'x'.repeat(1024 * 1024)}"}` }, { reason: 'too-large' }],
  ])('names the failure for %s', async (_name, mode, failure) => {
    const { verify, failures } = await setUp(mode);
    await expect(verify(await signer.sign())).rejects.toMatchObject({ failure });
    expect(failures.map((f) => f.failure)).toEqual([failure]);
  });

  it('lets a caller stop waiting for a fetch when its signal aborts, the fetch going on for the others', async () => {
    const { server, keySet, failures, time } = await setUp('hang', { timings: { timeoutMs: 2_000 } });
    const verifyWith = (token: string, signal: AbortSignal) =>
      jwtVerify(token, (header, jws) => keySet.resolve(header, jws, signal), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['ES256'],
      });
    const token = await signer.sign();
    const started = Date.now();
    const first = verifyWith(token, AbortSignal.timeout(100));
    const second = verifyWith(token, new AbortController().signal);
    await expect(first).rejects.toMatchObject({ failure: { reason: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(failures).toHaveLength(0); // one caller giving up is not a failed fetch
    // The caller still waiting keeps waiting for the same fetch (one request): it ends at the
    // fetch's own timeout, as the hung endpoint never answers.
    await expect(second).rejects.toMatchObject({ failure: { reason: 'timeout' } });
    expect(failures).toHaveLength(1);
    expect(server.requests()).toBe(1);
    // After the back-off, a caller whose signal has already aborted starts no fetch.
    server.set({ keys: [signer] });
    time.advance(1_001);
    await expect(verifyWith(token, AbortSignal.abort())).rejects.toBeInstanceOf(KeySetUnavailableError);
    expect(server.requests()).toBe(1);
    await expect(verifyWith(token, new AbortController().signal)).resolves.toBeDefined();
    expect(server.requests()).toBe(2);
  });

  it('gives up on a key set that does not answer within its timeout', async () => {
    const { verify, failures } = await setUp('hang', { timings: { timeoutMs: 200 } });
    await expect(verify(await signer.sign())).rejects.toMatchObject({ failure: { reason: 'timeout' } });
    expect(failures).toHaveLength(1);
  });
});
