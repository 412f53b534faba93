import { describe, expect, it } from 'vitest';
import { createSigner } from '../../src/adapters/aws/signing.ts';
import {
  canonicalQueryString,
  canonicalUri,
  computeSigV4Parts,
  formatAmzDate,
  parseAuthorization,
  requestAmzDate,
  verifySigV4,
  type SigV4Credential,
  type SigV4Request,
  type VerifySigV4Options,
} from '../../src/sandbox/aws/sigv4Verifier.ts';
import {
  SIGV4_SUITE_VECTORS,
  SUITE_CREDENTIALS,
  SUITE_DATE,
  SUITE_REGION,
  SUITE_SERVICE,
  SUITE_SESSION_TOKEN,
  type SigV4SuiteVector,
} from '../fixtures/sigv4/awsSigV4TestSuite.ts';

/** The request as the simulator hands it to the verifier: lower-case names, repeats as arrays. */
function received(vector: SigV4SuiteVector, extra: Record<string, string> = {}): SigV4Request {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of [...vector.headers, ...Object.entries(extra)]) {
    const key = name.toLowerCase();
    const existing = headers[key];
    headers[key] = existing === undefined ? value : [...(typeof existing === 'string' ? [existing] : existing), value];
  }
  return { method: vector.method, url: vector.target, headers, body: vector.body };
}

function usesSessionToken(vector: SigV4SuiteVector): boolean {
  return vector.headers.some(([name]) => name.toLowerCase() === 'x-amz-security-token');
}

function options(vector: SigV4SuiteVector, overrides: Partial<VerifySigV4Options> = {}): VerifySigV4Options {
  const credential: SigV4Credential = {
    ...SUITE_CREDENTIALS,
    ...(usesSessionToken(vector) ? { sessionToken: SUITE_SESSION_TOKEN } : {}),
  };
  return {
    credentials: (id) => (id === credential.accessKeyId ? credential : undefined),
    service: SUITE_SERVICE,
    region: SUITE_REGION,
    now: SUITE_DATE,
    ...overrides,
  };
}

function flipLastHex(signature: string): string {
  return signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
}

