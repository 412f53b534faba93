/**
 * Mappings against the documented wire shapes (aws-api.md §1.4/§2.4, conductorone-api.md §2),
 * with their exact member casing.
 */
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { inputPathFromAppFabricField, toAppAuthorization, toAppAuthorizationSummary } from '../appFabric/mapping.ts';
import { refFromAppAuthorizationArn } from '../appFabric/port.ts';
import { toConductorOneApp, toConductorOneConnector, toConnectorCredential } from '../conductorOne/mapping.ts';
import { deriveCredentialStatus } from '../conductorOne/port.ts';
import {
  toCloudConnector,
  toConnectorDestination,
  toConnectorDestinationSummary,
} from '../iotManagedIntegrations/mapping.ts';
import { formatDateTime, isCanonicalDateTime, normalizeDateTime } from '../../dateTime.ts';
import { optionalDateTime, optionalInteger, UpstreamDataError } from '../mappingHelpers.ts';
import { GraphQLError } from 'graphql';

/** The adapter's part, as a test sees it: a member that cannot be mapped becomes its field's failure. */
const unusable = (error: UpstreamDataError) => new GraphQLError(`unusable: ${error.message}`);

describe('IoT Managed Integrations', () => {
  it('maps a GetConnectorDestination response, mixed PascalCase and camelCase', () => {
    const wire = JSON.parse(`{
      "Name": "Hue EU", "Description": "d", "CloudConnectorId": "cc-1", "Id": "dest-1", "AuthType": "OAUTH",
      "AuthConfig": {
        "oAuth": { "authUrl": "https://a", "tokenUrl": "https://t", "scope": "s",
          "tokenEndpointAuthenticationScheme": "HTTP_BASIC", "oAuthCompleteRedirectUrl": "https://inner",
          "proactiveRefreshTokenRenewal": { "enabled": true, "DaysBeforeRenewal": 30 } },
        "GeneralAuthorization": [ { "AuthMaterialName": "k", "SecretsManager": { "arn": "arn:aws:secretsmanager:r:1:secret:x", "versionId": "v" } } ]
      },
      "SecretsManager": { "arn": "arn:aws:secretsmanager:r:1:secret:y", "versionId": "w" },
      "OAuthCompleteRedirectUrl": "https://outer"
    }`);
    expect(toConnectorDestination(wire, 'dest-1', unusable)).toEqual({
      id: 'dest-1',
      name: 'Hue EU',
      description: 'd',
      cloudConnectorId: 'cc-1',
      detail: {
        authType: 'OAUTH',
        authConfig: {
          oAuth: {
            authUrl: 'https://a',
            tokenUrl: 'https://t',
            scope: 's',
            tokenEndpointAuthenticationScheme: 'HTTP_BASIC',
            oAuthCompleteRedirectUrl: 'https://inner',
            proactiveRefreshTokenRenewal: { enabled: true, daysBeforeRenewal: 30 },
          },
          generalAuthorization: [
            { authMaterialName: 'k', secretsManager: { arn: 'arn:aws:secretsmanager:r:1:secret:x', versionId: 'v' } },
          ],
        },
        secretsManager: { arn: 'arn:aws:secretsmanager:r:1:secret:y', versionId: 'w' },
        oAuthCompleteRedirectUrl: 'https://outer',
      },
    });
  });

  it('treats an absent GeneralAuthorization as empty and absent members as null', () => {
    const model = toConnectorDestination({ Id: 'd', AuthConfig: {} }, 'd', unusable);
    expect(model).toEqual({
      id: 'd',
      name: null,
      description: null,
      cloudConnectorId: null,
      detail: {
        authType: null,
        authConfig: { oAuth: null, generalAuthorization: [] },
        secretsManager: null,
        oAuthCompleteRedirectUrl: null,
      },
    });
  });

  it('uses the requested id when the response omits Id', () => {
    expect(toConnectorDestination({}, 'requested', unusable).id).toBe('requested');
  });

  it('maps a list summary with detail null', () => {
    expect(toConnectorDestinationSummary({ Id: 'd', Name: 'n', CloudConnectorId: 'c' })).toEqual({
      id: 'd',
      name: 'n',
      description: null,
      cloudConnectorId: 'c',
      detail: null,
    });
  });

  it('fails only the member that cannot be mapped: an oAuth config without its required members, or with an unknown scheme', () => {
    const failureOf = (value: unknown) => (value instanceof GraphQLError ? value.message : value);
    const missing = toConnectorDestination(
      { Id: 'd', Name: 'n', AuthConfig: { oAuth: { authUrl: 'https://a' } as never } },
      'd',
      unusable,
    );
    expect(missing.name).toBe('n');
    const config = missing.detail!.authConfig as { oAuth: unknown; generalAuthorization: unknown };
    expect(failureOf(config.oAuth)).toBe('unusable: oAuth.tokenUrl is missing');
    expect(config.generalAuthorization).toEqual([]);
    const scheme = toConnectorDestination(
      { Id: 'd', AuthConfig: { oAuth: { authUrl: 'a', tokenUrl: 't', tokenEndpointAuthenticationScheme: 'MTLS' } } },
      'd',
      unusable,
    );
    expect(failureOf((scheme.detail!.authConfig as { oAuth: unknown }).oAuth)).toMatch(/unrecognised/);
    // A general authorization without its name fails the whole authConfig (its list is non-null),
    // and a top-level secret reference without a version fails secretsManager: each alone.
    const general = toConnectorDestination(
      {
        Id: 'd',
        AuthConfig: { GeneralAuthorization: [{ SecretsManager: { arn: 'a', versionId: 'v' } }] as never },
        SecretsManager: { arn: 'arn:x' } as never,
        OAuthCompleteRedirectUrl: 'https://outer',
      },
      'd',
      unusable,
    );
    expect(failureOf(general.detail!.authConfig)).toBe('unusable: GeneralAuthorization[0].AuthMaterialName is missing');
    expect(failureOf(general.detail!.secretsManager)).toBe('unusable: SecretsManager.versionId is missing');
    expect(general.detail!.oAuthCompleteRedirectUrl).toBe('https://outer');
    // The destination itself still needs its id.
    expect(() => toConnectorDestination({ Id: '' }, '', unusable)).toThrow(UpstreamDataError);
  });

  it('maps a cloud connector, lambdaArn from EndpointConfig.lambda.arn, unknown enums to null', () => {
    expect(
      toCloudConnector({
        Id: 'c',
        Name: 'N',
        EndpointConfig: { lambda: { arn: 'arn:aws:lambda:r:1:function:f' } },
        EndpointType: 'LAMBDA',
        Type: 'FUTURE',
      }),
    ).toEqual({
      id: 'c',
      name: 'N',
      description: null,
      type: null,
      endpointType: 'LAMBDA',
      lambdaArn: 'arn:aws:lambda:r:1:function:f',
    });
  });
});

