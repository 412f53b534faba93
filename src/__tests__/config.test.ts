import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';

describe('loadConfig', () => {
  it('defaults to port 4001 on all interfaces with the sandbox outside production', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4001,
      host: '0.0.0.0',
      production: false,
      sandbox: true,
      upstreams: { iotManagedIntegrations: 'sandbox', appFabric: 'sandbox', conductorOne: 'sandbox' },
      maxRequestBodyBytes: 1024 * 1024,
      shutdownDelayMs: 0,
    });
  });

  it('does not default to the sandbox in production, and refuses to start with nothing to serve', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/no upstream is configured/);
    expect(() => loadConfig({ NODE_ENV: 'production', SANDBOX: 'false' })).toThrow(/no upstream is configured/);
  });

  it('honours SANDBOX=true in production, with a readiness delay on shutdown', () => {
    const config = loadConfig({ NODE_ENV: 'production', SANDBOX: 'true', AUTH_DISABLED: 'true' });
    expect(config.sandbox).toBe(true);
    expect(config.production).toBe(true);
    expect(config.shutdownDelayMs).toBe(5000);
  });

  it('caps operations at once only when OPERATION_CONCURRENCY is set, to a positive integer', () => {
    expect(loadConfig({}).operationConcurrency).toBeNull();
    expect(loadConfig({ OPERATION_CONCURRENCY: ' ' }).operationConcurrency).toBeNull();
    expect(loadConfig({ OPERATION_CONCURRENCY: '8' }).operationConcurrency).toBe(8);
    for (const bad of ['0', '-1', '2.5', 'auto', '100001']) {
      expect(() => loadConfig({ OPERATION_CONCURRENCY: bad })).toThrow(
        `OPERATION_CONCURRENCY must be an integer from 1 to 100000 (got "${bad}").`,
      );
    }
  });

  it('bounds the operations waiting under OPERATION_CONCURRENCY, and refuses the bounds without it', () => {
    expect(loadConfig({ OPERATION_CONCURRENCY: '8' }).operationQueue).toEqual({
      maxWaiting: 1000,
      maxWaitingBytes: 16 * 1024 * 1024,
    });
    expect(
      loadConfig({ OPERATION_CONCURRENCY: '8', OPERATION_MAX_QUEUE: '0', OPERATION_MAX_QUEUE_BYTES: '65536' })
        .operationQueue,
    ).toEqual({ maxWaiting: 0, maxWaitingBytes: 65536 });
    expect(() => loadConfig({ OPERATION_MAX_QUEUE: '50' })).toThrow(
      'OPERATION_MAX_QUEUE bounds the operations waiting under OPERATION_CONCURRENCY, which is not set.',
    );
    expect(() => loadConfig({ OPERATION_MAX_QUEUE_BYTES: '50' })).toThrow(
      'OPERATION_MAX_QUEUE_BYTES bounds the operations waiting under OPERATION_CONCURRENCY, which is not set.',
    );
  });

  it('keeps at most 4096 client connections open unless MAX_CONNECTIONS says otherwise', () => {
    expect(loadConfig({}).maxConnections).toBe(4096);
    expect(loadConfig({ MAX_CONNECTIONS: '100' }).maxConnections).toBe(100);
    for (const bad of ['0', '-1', 'lots', '1000001']) {
      expect(() => loadConfig({ MAX_CONNECTIONS: bad })).toThrow(
        `MAX_CONNECTIONS must be an integer from 1 to 1000000 (got "${bad}").`,
      );
    }
  });

  it('limits connect attempts to 10 a minute per authorization unless CONNECT_ATTEMPTS_PER_MINUTE says otherwise', () => {
    expect(loadConfig({}).connectAttemptsPerMinute).toBe(10);
    expect(loadConfig({ CONNECT_ATTEMPTS_PER_MINUTE: '0' }).connectAttemptsPerMinute).toBe(0);
    expect(loadConfig({ CONNECT_ATTEMPTS_PER_MINUTE: '30' }).connectAttemptsPerMinute).toBe(30);
    for (const bad of ['-1', '1.5', 'many', '0x10', '1e1', '10.0', '+5']) {
      expect(() => loadConfig({ CONNECT_ATTEMPTS_PER_MINUTE: bad })).toThrow(
        `CONNECT_ATTEMPTS_PER_MINUTE must be an integer from 0 to 100000 (got "${bad}").`,
      );
    }
  });

  it('listens on loopback only when real upstreams run without caller authentication outside production', () => {
    expect(loadConfig({}).host).toBe('0.0.0.0'); // the sandbox: demo data
    expect(loadConfig({ AWS_REGION: 'us-east-1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ AWS_REGION: 'us-east-1', HOST: '::1' }).host).toBe('::1');
    // Another interface only when authentication is configured, or turned off on purpose.
    expect(() => loadConfig({ AWS_REGION: 'us-east-1', HOST: '0.0.0.0' })).toThrow(
      'HOST=0.0.0.0 would serve real upstream data to the network without caller authentication',
    );
    expect(loadConfig({ AWS_REGION: 'us-east-1', HOST: '0.0.0.0', AUTH_DISABLED: 'true' }).host).toBe('0.0.0.0');
    expect(loadConfig({ AWS_REGION: 'us-east-1', SANDBOX: 'true' }).host).toBe('0.0.0.0');
    expect(loadConfig({ AWS_REGION: 'us-east-1', NODE_ENV: 'production', AUTH_DISABLED: 'true' }).host).toBe('0.0.0.0');
  });

  it('refuses a NODE_ENV other than production, development or test: a typo must not drop production rules', () => {
    for (const typo of ['Production', 'prod', 'production ', 'staging']) {
      expect(() => loadConfig({ NODE_ENV: typo, AWS_REGION: 'us-east-1' })).toThrow(
        `NODE_ENV must be one of production, development, test, or unset (got "${typo}").`,
      );
    }
    for (const known of ['development', 'test', '']) expect(loadConfig({ NODE_ENV: known }).production).toBe(false);
  });

  it('refuses JWT settings without a key, instead of leaving authentication off', () => {
    // A misspelt AUTH_JWKS_URL leaves the other two on their own.
    const half = {
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'subgraph',
      AUTH_JWKS_ULR: 'https://idp.example/jwks',
    };
    expect(() => loadConfig(half)).toThrow(
      'AUTH_ISSUER, AUTH_AUDIENCE are set, but no key to verify tokens with: set AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY.',
    );
    expect(() => loadConfig({ AUTH_JWT_TYPE: 'at+jwt' })).toThrow('AUTH_JWT_TYPE is set, but no key');
    expect(() => loadConfig({ AUTH_DISABLED: 'true', AUTH_MAX_TOKEN_AGE_S: '60' })).toThrow(
      'AUTH_DISABLED=true contradicts AUTH_MAX_TOKEN_AGE_S.',
    );
  });

  describe('JWT settings', () => {
    const jwt = {
      AUTH_JWKS_URL: 'https://idp.example/jwks.json',
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'subgraph',
    };

    it('refuses an AUTH_JWT_ALGORITHMS that names no algorithm', () => {
      expect(() => loadConfig({ ...jwt, AUTH_JWT_ALGORITHMS: ' , ' })).toThrow(
        'AUTH_JWT_ALGORITHMS names no algorithm.',
      );
    });

    it('refuses a key-set URL with a user name or password, without echoing it', () => {
      try {
        loadConfig({ ...jwt, AUTH_JWKS_URL: 'https://svc:S3cretPassw0rd@idp.example/jwks.json' });
        expect.unreachable();
      } catch (error) {
        expect(String(error)).toContain('AUTH_JWKS_URL must not carry a user name or password.');
        expect(String(error)).not.toContain('S3cretPassw0rd');
      }
    });

    it('takes AUTH_JWT_TYPE as the required typ header', () => {
      expect(loadConfig({ ...jwt, AUTH_JWT_TYPE: 'at+jwt' }).auth).toMatchObject({ kind: 'jwt', tokenType: 'at+jwt' });
      expect(loadConfig(jwt).auth).not.toHaveProperty('tokenType');
      expect(() => loadConfig({ ...jwt, AUTH_JWT_TYPE: 'at jwt' })).toThrow('AUTH_JWT_TYPE must be a media type');
    });
  });

  it('names the AWS variable at fault once, and never repeats an endpoint URL', () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problemsOf({ AWS_REGION: 'US_EAST_1' })).toEqual([
      'AWS_REGION must be a region name such as us-east-1 (got "US_EAST_1").',
    ]);
    expect(problemsOf({ AWS_DEFAULT_REGION: 'eu west 1' })).toEqual([
      'AWS_DEFAULT_REGION must be a region name such as us-east-1 (got "eu west 1").',
    ]);
    const planted = problemsOf({
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_APPFABRIC: 'https://svc:PLANTEDPW@proxy_internal:8443:1',
      IOT_MANAGED_INTEGRATIONS_ENDPOINT: 'https://svc:PLANTEDPW2@proxy.internal:8443',
    });
    expect(planted).toEqual([
      'IoT Managed Integrations endpoint (IOT_MANAGED_INTEGRATIONS_ENDPOINT): Invalid Configuration: the endpoint must not carry a query, fragment or credentials.',
      'AppFabric endpoint (AWS_ENDPOINT_URL_APPFABRIC): Invalid Configuration: the endpoint is not a URL.',
    ]);
    expect(planted.join('\n')).not.toContain('PLANTEDPW');
  });

  it('bounds the query text by MAX_QUERY_LENGTH, 64 KiB unless set', () => {
    expect(loadConfig({}).operationLimits.maxLength).toBe(65536);
    expect(loadConfig({ MAX_QUERY_LENGTH: '4096' }).operationLimits.maxLength).toBe(4096);
    for (const bad of ['100', 'long', '99999999']) {
      expect(() => loadConfig({ MAX_QUERY_LENGTH: bad })).toThrow(/MAX_QUERY_LENGTH must be an integer from 1024 to/);
    }
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'eighty', SANDBOX: 'maybe', LOG_LEVEL: 'loud', MAX_REQUEST_BODY_BYTES: '12' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(4);
      expect((error as ConfigError).message).toContain('PORT must be an integer');
    }
  });
});

