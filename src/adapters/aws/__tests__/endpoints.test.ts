/** Expected URLs from the services' endpoint rule-set tests (aws-api.md §1.2, §2.2). */
import { describe, expect, it } from 'vitest';
import { EndpointError, resolveAppFabricEndpoint, resolveIotManagedIntegrationsEndpoint } from '../endpoints.ts';

const base = { useFips: false, useDualStack: false, endpoint: undefined };

describe('IoT Managed Integrations endpoints (dual-stack only)', () => {
  it.each([
    ['us-east-1', false, 'https://api.iotmanagedintegrations.us-east-1.api.aws/'],
    ['us-east-1', true, 'https://api.iotmanagedintegrations-fips.us-east-1.api.aws/'],
    ['cn-northwest-1', false, 'https://api.iotmanagedintegrations.cn-northwest-1.api.amazonwebservices.com.cn/'],
    ['us-gov-west-1', false, 'https://api.iotmanagedintegrations.us-gov-west-1.api.aws/'],
    ['eu-west-1', false, 'https://api.iotmanagedintegrations.eu-west-1.api.aws/'],
  ])('%s fips=%s → %s', (region, useFips, url) => {
    expect(resolveIotManagedIntegrationsEndpoint({ ...base, region, useFips }).href).toBe(url);
  });

  it('ignores the dual-stack switch (there is no such parameter)', () => {
    expect(resolveIotManagedIntegrationsEndpoint({ ...base, region: 'us-east-1', useDualStack: true }).href).toBe(
      'https://api.iotmanagedintegrations.us-east-1.api.aws/',
    );
  });

  it('uses a custom endpoint as is and refuses it with FIPS', () => {
    expect(
      resolveIotManagedIntegrationsEndpoint({ ...base, region: 'us-east-1', endpoint: 'http://127.0.0.1:4566' }).href,
    ).toBe('http://127.0.0.1:4566/');
    expect(() =>
      resolveIotManagedIntegrationsEndpoint({
        ...base,
        region: 'us-east-1',
        useFips: true,
        endpoint: 'https://vpce.example',
      }),
    ).toThrow('Invalid Configuration: FIPS and custom endpoint are not supported');
  });

  it('refuses a missing or malformed region', () => {
    expect(() => resolveIotManagedIntegrationsEndpoint({ ...base, region: undefined })).toThrow(
      'Invalid Configuration: Missing Region',
    );
    expect(() => resolveIotManagedIntegrationsEndpoint({ ...base, region: 'us-east-1.evil.com/x' })).toThrow(
      EndpointError,
    );
  });
});

describe('AppFabric endpoints', () => {
  it.each([
    [false, false, 'https://appfabric.us-east-1.amazonaws.com/'],
    [true, false, 'https://appfabric-fips.us-east-1.amazonaws.com/'],
    [false, true, 'https://appfabric.us-east-1.api.aws/'],
    [true, true, 'https://appfabric-fips.us-east-1.api.aws/'],
  ])('fips=%s dualstack=%s → %s', (useFips, useDualStack, url) => {
    expect(resolveAppFabricEndpoint({ region: 'us-east-1', useFips, useDualStack, endpoint: undefined }).href).toBe(
      url,
    );
  });

  it('uses the China partition suffixes', () => {
    expect(resolveAppFabricEndpoint({ ...base, region: 'cn-north-1' }).href).toBe(
      'https://appfabric.cn-north-1.amazonaws.com.cn/',
    );
    expect(resolveAppFabricEndpoint({ ...base, region: 'cn-north-1', useDualStack: true }).href).toBe(
      'https://appfabric.cn-north-1.api.amazonwebservices.com.cn/',
    );
  });

  it('refuses a custom endpoint with FIPS or dual-stack', () => {
    expect(() =>
      resolveAppFabricEndpoint({ ...base, region: 'us-east-1', useDualStack: true, endpoint: 'https://x.example' }),
    ).toThrow('Invalid Configuration: Dualstack and custom endpoint are not supported');
    expect(() =>
      resolveAppFabricEndpoint({ ...base, region: 'us-east-1', useFips: true, endpoint: 'https://x.example' }),
    ).toThrow('Invalid Configuration: FIPS and custom endpoint are not supported');
  });

  it('refuses endpoints that are not plain http(s) origins', () => {
    for (const endpoint of ['ftp://x.example', 'not a url', 'https://user:pw@x.example', 'https://x.example/?a=1']) {
      expect(() => resolveAppFabricEndpoint({ ...base, region: 'us-east-1', endpoint })).toThrow(EndpointError);
    }
  });
});
