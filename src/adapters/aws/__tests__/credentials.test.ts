/**
 * Which source the default chain picks, from the environment alone. The container-credentials
 * source is served on loopback; instance metadata is disabled so nothing leaves the machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsCredentialProvider } from '../credentials.ts';
import { keyOf, listen, SIGNING_TARGET } from './loopback.ts';
import { createSigner } from '../signing.ts';

const VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_ENDPOINT_URL_STS',
  'AWS_REGION',
];
let saved: Record<string, string | undefined>;
let dir: string;

beforeEach(() => {
  saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
  for (const v of VARS) delete process.env[v];
  dir = mkdtempSync(join(tmpdir(), 'aws-creds-'));
  // No profile files and no instance metadata unless a test provides them.
  process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(dir, 'missing-credentials');
  process.env['AWS_CONFIG_FILE'] = join(dir, 'missing-config');
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
});

afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  // The profile and token files the tests write hold credentials, if only test ones.
  rmSync(dir, { recursive: true, force: true });
});

describe('AWS credential chain', () => {
  it('takes credentials from the environment first', async () => {
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIAENVEXAMPLE';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'env-secret';
    process.env['AWS_SESSION_TOKEN'] = 'env-session';
    const credentials = await createAwsCredentialProvider()();
    expect(credentials).toMatchObject({
      accessKeyId: 'AKIAENVEXAMPLE',
      secretAccessKey: 'env-secret',
      sessionToken: 'env-session',
    });
  });

  it('takes a named profile from the shared credentials file', async () => {
    const file = join(dir, 'credentials');
    writeFileSync(
      file,
      '[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n[subgraph]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = p\n',
    );
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = file;
    process.env['AWS_PROFILE'] = 'subgraph';
    expect(await createAwsCredentialProvider()()).toMatchObject({ accessKeyId: 'AKIAPROFILE', secretAccessKey: 'p' });
  });

  describe('container credentials (ECS, EKS Pod Identity)', () => {
    let server: Server;
    let hits: string[];
    let expiresInMs: number;
    beforeEach(async () => {
      hits = [];
      expiresInMs = 3_600_000;
      server = createServer((req, res) => {
        hits.push(String(req.headers['authorization']));
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            AccessKeyId: `AKIACONTAINER${hits.length}`,
            SecretAccessKey: 'container-secret',
            Token: 'container-session',
            Expiration: new Date(Date.now() + expiresInMs).toISOString(),
          }),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] =
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/credentials`;
      process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = 'container-auth-token';
    });
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('is resolved lazily, then cached while far from expiry', async () => {
      const provider = createAwsCredentialProvider();
      expect(hits).toHaveLength(0);
      expect(await provider()).toMatchObject({ accessKeyId: 'AKIACONTAINER1', sessionToken: 'container-session' });
      await provider();
      expect(hits).toEqual(['container-auth-token']);
    });

    it('is refreshed in the background when it expires within five minutes', async () => {
      expiresInMs = 120_000;
      const provider = createAwsCredentialProvider();
      expect((await provider()).accessKeyId).toBe('AKIACONTAINER1');
      // Still valid: returned at once while a refresh starts.
      expect((await provider()).accessKeyId).toBe('AKIACONTAINER1');
      await vi.waitFor(() => expect(hits).toHaveLength(2));
      expect((await provider()).accessKeyId).toBe('AKIACONTAINER2');
    });
  });

  /** Web identity (IRSA) through STS at `stsUrl`. */
  function webIdentity(stsUrl: string) {
    const tokenFile = join(dir, 'web-identity-token');
    writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl');
    process.env['AWS_WEB_IDENTITY_TOKEN_FILE'] = tokenFile;
    process.env['AWS_ROLE_ARN'] = 'arn:aws:iam::123456789012:role/connector-auth';
    process.env['AWS_REGION'] = 'us-east-1';
    process.env['AWS_ENDPOINT_URL_STS'] = stsUrl;
  }

  it('gives up on an STS request that does not answer, so that the next resolution asks again (web identity)', async () => {
    const sts = await listen(() => undefined); // never answers
    webIdentity(sts.url);
    const provider = createAwsCredentialProvider({ requests: { connectionTimeout: 200, requestTimeout: 200 } });
    const started = performance.now();
    await expect(provider()).rejects.toBeDefined();
    expect(performance.now() - started).toBeLessThan(5_000);
    const first = sts.requests(); // the STS client's attempts, each cut at 200 ms
    expect(first).toBeGreaterThanOrEqual(1);
    await expect(provider()).rejects.toBeDefined();
    // The second resolution sent requests of its own: the first one's hang did not hold it.
    expect(sts.requests()).toBeGreaterThan(first);
  });

  describe('behind the signer', () => {
    const stsCredentials = (key: string, expiresInMs: number) =>
      '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>' +
      `<Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>` +
      `<Expiration>${new Date(Date.now() + expiresInMs).toISOString()}</Expiration></Credentials>` +
      '</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>';
    const stsDenied =
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>' +
      '<Message>no</Message></Error><RequestId>r</RequestId></ErrorResponse>';
    const signerOf = (resolutionTimeoutMs?: number) =>
      createSigner({
        service: 'iotmanagedintegrations',
        region: 'us-east-1',
        credentials: createAwsCredentialProvider(resolutionTimeoutMs === undefined ? {} : { resolutionTimeoutMs }),
      });

    it('start a fresh resolution after one that hung, not wait on it (a container endpoint that never answers)', async () => {
      const container = await listen(() => undefined);
      process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = `${container.url}/v2/credentials`;
      process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = 'container-auth-token';
      const signer = signerOf(300);
      for (let i = 1; i <= 2; i++) {
        const before = container.requests();
        await expect(signer.sign(SIGNING_TARGET, new Date())).rejects.toMatchObject({
          name: 'AwsCredentialsError',
          cause: { name: 'TimeoutError' },
        });
        // A request of its own each time (the hung ones' own retries may add more).
        expect(container.requests()).toBeGreaterThan(before);
        await new Promise((resolve) => setTimeout(resolve, 1_100)); // the failure answers for 1 s
      }
    });

    it('are not signed with once within 15 s of expiry: a caller waits for fresh ones, within its signal', async () => {
      const sts = await listen((_req, res, n) => {
        if (n === 1) res.writeHead(200, { 'content-type': 'text/xml' }).end(stsCredentials('AKIDOLD', 10_000));
        // the refresh never answers
      });
      webIdentity(sts.url);
      // The first answer is good for 10 s: the signer asks past the chain's cache, which hangs.
      await expect(signerOf().sign(SIGNING_TARGET, new Date(), AbortSignal.timeout(300))).rejects.toMatchObject({
        sent: false,
      });
      expect(sts.requests()).toBe(2);
    });

    it('within five minutes of expiry, serve those at hand and ask STS at most every 5 s while it refuses', async () => {
      const sts = await listen((_req, res, n) => {
        if (n === 1) res.writeHead(200, { 'content-type': 'text/xml' }).end(stsCredentials('AKIDOLD', 4 * 60_000));
        else res.writeHead(403, { 'content-type': 'text/xml' }).end(stsDenied);
      });
      webIdentity(sts.url);
      const signer = signerOf();
      const keys = new Set<string | undefined>();
      for (let i = 0; i < 20; i++) {
        keys.add(keyOf(await signer.sign(SIGNING_TARGET, new Date(), new AbortController().signal)));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect([...keys]).toEqual(['AKIDOLD']);
      expect(sts.requests()).toBeLessThanOrEqual(2);
    });
  });

  it('fails with a CredentialsProviderError when no source has credentials', async () => {
    await expect(createAwsCredentialProvider()()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });
});