describe('loadConfig: ConductorOne', () => {
  const secret = () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    return `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' }))).toString('base64url')}`;
  };

  it('takes the tenant origin from the client id, and keeps the key out of any printout', () => {
    const config = loadConfig({
      CONDUCTORONE_CLIENT_ID: 'otter@acme.conductor.one/spc',
      CONDUCTORONE_CLIENT_SECRET: secret(),
    });
    expect(config.upstreams.conductorOne).toBe('real');
    expect(config.conductorOne?.origin).toBe('https://acme.conductor.one');
    expect(config.conductorOne?.auth.kind).toBe('clientCredentials');
    expect(JSON.stringify(config)).toContain('[Redacted]');
    expect(inspect(config, { depth: 10 })).not.toMatch(/"d"|KeyObject/);
  });

  it('prefers a pre-exchanged access token, which needs the tenant named', () => {
    expect(() => loadConfig({ CONDUCTORONE_ACCESS_TOKEN: 'tok' })).toThrow(
      /CONDUCTORONE_SERVER_URL or CONDUCTORONE_TENANT_DOMAIN/,
    );
    const config = loadConfig({
      CONDUCTORONE_ACCESS_TOKEN: 'planted-access-token',
      CONDUCTORONE_TENANT_DOMAIN: 'acme',
    });
    expect(config.conductorOne).toMatchObject({ origin: 'https://acme.conductor.one', auth: { kind: 'accessToken' } });
    expect(JSON.stringify(config)).not.toContain('planted-access-token');
    expect(inspect(config, { depth: 10 })).not.toContain('planted-access-token');
  });

  it('takes an access token pasted with its scheme, as the SDKs do', () => {
    for (const pasted of ['Bearer planted-access-token', 'bearer  planted-access-token']) {
      const config = loadConfig({ CONDUCTORONE_ACCESS_TOKEN: pasted, CONDUCTORONE_TENANT_DOMAIN: 'acme' });
      const auth = config.conductorOne?.auth;
      expect(auth?.kind === 'accessToken' && auth.accessToken.reveal()).toBe('planted-access-token');
    }
    // Nothing but the scheme is no token.
    expect(() => loadConfig({ CONDUCTORONE_ACCESS_TOKEN: 'Bearer ', CONDUCTORONE_TENANT_DOMAIN: 'acme' })).toThrow(
      /CONDUCTORONE_ACCESS_TOKEN holds no token/,
    );
  });

  it('refuses an access token that cannot go into a header, without repeating it', () => {
    for (const token of ['planted\ntoken', 'planted token', 'plantéd-token']) {
      try {
        loadConfig({ CONDUCTORONE_ACCESS_TOKEN: token, CONDUCTORONE_TENANT_DOMAIN: 'acme' });
        expect.unreachable();
      } catch (error) {
        expect((error as ConfigError).problems).toEqual([
          'CONDUCTORONE_ACCESS_TOKEN may hold only visible ASCII characters (no spaces or line breaks).',
        ]);
      }
    }
  });

  it('refuses a CURSOR_SECRET that is short once its surrounding spaces are left out', () => {
    expect(() => loadConfig({ CURSOR_SECRET: ' '.repeat(40) })).toThrow('CURSOR_SECRET must be at least 32 characters');
    expect(() => loadConfig({ CURSOR_SECRET: `  ${'k'.repeat(31)}  ` })).toThrow('CURSOR_SECRET must be at least 32');
    expect(loadConfig({ CURSOR_SECRET: 'k'.repeat(32) }).cursorSecret.reveal()).toHaveLength(32);
  });

  it('accepts a loopback http server URL and refuses plain http elsewhere', () => {
    const base = { CONDUCTORONE_CLIENT_ID: 'otter@acme.conductor.one/spc', CONDUCTORONE_CLIENT_SECRET: secret() };
    expect(loadConfig({ ...base, CONDUCTORONE_SERVER_URL: 'http://127.0.0.1:8080' }).conductorOne?.origin).toBe(
      'http://127.0.0.1:8080',
    );
    expect(() => loadConfig({ ...base, CONDUCTORONE_SERVER_URL: 'http://acme.conductor.one' })).toThrow(
      /must be https/,
    );
    expect(() => loadConfig({ ...base, CONDUCTORONE_SERVER_URL: 'https://acme.conductor.one/api' })).toThrow(
      /origin only/,
    );
  });

  it('needs the id and the secret together, and refuses a malformed secret without echoing it', () => {
    expect(() => loadConfig({ CONDUCTORONE_CLIENT_ID: 'otter@acme.conductor.one/spc' })).toThrow(/together/);
    try {
      loadConfig({
        CONDUCTORONE_CLIENT_ID: 'otter@acme.conductor.one/spc',
        CONDUCTORONE_CLIENT_SECRET: 'secret-token:x:v1:PLANTEDVALUE',
      });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('CONDUCTORONE_CLIENT_SECRET is not a valid');
      expect((error as Error).message).not.toContain('PLANTEDVALUE');
    }
  });
});