describe('AppFabric', () => {
  const summary = {
    appAuthorizationArn: 'arn:aws:appfabric:us-east-1:111122223333:appbundle/b/appauthorization/a',
    appBundleArn: 'arn:aws:appfabric:us-east-1:111122223333:appbundle/b',
    app: 'SLACK',
    tenant: { tenantIdentifier: 'T1', tenantDisplayName: 'Tenant' },
    status: 'PendingConnect',
    updatedAt: new Date('2023-06-20T12:34:56.789Z'),
  };

  it.each([
    ['PendingConnect', 'PENDING_CONNECT'],
    ['Connected', 'CONNECTED'],
    ['ConnectionValidationFailed', 'CONNECTION_VALIDATION_FAILED'],
    ['TokenAutoRotationFailed', 'TOKEN_AUTO_ROTATION_FAILED'],
  ])('maps status %s to %s', (wire, mapped) => {
    expect(toAppAuthorizationSummary({ ...summary, status: wire }).status).toBe(mapped);
  });

  it('refuses an unknown status (non-null in the schema)', () => {
    expect(() => toAppAuthorizationSummary({ ...summary, status: 'Paused' })).toThrow(UpstreamDataError);
  });

  it('maps authType and persona, and normalizes timestamps with offsets to UTC', () => {
    const model = toAppAuthorization({
      ...summary,
      authType: 'apiKey',
      persona: 'endUser',
      createdAt: new Date('2023-06-20T14:00:00+02:00'),
      authUrl: 'https://auth',
    });
    expect(model.detail).toEqual({
      authType: 'API_KEY',
      persona: 'END_USER',
      authUrl: 'https://auth',
      createdAt: '2023-06-20T12:00:00Z',
    });
    expect(model.updatedAt).toBe('2023-06-20T12:34:56.789Z');
    expect(
      toAppAuthorization({ ...summary, authType: 'oauth2', persona: 'admin', createdAt: undefined }).detail,
    ).toMatchObject({
      authType: 'OAUTH2',
      persona: 'ADMIN',
      createdAt: null,
    });
  });

  it('derives both path identifiers from an app authorization ARN', () => {
    expect(refFromAppAuthorizationArn(summary.appAuthorizationArn)).toEqual({
      appBundleIdentifier: summary.appBundleArn,
      appAuthorizationIdentifier: summary.appAuthorizationArn,
    });
    expect(
      refFromAppAuthorizationArn('arn:aws-cn:appfabric:cn-north-1:1:appbundle/x/appauthorization/y'),
    ).not.toBeNull();
    for (const bad of ['arn:aws:appfabric:r:1:appbundle/x', 'arn:aws:s3:::b/appauthorization/y', 'not-an-arn']) {
      expect(refFromAppAuthorizationArn(bad)).toBeNull();
    }
  });

  it.each([
    ['authRequest.code', ['input', 'authRequest', 'code']],
    ['code', ['input', 'authRequest', 'code']],
    ['redirectUri', ['input', 'authRequest', 'redirectUri']],
    ['authRequest', ['input', 'authRequest']],
    ['appAuthorizationIdentifier', ['input', 'appAuthorizationIdentifier']],
    ['somethingElse', ['input']],
    [undefined, ['input']],
  ])('maps fieldList name %j to %j', (name, path) => {
    expect(inputPathFromAppFabricField(name)).toEqual(path);
  });
});

