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
    const config = loadConfig({ NODE_ENV: 'production', SANDBOX: 'true' });
    expect(config.sandbox).toBe(true);
    expect(config.production).toBe(true);
    expect(config.shutdownDelayMs).toBe(5000);
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

  it('refuses a configured upstream this build has no client for, without echoing secrets', () => {
    const secret = 'secret-token:conductorone.com:v1:DO-NOT-ECHO';
    expect(() =>
      loadConfig({
        SANDBOX: 'false',
        CONDUCTORONE_CLIENT_ID: 'x@t.conductor.one/spc',
        CONDUCTORONE_CLIENT_SECRET: secret,
      }),
    ).toThrow(ConfigError);
    try {
      loadConfig({ SANDBOX: 'false', CONDUCTORONE_CLIENT_SECRET: secret });
    } catch (error) {
      expect((error as Error).message).not.toContain('DO-NOT-ECHO');
    }
  });
});