describe('loadConfig: AWS', () => {
  it('resolves both endpoints from the region, with overrides taking precedence', () => {
    const config = loadConfig({
      AWS_REGION: 'eu-west-1',
      APPFABRIC_ENDPOINT: 'https://vpce-1.appfabric.eu-west-1.vpce.amazonaws.com',
    });
    expect(config.aws).toMatchObject({ region: 'eu-west-1', maxAttempts: 3 });
    expect(config.aws!.endpoints.iotManagedIntegrations.href).toBe(
      'https://api.iotmanagedintegrations.eu-west-1.api.aws/',
    );
    expect(config.aws!.endpoints.appFabric.host).toBe('vpce-1.appfabric.eu-west-1.vpce.amazonaws.com');
  });

  it('falls back to AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL unless told to ignore them', () => {
    const env = {
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_APPFABRIC: 'http://127.0.0.1:4567',
    };
    const config = loadConfig(env);
    expect(config.aws!.endpoints.iotManagedIntegrations.port).toBe('4566');
    expect(config.aws!.endpoints.appFabric.port).toBe('4567');
    expect(loadConfig({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).aws!.endpoints.appFabric.host).toBe(
      'appfabric.us-east-1.amazonaws.com',
    );
  });

  it('refuses adaptive retries, bad attempts and FIPS with a custom endpoint', () => {
    expect(() => loadConfig({ AWS_REGION: 'us-east-1', AWS_RETRY_MODE: 'adaptive' })).toThrow(/AWS_RETRY_MODE/);
    expect(() => loadConfig({ AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '0' })).toThrow(/AWS_MAX_ATTEMPTS/);
    expect(() =>
      loadConfig({
        AWS_REGION: 'us-east-1',
        AWS_USE_FIPS_ENDPOINT: 'true',
        IOT_MANAGED_INTEGRATIONS_ENDPOINT: 'https://x.example',
      }),
    ).toThrow(/FIPS and custom endpoint/);
  });
});

describe('loadConfig: caller authentication', () => {
  const pem = () =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();

  it('refuses to start in production without authentication, unless AUTH_DISABLED=true', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SANDBOX: 'true' })).toThrow(
      /caller authentication is not configured/,
    );
    expect(loadConfig({ NODE_ENV: 'production', SANDBOX: 'true', AUTH_DISABLED: 'true' }).auth).toEqual({
      kind: 'disabled',
      explicit: true,
    });
  });

  it('is off by default outside production (the sandbox), and can be turned on', () => {
    expect(loadConfig({}).auth).toEqual({ kind: 'disabled', explicit: false });
    const config = loadConfig({
      AUTH_JWT_PUBLIC_KEY: pem(),
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'connector-auth',
    });
    expect(config.auth).toMatchObject({
      kind: 'jwt',
      issuer: 'https://idp.example',
      audience: 'connector-auth',
      algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
    });
  });

  it('needs issuer and audience, pins asymmetric algorithms only, and checks the key source', () => {
    expect(() => loadConfig({ AUTH_JWT_PUBLIC_KEY: pem() })).toThrow(/AUTH_ISSUER and AUTH_AUDIENCE/);
    const base = { AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' };
    expect(() => loadConfig({ ...base, AUTH_JWT_PUBLIC_KEY: pem(), AUTH_JWT_ALGORITHMS: 'HS256' })).toThrow(
      /not an asymmetric/,
    );
    expect(() =>
      loadConfig({ ...base, AUTH_JWT_ALGORITHMS: 'none', AUTH_JWKS_URL: 'https://idp.example/jwks' }),
    ).toThrow(/not an asymmetric/);
    expect(() => loadConfig({ ...base, AUTH_JWKS_URL: 'http://idp.example/jwks' })).toThrow(/must be https/);
    expect(() => loadConfig({ ...base, AUTH_JWT_PUBLIC_KEY: 'not a key' })).toThrow(/not a PEM public key/);
    expect(loadConfig({ ...base, AUTH_JWKS_URL: 'http://127.0.0.1:9000/jwks' }).auth).toMatchObject({ kind: 'jwt' });
  });

  it('bounds token age only when AUTH_MAX_TOKEN_AGE_S is set', () => {
    const base = { AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWT_PUBLIC_KEY: pem() };
    expect(loadConfig(base).auth).not.toHaveProperty('maxTokenAgeS');
    expect(loadConfig({ ...base, AUTH_MAX_TOKEN_AGE_S: '3600' }).auth).toMatchObject({ maxTokenAgeS: 3600 });
    for (const bad of ['0', '1h', '-5', '31536001']) {
      expect(() => loadConfig({ ...base, AUTH_MAX_TOKEN_AGE_S: bad })).toThrow(
        `AUTH_MAX_TOKEN_AGE_S must be an integer from 1 to 31536000 (got "${bad}").`,
      );
    }
  });

  it('keeps the router secret and cursor key out of any printout', () => {
    const config = loadConfig({
      ROUTER_SECRET: 'planted-router-secret-value',
      CURSOR_SECRET: 'planted-cursor-key-0123456789abcdef',
    });
    expect(JSON.stringify(config)).not.toMatch(/planted/);
    expect(inspect(config, { depth: 10 })).not.toMatch(/planted/);
    expect(() => loadConfig({ ROUTER_SECRET: 'short' })).toThrow(/ROUTER_SECRET/);
    expect(() => loadConfig({ CURSOR_SECRET: 'short' })).toThrow(/CURSOR_SECRET/);
  });
});