describe('ConductorOne', () => {
  const key = { appId: 'app1', connectorId: 'conn1', id: 'cred1' };
  /** The members found unusable, each failing its own field. */
  const unusableMembers: string[] = [];
  const unusable = (error: UpstreamDataError) => {
    unusableMembers.push(error.message);
    return new GraphQLError(`unusable: ${error.message}`);
  };

  it('maps a credential, drops clientSecret and unknown fields, and treats "" and null as absent', () => {
    const wire = JSON.parse(`{
      "id": "cred1", "appId": "app1", "connectorId": "conn1", "clientId": "x@t.conductor.one/ccc",
      "clientSecret": "secret-token:conductorone.com:v1:PLANTED", "displayName": "",
      "createdAt": "2026-01-02T03:04:05.000Z", "updatedAt": null, "deletedAt": "",
      "expiresTime": "2026-03-01T00:00:00+01:00", "surprise": "dropped"
    }`);
    const model = toConnectorCredential(wire, key, unusable);
    expect(model).toEqual({
      ...key,
      clientId: 'x@t.conductor.one/ccc',
      displayName: null,
      createdAt: '2026-01-02T03:04:05Z',
      updatedAt: null,
      deletedAt: null,
      expiresTime: '2026-02-28T23:00:00Z',
      lastUsedAt: null,
    });
    expect(JSON.stringify(model)).not.toContain('PLANTED');
    expect(Object.keys(model)).not.toContain('clientSecret');
  });

  it('fills absent key members from the request and refuses contradicting ones', () => {
    expect(toConnectorCredential({}, key, unusable)).toMatchObject(key);
    expect(() => toConnectorCredential({ id: 'other' }, key, unusable)).toThrow(UpstreamDataError);
  });

  it('fails only the timestamp that is not one, and still derives the status it can', () => {
    unusableMembers.length = 0;
    const model = toConnectorCredential(
      { ...key, displayName: 'kept', createdAt: 'yesterday', deletedAt: '2026-13-45', expiresTime: 'soon' },
      key,
      unusable,
    );
    expect(model.displayName).toBe('kept');
    expect(model.createdAt).toBeInstanceOf(GraphQLError);
    expect(model.updatedAt).toBeNull();
    expect(unusableMembers).toEqual([
      'createdAt is not a timestamp',
      'deletedAt is not a timestamp',
      'expiresTime is not a timestamp',
    ]);
    // deletedAt is set, if unreadable: REVOKED whatever expiresTime says.
    expect(deriveCredentialStatus(model, new Date())).toBe('REVOKED');
    // Not revoked, with an unreadable expiry: the status cannot be told, and expiresTime's failure says why.
    expect(() => deriveCredentialStatus({ ...model, deletedAt: null }, new Date())).toThrow('unusable: expiresTime');
  });

  it('derives REVOKED, then EXPIRED, then ACTIVE', () => {
    const now = new Date('2026-11-22T00:00:00Z');
    expect(
      deriveCredentialStatus({ deletedAt: '2026-01-01T00:00:00Z', expiresTime: '2025-01-01T00:00:00Z' }, now),
    ).toBe('REVOKED');
    expect(deriveCredentialStatus({ deletedAt: null, expiresTime: '2026-11-21T23:59:59Z' }, now)).toBe('EXPIRED');
    expect(deriveCredentialStatus({ deletedAt: null, expiresTime: '2026-11-22T00:00:00Z' }, now)).toBe('EXPIRED');
    expect(deriveCredentialStatus({ deletedAt: null, expiresTime: '2026-11-22T00:00:01Z' }, now)).toBe('ACTIVE');
    expect(deriveCredentialStatus({ deletedAt: null, expiresTime: null }, now)).toBe('ACTIVE');
  });

  it.each([
    ['SYNC_STATUS_UNSPECIFIED', 'UNSPECIFIED'],
    ['SYNC_STATUS_RUNNING', 'RUNNING'],
    ['SYNC_STATUS_DONE', 'DONE'],
    ['SYNC_STATUS_ERROR', 'ERROR'],
    ['SYNC_STATUS_DISABLED', 'DISABLED'],
    ['SYNC_STATUS_FROM_THE_FUTURE', null],
    [null, null],
  ])('maps connector sync status %j to %j', (wire, mapped) => {
    const model = toConductorOneConnector(
      { id: 'c', appId: 'a', status: { status: wire, lastError: '', completedAt: null } },
      { appId: 'a', id: 'c' },
      unusable,
    );
    expect(model.syncStatus).toBe(mapped);
    expect(model.syncLastError).toBeNull();
  });

  it('maps an app and skips one without an id', () => {
    expect(
      toConductorOneApp({ id: 'a', displayName: 'A', description: '', iconUrl: 'https://i', userCount: '12' } as never),
    ).toEqual({
      id: 'a',
      displayName: 'A',
      description: null,
      iconUrl: 'https://i',
    });
    expect(toConductorOneApp({ displayName: 'no id' })).toBeNull();
  });
});

