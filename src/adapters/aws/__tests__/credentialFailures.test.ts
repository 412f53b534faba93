/**
 * When the credentials cannot be had, nothing is sent, and the error says which of three cases it
 * was: none configured, their issuer (STS) refused this identity, or their source did not answer.
 * The real STS client of the SDK's web-identity provider (IRSA) talks to a server on loopback.
 */
import { fromWebToken } from '@aws-sdk/credential-providers';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createIotManagedIntegrationsAdapter } from '../../iotManagedIntegrations/adapter.ts';
import { IoTManagedIntegrations } from '../../iotManagedIntegrations/client.ts';
import { createSigner, type AwsCredentialIdentityProvider } from '../signing.ts';
import type { CallOptions } from '../../types.ts';
import { keyOf, listen, SIGNING_TARGET } from './loopback.ts';

/** The planted web identity token (IRSA's projected token): never logged. */
const WEB_IDENTITY_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkLXdlYi1pZGVudGl0eSJ9.c2lnbmF0dXJlLXBsYW50ZWQ';

function irsa(stsEndpoint: string): AwsCredentialIdentityProvider {
  return fromWebToken({
    roleArn: 'arn:aws:iam::123456789012:role/connector-auth',
    webIdentityToken: WEB_IDENTITY_TOKEN,
    clientConfig: { region: 'us-east-1', endpoint: stsEndpoint, maxAttempts: 1 },
  });
}

async function lookUp(credentials: AwsCredentialIdentityProvider, options?: CallOptions) {
  const upstream = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  const client = new IoTManagedIntegrations({
    region: 'us-east-1',
    endpoint: new URL(upstream.url),
    credentials,
    timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 },
    userAgent: 'test',
  });
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  try {
    const error = await createIotManagedIntegrationsAdapter(client, log)
      .getConnectorDestination('dest-1', options)
      .then(
        () => undefined,
        (e: unknown) => e as { extensions?: Record<string, unknown>; message: string },
      );
    return { error, lines, upstreamRequests: upstream.requests() };
  } finally {
    await client.destroy();
  }
}

describe('AWS credentials that cannot be had', () => {
  it('STS refuses the identity: UPSTREAM_ACCESS_DENIED, nothing sent upstream, the refusal logged', async () => {
    const sts = await listen((_req, res) =>
      res
        .writeHead(403, { 'content-type': 'text/xml' })
        .end(
          '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
            '<Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>' +
            '</Error><RequestId>sts-req-1</RequestId></ErrorResponse>',
        ),
    );
    const { error, lines, upstreamRequests } = await lookUp(irsa(sts.url));
    expect(sts.requests()).toBe(1);
    expect(upstreamRequests).toBe(0);
    expect(error?.extensions).toEqual({
      code: 'UPSTREAM_ACCESS_DENIED',
      upstream: { name: 'iotManagedIntegrations', operation: 'GetConnectorDestination' },
    });
    expect(error?.message).toMatch(/refused this subgraph's identity/);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        errorType: 'AwsCredentialsError',
        sent: false,
        source: expect.objectContaining({ errorType: 'AccessDenied', status: 403 }),
      }),
    );
    expect(lines.join('\n')).not.toContain(WEB_IDENTITY_TOKEN.split('.')[1]);
  });

  it("STS does not answer: the call gives up at its request's deadline, UPSTREAM_TIMEOUT, nothing sent", async () => {
    const sts = await listen(() => undefined); // never answers
    const started = performance.now();
    const { error, lines, upstreamRequests } = await lookUp(irsa(sts.url), {
      signal: AbortSignal.timeout(300),
      deadline: performance.now() + 300,
    });
    const elapsed = performance.now() - started;
    expect(sts.requests()).toBe(1);
    expect(upstreamRequests).toBe(0);
    expect(error?.extensions).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      upstream: { name: 'iotManagedIntegrations', operation: 'GetConnectorDestination' },
    });
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ code: 'DEADLINE_EXCEEDED', sent: false }),
    );
    expect(elapsed).toBeLessThan(1_000);
  });

  it('STS cannot be reached: UPSTREAM_UNAVAILABLE, nothing sent upstream', async () => {
    const { error, lines, upstreamRequests } = await lookUp(irsa('http://127.0.0.1:1'));
    expect(upstreamRequests).toBe(0);
    expect(error?.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: { name: 'iotManagedIntegrations', operation: 'GetConnectorDestination' },
    });
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({
        errorType: 'AwsCredentialsError',
        source: expect.objectContaining({ code: 'ECONNREFUSED' }),
      }),
    );
  });

  it('no source has credentials: UPSTREAM_NOT_CONFIGURED', async () => {
    const none: AwsCredentialIdentityProvider = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
    };
    const { error, upstreamRequests } = await lookUp(none);
    expect(upstreamRequests).toBe(0);
    expect(error?.extensions?.['code']).toBe('UPSTREAM_NOT_CONFIGURED');
  });
});