describe("README's bounds of the whole-number settings", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const paragraph = readme.slice(readme.indexOf('Whole-number settings take decimal digits only'));
  const bounds = [...paragraph.slice(0, paragraph.indexOf('\n\n')).matchAll(/`([A-Z_]+)`\s+(\d+)–(\d+)/g)].map(
    ([, name, min, max]) => ({ name: name!, min: Number(min), max: Number(max) }),
  );
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  /** What a setting needs around it to be read at all. */
  const context = (name: string): Record<string, string> =>
    name.startsWith('AUTH_')
      ? {
          AUTH_JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          AUTH_ISSUER: 'https://idp.example.com/',
          AUTH_AUDIENCE: 'connector-auth-subgraph',
        }
      : name.startsWith('AWS_')
        ? { AWS_REGION: 'us-east-1' }
        : name.startsWith('OPERATION_MAX_QUEUE')
          ? { OPERATION_CONCURRENCY: '4' }
          : {};

  it('names every whole-number setting config.ts reads', () => {
    const source = readFileSync(new URL('../config.ts', import.meta.url), 'utf8');
    const read = [...source.matchAll(/\binteger\('([A-Z_]+)'/g)].map(([, name]) => name!);
    expect(read.length).toBeGreaterThan(20);
    expect(bounds.map((b) => b.name).sort()).toEqual([...new Set(read)].sort());
  });

  it('gives the bounds start-up enforces', () => {
    for (const { name, min, max } of bounds) {
      const env = context(name);
      expect(() => loadConfig({ ...env, [name]: String(min) }), name).not.toThrow();
      expect(() => loadConfig({ ...env, [name]: String(max) }), name).not.toThrow();
      expect(() => loadConfig({ ...env, [name]: String(max + 1) }), name).toThrow(
        `${name} must be an integer from ${min} to ${max}`,
      );
    }
  });
});