describe('optionalDateTime', () => {
  it.each([
    ['2026-11-22T05:31:56Z', '2026-11-22T05:31:56Z'],
    ['2026-11-22T05:31:56.120Z', '2026-11-22T05:31:56.120Z'],
    ['2026-11-22T07:31:56+02:00', '2026-11-22T05:31:56Z'],
    [1_700_000_000, '2023-11-14T22:13:20Z'],
  ])('normalizes %j', (input, output) => {
    expect(optionalDateTime(input, 't')).toBe(output);
  });

  it('refuses what is not a timestamp, or names no real instant', () => {
    for (const bad of ['yesterday', '2026-13-45T99:00:00Z', '2026-11-22', true, '2026-02-30T00:00:00Z', NaN]) {
      expect(() => optionalDateTime(bad, 't')).toThrow(UpstreamDataError);
    }
  });
});

/** What formatDateTime wrote before it did the arithmetic itself: toISOString without `.000`. */
const viaIso = (time: number) => {
  const iso = new Date(time).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
};
const MAX_TIME = 8.64e15;

describe('formatDateTime', () => {
  it('writes what toISOString writes, without zero milliseconds, for every instant a Date holds', () => {
    const edges = [0, -1, 1, 951_782_400_000, 4_107_542_400_000, -62_167_219_200_000, -62_167_219_200_001];
    for (const time of [...edges, 253_402_300_799_999, 253_402_300_800_000, MAX_TIME, -MAX_TIME]) {
      expect(formatDateTime(new Date(time))).toBe(viaIso(time));
    }
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
          fc.integer({ min: -MAX_TIME, max: MAX_TIME }),
          fc.integer({ min: 0, max: 4_102_444_800 }).map((s) => s * 1000),
        ),
        (time) => {
          expect(formatDateTime(new Date(time))).toBe(viaIso(time));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('throws a RangeError for an invalid Date, as toISOString does', () => {
    expect(() => formatDateTime(new Date(NaN))).toThrow(RangeError);
  });

  it('writes one flat string per timestamp, not a tree of concatenations', () => {
    // A flat 20- or 24-character string takes 40 bytes on V8's heap (measured here: 39 per
    // timestamp); built by a template literal of its dozen parts, the same text kept 300 bytes alive
    // in ConsStrings and their pieces.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const count = 100_000;
    const kept: string[] = new Array<string>(count).fill('');
    gc();
    const before = process.memoryUsage().heapUsed;
    // Every other one with milliseconds.
    const time = (i: number) => 1_764_000_000_000 + i * 86_400_000 + (i % 2) * 123;
    for (let i = 0; i < count; i++) kept[i] = formatDateTime(new Date(time(i)));
    gc();
    const perTimestamp = (process.memoryUsage().heapUsed - before) / count;
    // Read after the measurement, so that the array is alive at the second collection.
    for (const i of [0, 1, count - 1]) expect(kept[i]).toBe(viaIso(time(i)));
    expect(perTimestamp).toBeLessThan(100);
  });
});

describe('normalizeDateTime and isCanonicalDateTime', () => {
  it('passes the canonical form through and recognises every instant formatDateTime writes in years 0000-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (time) => {
        const text = formatDateTime(new Date(time));
        expect(isCanonicalDateTime(text)).toBe(true);
        expect(normalizeDateTime(text)).toBe(text);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['2026-11-22T05:31:56.000Z', '2026-11-22T05:31:56Z'],
    ['2026-11-22t05:31:56z', '2026-11-22T05:31:56Z'],
    ['2026-11-22 05:31:56Z', '2026-11-22T05:31:56Z'],
    ['2026-11-22T05:31:56.1Z', '2026-11-22T05:31:56.100Z'],
    ['2026-11-22T05:31:56.123456789Z', '2026-11-22T05:31:56.123Z'],
    ['2026-11-22T07:31:56+02:00', '2026-11-22T05:31:56Z'],
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00Z'],
    ['0010-01-01 00:00:00Z', '0010-01-01T00:00:00Z'],
    ['0000-01-01T00:30:00+01:00', '-000001-12-31T23:30:00Z'],
    ['9999-12-31T23:30:00-01:00', '+010000-01-01T00:30:00Z'],
  ])('normalises %j, which is not canonical', (input, output) => {
    expect(isCanonicalDateTime(input)).toBe(false);
    expect(normalizeDateTime(input)).toBe(output);
  });

  it('reads any RFC 3339 date-time as the regular expression and Date it replaced did', () => {
    // The reading before it: the grammar as a regular expression, the calendar fields checked
    // (Date would roll 30 February over), the offset's range checked, then Date.
    const grammar = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
    const reference = (value: string): string | null => {
      const match = grammar.exec(value);
      if (match === null) return null;
      const [year, month, day, hour, minute, second] = [0, 5, 8, 11, 14, 17].map((at) =>
        Number(value.slice(at, at === 0 ? 4 : at + 2)),
      ) as [number, number, number, number, number, number];
      const calendar = new Date(0);
      calendar.setUTCFullYear(year, month - 1, day);
      if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return null;
      if (hour > 23 || minute > 59 || second > 59) return null;
      const offset = match[2]!;
      if (offset.length === 6 && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4)) > 59)) return null;
      // With a space, Date takes its legacy parser, which reads years 0000-0099 as 1950-2049:
      // the one way the reading before it was wrong (see the case below).
      const date = new Date(`${value.slice(0, 10)}T${value.slice(11)}`);
      return Number.isNaN(date.getTime()) ? null : formatDateTime(date);
    };
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const dateTime = fc
      .record({
        year: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        month: two(13),
        day: two(32),
        separator: fc.constantFrom('T', 't', ' ', 'X'),
        hour: two(25),
        minute: two(61),
        second: two(61),
        fraction: fc.oneof(fc.constant(''), fc.constant('.'), fc.stringMatching(/^\.\d{1,11}$/)),
        zone: fc.oneof(
          fc.constantFrom('Z', 'z', '', 'ZZ', '+0100', '+01:0'),
          fc.tuple(fc.constantFrom('+', '-'), two(25), two(61)).map(([sign, h, m]) => `${sign}${h}:${m}`),
        ),
      })
      .map((t) => `${t.year}-${t.month}-${t.day}${t.separator}${t.hour}:${t.minute}:${t.second}${t.fraction}${t.zone}`);
    fc.assert(
      fc.property(dateTime, (value) => {
        expect(normalizeDateTime(value)).toBe(reference(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('knows leap days', () => {
    for (const leap of ['2024-02-29T12:00:00Z', '2000-02-29T12:00:00Z', '0000-02-29T00:00:00Z']) {
      expect(isCanonicalDateTime(leap)).toBe(true);
      expect(normalizeDateTime(leap)).toBe(leap);
    }
  });

  it.each([
    '2026-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-01-00T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T23:60:00Z',
    '2026-01-01T23:59:60Z',
    '2026-01-01T00:00:00+24:00',
    '2026-01-01T00:00:00+01:60',
    '2026-01-01T00:00:00.Z',
    '2026-01-01T00:00:00',
    '2026-01-01X00:00:00Z',
    '+02026-01-01T00:00:00Z',
    '２０２６-01-01T00:00:00Z',
    '',
  ])('refuses %j', (input) => {
    expect(isCanonicalDateTime(input)).toBe(false);
    expect(normalizeDateTime(input)).toBeNull();
  });
});

describe('optionalInteger', () => {
  it("keeps whole numbers within GraphQL's Int (32 bits), as numbers or strings, and nothing else", () => {
    expect([0, 45, -3, 2 ** 31 - 1, -(2 ** 31), '60', '-7'].map(optionalInteger)).toEqual([
      0,
      45,
      -3,
      2 ** 31 - 1,
      -(2 ** 31),
      60,
      -7,
    ]);
    expect(
      [2 ** 31, -(2 ** 31) - 1, '2147483648', 1.5, '1.5', 'x', null, undefined, true, NaN].map(optionalInteger),
    ).toEqual(Array(10).fill(null));
  });
});