/** Splits a raw query the way an HTTP client's caller would hold it: decoded, one value per key. */
function decodedQuery(target: string): Record<string, string> | undefined {
  const q = target.indexOf('?');
  const query: Record<string, string> = {};
  if (q === -1) return query;
  for (const part of target.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    if (key in query) return undefined; // repeated keys: not expressible as a record
    query[key] = eq === -1 ? '' : part.slice(eq + 1);
  }
  return query;
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

describe('verifySigV4 against the AWS SigV4 test suite', () => {
  it('uses every vector of the suite but one', () => {
    expect(SIGV4_SUITE_VECTORS).toHaveLength(32);
  });

  describe.each(SIGV4_SUITE_VECTORS)('$name', (vector) => {
    const auth = parseAuthorization(vector.authz);
    if (typeof auth === 'string') throw new Error(auth);

    it('computes the published canonical request, string to sign and signature', () => {
      const amzDate = requestAmzDate(received(vector).headers);
      expect(amzDate).toBe('20150830T123600Z');
      const parts = computeSigV4Parts(received(vector), auth, SUITE_CREDENTIALS.secretAccessKey, amzDate!);
      expect(parts.canonicalRequest).toBe(vector.creq);
      expect(parts.stringToSign).toBe(vector.sts);
      expect(parts.signature).toBe(auth.signature);
    });

    it('accepts the published signed request', () => {
      expect(verifySigV4(received(vector, { authorization: vector.authz }), options(vector))).toEqual({
        ok: true,
        accessKeyId: 'AKIDEXAMPLE',
      });
    });

    it('rejects it with one character of the signature changed', () => {
      const tampered = vector.authz.replace(auth.signature, flipLastHex(auth.signature));
      const verdict = verifySigV4(received(vector, { authorization: tampered }), options(vector));
      expect(verdict).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
      expect(verdict.ok === false && verdict.message).toMatch(/does not match the signature you provided/);
    });

    it('rejects it with one byte of the body changed', () => {
      const body = vector.body === '' ? 'x' : `${vector.body.slice(0, -1)}2`;
      const request = { ...received(vector, { authorization: vector.authz }), body };
      expect(verifySigV4(request, options(vector))).toMatchObject({
        ok: false,
        errorType: 'InvalidSignatureException',
      });
    });

    const query = decodedQuery(vector.target);
    // get-vanilla-query-order-key and -order-value repeat a query key; our client's signing input
    // holds one value per key, so it cannot produce those requests.
    if (query !== undefined)
      it('verifies the same request signed by our client signer', async () => {
        const signer = createSigner({
          service: SUITE_SERVICE,
          region: SUITE_REGION,
          credentials: {
            ...SUITE_CREDENTIALS,
            ...(usesSessionToken(vector) ? { sessionToken: SUITE_SESSION_TOKEN } : {}),
          },
        });
        const q = vector.target.indexOf('?');
        const path = q === -1 ? vector.target : vector.target.slice(0, q);
        const headers: Record<string, string> = {};
        for (const [name, value] of vector.headers) {
          const key = name.toLowerCase();
          if (key === 'host' || key === 'x-amz-date' || key === 'x-amz-security-token') continue;
          headers[key] = headers[key] === undefined ? value.trim() : `${headers[key]},${value.trim()}`;
        }
        const signed = await signer.sign(
          {
            method: vector.method,
            protocol: 'https:',
            hostname: 'example.amazonaws.com',
            path,
            query: query!,
            headers,
            ...(vector.body ? { body: vector.body } : {}),
          },
          SUITE_DATE,
        );
        const wireQuery = Object.entries(query!)
          .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
          .join('&');
        const request: SigV4Request = {
          method: vector.method,
          url: wireQuery ? `${path}?${wireQuery}` : path,
          headers: signed,
          body: vector.body,
        };
        expect(verifySigV4(request, options(vector))).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
      });
  });
});

describe('verifySigV4 rejections', () => {
  const credentials = [
    { accessKeyId: 'AKIDPERMANENT', secretAccessKey: 'permanent-secret' },
    { accessKeyId: 'ASIATEMPORARY', secretAccessKey: 'temporary-secret', sessionToken: 'session-token-1' },
  ];
  const now = new Date('2026-03-01T10:00:00Z');
  const lookup = (id: string) => credentials.find((c) => c.accessKeyId === id);
  const verifyOptions: VerifySigV4Options = { credentials: lookup, service: 'appfabric', region: 'us-east-1', now };

  async function signed(
    init: {
      credential?: (typeof credentials)[number];
      service?: string;
      region?: string;
      date?: Date;
      body?: string;
      path?: string;
    } = {},
  ): Promise<SigV4Request> {
    const credential = init.credential ?? credentials[0]!;
    const signer = createSigner({
      service: init.service ?? 'appfabric',
      region: init.region ?? 'us-east-1',
      credentials: credential,
    });
    const path = init.path ?? '/appbundles/4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01';
    const body = init.body;
    const headers = await signer.sign(
      {
        method: body === undefined ? 'GET' : 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 4566,
        path,
        query: {},
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body,
      },
      init.date ?? now,
    );
    return { method: body === undefined ? 'GET' : 'POST', url: path, headers, body: body ?? '' };
  }

  function expectRejection(request: SigV4Request, errorType: string, message: RegExp, overrides = {}) {
    const verdict = verifySigV4(request, { ...verifyOptions, ...overrides });
    expect(verdict).toMatchObject({ ok: false, errorType });
    expect(verdict.ok === false && verdict.message).toMatch(message);
  }

  it('accepts a request signed by our client signer, permanent or temporary credentials', async () => {
    expect(verifySigV4(await signed(), verifyOptions)).toEqual({ ok: true, accessKeyId: 'AKIDPERMANENT' });
    const temporary = await signed({ credential: credentials[1]!, body: '{"authRequest":{}}' });
    expect(verifySigV4(temporary, verifyOptions)).toEqual({ ok: true, accessKeyId: 'ASIATEMPORARY' });
  });

  it('answers MissingAuthenticationTokenException without an Authorization header', async () => {
    const { authorization: _a, ...headers } = (await signed()).headers as Record<string, string>;
    expectRejection(
      { method: 'GET', url: '/', headers },
      'MissingAuthenticationTokenException',
      /Missing Authentication Token/,
    );
  });

  it('answers InvalidSignatureException for a malformed Authorization header', async () => {
    const request = await signed();
    const bad = (authorization: string) => ({ ...request, headers: { ...request.headers, authorization } });
    expectRejection(bad('Bearer abc'), 'InvalidSignatureException', /AWS4-HMAC-SHA256/);
    expectRejection(
      bad('AWS4-HMAC-SHA256 Credential=AKIDPERMANENT/20260301/us-east-1/appfabric/aws4_request'),
      'InvalidSignatureException',
      /'SignedHeaders' parameter.*'Signature' parameter/,
    );
    expectRejection(
      bad(
        'AWS4-HMAC-SHA256 Credential=AKIDPERMANENT/20260301/appfabric, SignedHeaders=host, Signature=' + 'a'.repeat(64),
      ),
      'InvalidSignatureException',
      /5 slash-delimited/,
    );
  });

  it('answers UnrecognizedClientException for an unknown access key', async () => {
    expectRejection(
      await signed({ credential: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } }),
      'UnrecognizedClientException',
      /security token included in the request is invalid/,
    );
  });

  it('answers UnrecognizedClientException when a session credential lacks or misstates its token', async () => {
    const request = await signed({ credential: credentials[1]! });
    const { 'x-amz-security-token': _t, ...without } = request.headers as Record<string, string>;
    expectRejection({ ...request, headers: without }, 'UnrecognizedClientException', /security token/);
    const wrong = { ...request, headers: { ...request.headers, 'x-amz-security-token': 'session-token-2' } };
    expectRejection(wrong, 'UnrecognizedClientException', /security token/);
  });

  it('answers InvalidSignatureException for the wrong secret, service or region', async () => {
    const wrongSecret = { accessKeyId: 'AKIDPERMANENT', secretAccessKey: 'not-the-secret' };
    expectRejection(await signed({ credential: wrongSecret }), 'InvalidSignatureException', /does not match/);
    expectRejection(
      await signed({ service: 'iotmanagedintegrations' }),
      'InvalidSignatureException',
      /scoped to correct service: 'appfabric'/,
    );
    expectRejection(
      await signed({ region: 'eu-west-1' }),
      'InvalidSignatureException',
      /valid region, not 'eu-west-1'/,
    );
  });

  it('answers "Signature expired" beyond five minutes either way, and accepts within', async () => {
    const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
    expectRejection(
      await signed({ date: minutes(-10) }),
      'InvalidSignatureException',
      /^Signature expired: 20260301T095000Z is now earlier than 20260301T095500Z \(20260301T100000Z - 5 min\.\)$/,
    );
    expectRejection(
      await signed({ date: minutes(10) }),
      'InvalidSignatureException',
      /^Signature expired: 20260301T101000Z is now later than/,
    );
    expect(verifySigV4(await signed({ date: minutes(-4) }), verifyOptions).ok).toBe(true);
    expect(verifySigV4(await signed({ date: minutes(4) }), verifyOptions).ok).toBe(true);
  });

  it('answers InvalidSignatureException when the credential date is not the x-amz-date day', async () => {
    const request = await signed();
    const authorization = String(request.headers.authorization).replace('/20260301/', '/20260228/');
    expectRejection(
      { ...request, headers: { ...request.headers, authorization } },
      'InvalidSignatureException',
      /Date in Credential scope does not match/,
    );
  });

  it('answers InvalidSignatureException when host is not signed or a signed header is absent', async () => {
    const request = await signed();
    const unsignedHost = String(request.headers.authorization).replace('SignedHeaders=host;', 'SignedHeaders=');
    expectRejection(
      { ...request, headers: { ...request.headers, authorization: unsignedHost } },
      'InvalidSignatureException',
      /'Host' or ':authority' must be a 'SignedHeader'/,
    );
    const { 'x-amz-content-sha256': _h, ...headers } = request.headers as Record<string, string>;
    expectRejection(
      { ...request, headers },
      'InvalidSignatureException',
      /Signed header 'x-amz-content-sha256' is not present/,
    );
  });

  it('answers InvalidSignatureException when x-amz-content-sha256 does not match the body', async () => {
    const request = await signed({ body: '{"a":1}' });
    expectRejection(
      { ...request, body: '{"a":2}' },
      'InvalidSignatureException',
      /'x-amz-content-sha256' header does not match/,
    );
  });

  it('answers InvalidSignatureException when the request moved to another host', async () => {
    const request = await signed();
    expectRejection(
      { ...request, headers: { ...request.headers, host: '127.0.0.1:4567' } },
      'InvalidSignatureException',
      /does not match/,
    );
  });

  it('takes the time from a Date header when there is no x-amz-date', () => {
    const headers = { host: 'example.amazonaws.com', date: 'Sun, 30 Aug 2015 12:36:00 GMT' };
    const auth = { date: '20150830', region: 'us-east-1', service: 'service', signedHeaders: ['date', 'host'] };
    const request: SigV4Request = { method: 'GET', url: '/', headers, body: '' };
    const amzDate = requestAmzDate(headers)!;
    expect(amzDate).toBe('20150830T123600Z');
    const { signature } = computeSigV4Parts(request, auth, SUITE_CREDENTIALS.secretAccessKey, amzDate);
    const authorization = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=date;host, Signature=${signature}`;
    const verdict = verifySigV4(
      { ...request, headers: { ...headers, authorization } },
      { credentials: () => ({ ...SUITE_CREDENTIALS }), service: 'service', region: 'us-east-1', now: SUITE_DATE },
    );
    expect(verdict).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
  });
});

describe('canonical forms', () => {
  it('encodes an already-encoded path label once more (non-S3 double encoding)', () => {
    const arn = encodeURIComponent('arn:aws:appfabric:us-east-1:111122223333:appbundle/4f0b8a6e');
    expect(canonicalUri(`/appbundles/${arn}`)).toBe(
      '/appbundles/arn%253Aaws%253Aappfabric%253Aus-east-1%253A111122223333%253Aappbundle%252F4f0b8a6e',
    );
  });

  it('verifies an ARN path label signed by our client signer', async () => {
    const path = `/appbundles/${encodeURIComponent('arn:aws:appfabric:us-east-1:111122223333:appbundle/4f0b8a6e')}/appauthorizations`;
    const credential = { accessKeyId: 'AKIDPERMANENT', secretAccessKey: 'permanent-secret' };
    const now = new Date('2026-03-01T10:00:00Z');
    const headers = await createSigner({ service: 'appfabric', region: 'us-east-1', credentials: credential }).sign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 4566,
        path,
        query: { maxResults: '2', nextToken: 'a=b+c' },
        headers: {},
      },
      now,
    );
    const request = { method: 'GET', url: `${path}?maxResults=2&nextToken=a%3Db%2Bc`, headers, body: '' };
    expect(
      verifySigV4(request, { credentials: () => credential, service: 'appfabric', region: 'us-east-1', now }).ok,
    ).toBe(true);
  });

  it('sorts query parameters by encoded key, then value, and keeps `+` literal', () => {
    expect(canonicalQueryString('b=2&a=z&a=y&c&d=%2b+')).toBe('a=y&a=z&b=2&c=&d=%2B%2B');
  });

  it('formats the request time in ISO 8601 basic format', () => {
    expect(formatAmzDate(new Date('2015-08-30T12:36:00.123Z'))).toBe('20150830T123600Z');
  });
});