describe('AWS credentials from a provider', () => {
  /**
   * A provider that counts its resolutions, each 20 ms long, of credentials expiring `expiresInMs`
   * from then; `hangFrom` makes that call and every later one never answer, `failFrom` fail.
   */
  const counting = (expiresInMs: number, { hangFrom = Infinity, failFrom = Infinity } = {}) => {
    const provider = Object.assign(
      async () => {
        provider.calls += 1;
        if (provider.calls >= hangFrom) await new Promise(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (provider.calls >= failFrom) throw new Error('the credential source failed');
        return {
          accessKeyId: `AKID${provider.calls}`,
          secretAccessKey: 'secret',
          expiration: new Date(Date.now() + expiresInMs),
        };
      },
      { calls: 0 },
    );
    return provider;
  };
  const signerOf = (credentials: AwsCredentialIdentityProvider) =>
    createSigner({ service: 'iotmanagedintegrations', region: 'us-east-1', credentials });
  const live = () => new AbortController().signal;

  it('are resolved once for calls at once, then kept', async () => {
    const provider = counting(60 * 60_000);
    const signer = signerOf(provider);
    const signed = await Promise.all(Array.from({ length: 5 }, () => signer.sign(SIGNING_TARGET, new Date(), live())));
    expect(provider.calls).toBe(1);
    expect(signed.map(keyOf)).toEqual(Array(5).fill('AKID1'));
    await signer.sign(SIGNING_TARGET, new Date());
    expect(provider.calls).toBe(1);
  });

  it('are resolved again in the background within five minutes of expiry, those at hand serving meanwhile', async () => {
    const provider = counting(4 * 60_000, { hangFrom: 2 });
    const signer = signerOf(provider);
    expect(keyOf(await signer.sign(SIGNING_TARGET, new Date(), live()))).toBe('AKID1');
    // The refresh this starts never answers: the calls are signed with what is at hand (a call
    // that waited for it would be rejected when its signal aborts, at 100 ms).
    expect(keyOf(await signer.sign(SIGNING_TARGET, new Date(), AbortSignal.timeout(100)))).toBe('AKID1');
    expect(keyOf(await signer.sign(SIGNING_TARGET, new Date(), AbortSignal.timeout(100)))).toBe('AKID1');
    expect(provider.calls).toBe(2); // one refresh under way, not one per call
  });

  it('take a refresh that answers from then on, and survive one that fails', async () => {
    const refreshed = counting(4 * 60_000);
    const signer = signerOf(refreshed);
    await signer.sign(SIGNING_TARGET, new Date(), live());
    await signer.sign(SIGNING_TARGET, new Date(), live()); // starts the refresh
    await vi.waitFor(async () => expect(keyOf(await signer.sign(SIGNING_TARGET, new Date(), live()))).toBe('AKID2'));

    // A background refresh that fails is no caller's failure (and no unhandled rejection).
    const failing = counting(4 * 60_000, { failFrom: 2 });
    const other = signerOf(failing);
    await other.sign(SIGNING_TARGET, new Date(), live());
    await other.sign(SIGNING_TARGET, new Date(), live());
    await new Promise((resolve) => setTimeout(resolve, 100)); // the refresh (20 ms) has failed
    expect(keyOf(await other.sign(SIGNING_TARGET, new Date(), live()))).toBe('AKID1');
    expect(failing.calls).toBe(2); // the next try waits 5 s from the failure
  });

  it("are asked for past the provider's cache when what it holds is about to expire, on every call that needs them", async () => {
    const provider = counting(10_000); // inside the 15 s margin as soon as they come
    const forced: boolean[] = [];
    const signer = signerOf(async (options) => {
      forced.push(options?.['forceRefresh'] === true);
      return provider();
    });
    expect(keyOf(await signer.sign(SIGNING_TARGET, new Date(), live()))).toBe('AKID2');
    expect(keyOf(await signer.sign(SIGNING_TARGET, new Date(), live()))).toBe('AKID4');
    expect(forced).toEqual([false, true, false, true]);
  });

  it('take what the provider holds when it is good for longer, without forcing it', async () => {
    const provider = counting(60 * 60_000);
    const forced: boolean[] = [];
    const signer = signerOf(async (options) => {
      forced.push(options?.['forceRefresh'] === true);
      return provider();
    });
    await signer.sign(SIGNING_TARGET, new Date(), live());
    expect(forced).toEqual([false]);
  });

  it.each([
    [
      'throws instead of rejecting',
      () => {
        throw new Error('the credential source failed at once');
      },
    ],
    ['answers nothing', async () => undefined],
    [
      'answers an expiration that is not a date',
      async () => ({ accessKeyId: 'AKIDX', secretAccessKey: 'secret', expiration: 'soon' }),
    ],
  ])('fail as credentials when the provider %s; the failure answers for 1 s', async (_name, answer) => {
    let calls = 0;
    const provider = (() => {
      calls += 1;
      return (answer as () => unknown)();
    }) as unknown as AwsCredentialIdentityProvider;
    const signer = signerOf(provider);
    const first = await signer.sign(SIGNING_TARGET, new Date(), live()).catch((error: unknown) => error);
    expect(first).toMatchObject({ name: 'AwsCredentialsError' });
    expect(calls).toBe(1);
    // The next call within the second gets the same failure without asking.
    expect(await signer.sign(SIGNING_TARGET, new Date(), live()).catch((error: unknown) => error)).toBe(first);
    expect(calls).toBe(1);
  });

  it('are asked for again once a failure has answered for 1 s', async () => {
    const provider = counting(60 * 60_000, { failFrom: 1 });
    const signer = signerOf(provider);
    await expect(signer.sign(SIGNING_TARGET, new Date(), live())).rejects.toMatchObject({
      name: 'AwsCredentialsError',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await expect(signer.sign(SIGNING_TARGET, new Date(), live())).rejects.toMatchObject({
      name: 'AwsCredentialsError',
    });
    expect(provider.calls).toBe(2);
  });

  it('are not asked for by a caller already gone', async () => {
    const provider = counting(60 * 60_000);
    await expect(signerOf(provider).sign(SIGNING_TARGET, new Date(), AbortSignal.abort())).rejects.toMatchObject({
      sent: false,
    });
    expect(provider.calls).toBe(0);
  });
});
