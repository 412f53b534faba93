/**
 * Demo data for the embedded sandbox, in each upstream's own output shapes, so that the sandbox
 * runs the same mapping code as the real clients. Deterministic: the same `now` gives the same
 * data. Ids are listed in the README.
 */
import type { AppAuthorization } from '../adapters/appFabric/types.ts';
import type { AppWire, ConnectorCredentialWire, ConnectorWire } from '../adapters/conductorOne/types.ts';
import type { ConnectorItem, GetConnectorDestinationCommandOutput } from '../adapters/iotManagedIntegrations/types.ts';

export const SANDBOX_ACCOUNT = '111122223333';
export const SANDBOX_REGION = 'us-east-1';

export interface SandboxSeed {
  iotManagedIntegrations: {
    cloudConnectors: ConnectorItem[];
    /** Full GetConnectorDestination outputs; the list returns their summary members. */
    connectorDestinations: GetConnectorDestinationCommandOutput[];
  };
  appFabric: {
    appBundleArns: string[];
    /** Full AppAuthorization records, keyed by bundle through `appBundleArn`. */
    appAuthorizations: AppAuthorization[];
  };
  conductorOne: {
    apps: AppWire[];
    connectors: ConnectorWire[];
    /** As GetCredentials serializes them; some carry a `clientSecret`, as a fresh rotation does. */
    credentials: ConnectorCredentialWire[];
  };
}

const DAY = 86_400_000;

function iso(date: Date): string {
  return date.toISOString();
}

// ------------------------------------------------------------------ IoT Managed Integrations

const CLOUD_CONNECTORS = [
  { id: 'cc-lumen-lighting', name: 'Lumen Lighting Cloud', type: 'LISTED', vendor: 'lumen' },
  { id: 'cc-thermia-climate', name: 'Thermia Climate', type: 'LISTED', vendor: 'thermia' },
  { id: 'cc-portico-doorbells', name: 'Portico Doorbells', type: 'LISTED', vendor: 'portico' },
  { id: 'cc-aqua-leak', name: 'Aqua Leak Sensors', type: 'UNLISTED', vendor: 'aqua' },
  { id: 'cc-voltwise-energy', name: 'Voltwise Energy', type: 'LISTED', vendor: 'voltwise' },
  { id: 'cc-canopy-blinds', name: 'Canopy Blinds', type: 'UNLISTED', vendor: 'canopy' },
] as const;

const REGIONS = ['eu', 'us', 'ap', 'staging', 'dev', 'qa'] as const;

function versionId(seed: number): string {
  return `${(0x1a2b3c4d + seed * 7919).toString(16).padStart(8, '0')}-${(seed * 104729).toString(16).padStart(4, '0').slice(-4)}-4${(seed * 31).toString(16).padStart(3, '0').slice(-3)}-9${(seed * 17).toString(16).padStart(3, '0').slice(-3)}-${(seed * 2654435761).toString(16).padStart(12, '0').slice(-12)}`;
}

function secretArn(path: string, seed: number): string {
  const suffix = (seed * 48271).toString(36).padStart(6, 'x').slice(-6);
  return `arn:aws:secretsmanager:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:secret:${path}-${suffix}`;
}

function imiSeed(): SandboxSeed['iotManagedIntegrations'] {
  const cloudConnectors: ConnectorItem[] = CLOUD_CONNECTORS.map((c) => ({
    Id: c.id,
    Name: c.name,
    Description: `C2C connector for ${c.name} devices`,
    Type: c.type,
    EndpointType: 'LAMBDA',
    EndpointConfig: {
      lambda: { arn: `arn:aws:lambda:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:function:${c.vendor}-c2c-connector:live` },
    },
  }));

  const connectorDestinations: GetConnectorDestinationCommandOutput[] = [];
  let n = 0;
  for (const c of CLOUD_CONNECTORS) {
    for (const region of REGIONS) {
      n += 1;
      const id = `dest-${c.vendor}-${region}`;
      const materials = n % 3; // 0, 1 or 2 general authorization materials
      connectorDestinations.push({
        Id: id,
        Name: `${c.name} ${region.toUpperCase()}`,
        Description: `OAuth destination for ${c.name} accounts in ${region}`,
        CloudConnectorId: c.id,
        AuthType: 'OAUTH',
        AuthConfig: {
          oAuth: {
            authUrl: `https://auth.${c.vendor}.example.com/${region}/oauth2/authorize`,
            tokenUrl: `https://auth.${c.vendor}.example.com/${region}/oauth2/token`,
            scope: n % 4 === 0 ? undefined : 'devices:read devices:control offline_access',
            tokenEndpointAuthenticationScheme: n % 2 === 0 ? 'HTTP_BASIC' : 'REQUEST_BODY_CREDENTIALS',
            oAuthCompleteRedirectUrl: `https://app.example.com/connect/${c.vendor}/done`,
            proactiveRefreshTokenRenewal:
              n % 5 === 0 ? undefined : { enabled: n % 2 === 1, DaysBeforeRenewal: 30 + (n % 4) * 15 },
          },
          GeneralAuthorization: Array.from({ length: materials }, (_, i) => ({
            AuthMaterialName: i === 0 ? 'api-signing-key' : 'webhook-secret',
            SecretsManager: {
              arn: secretArn(`c2c/${c.vendor}/${region}/material-${i}`, n * 10 + i),
              versionId: versionId(n * 10 + i),
            },
          })),
        },
        SecretsManager: { arn: secretArn(`c2c/${c.vendor}/${region}/client`, n), versionId: versionId(n) },
        OAuthCompleteRedirectUrl: `https://app.example.com/connect/${c.vendor}/complete`,
      });
    }
  }
  return { cloudConnectors, connectorDestinations };
}

// ------------------------------------------------------------------ AppFabric

export const SANDBOX_APP_BUNDLES = [
  '4f0b8a6e-2c1d-4b7a-9e3f-5a6b7c8d9e01',
  '9d2c7e14-8a3b-4f60-b1c2-d3e4f5a6b7c8',
] as const;

export function appBundleArn(bundleId: string): string {
  return `arn:aws:appfabric:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:appbundle/${bundleId}`;
}

const AUTHORIZATIONS: ReadonlyArray<{
  bundle: 0 | 1;
  id: string;
  app: string;
  tenant: [string, string];
  authType: 'oauth2' | 'apiKey';
  status: 'PendingConnect' | 'Connected' | 'ConnectionValidationFailed' | 'TokenAutoRotationFailed';
  persona: 'admin' | 'endUser';
}> = [
  {
    bundle: 0,
    id: '0b3f5a7c-1d2e-4f60-8a9b-0c1d2e3f4a5b',
    app: 'SLACK',
    tenant: ['T024BE7LD', 'Example Corp Slack'],
    authType: 'oauth2',
    status: 'PendingConnect',
    persona: 'admin',
  },
  {
    bundle: 0,
    id: '1c4a6b8d-2e3f-4a71-9b0c-1d2e3f4a5b6c',
    app: 'OKTA',
    tenant: ['example.okta.com', 'Example Corp Okta'],
    authType: 'apiKey',
    status: 'Connected',
    persona: 'admin',
  },
  {
    bundle: 0,
    id: '2d5b7c9e-3f4a-4b82-8c1d-2e3f4a5b6c7d',
    app: 'JIRA',
    tenant: ['example.atlassian.net', 'Example Corp Jira'],
    authType: 'oauth2',
    status: 'Connected',
    persona: 'admin',
  },
  {
    bundle: 0,
    id: '3e6c8d0f-4a5b-4c93-9d2e-3f4a5b6c7d8e',
    app: 'ZOOM',
    tenant: ['zoom-acct-82731', 'Example Corp Zoom'],
    authType: 'oauth2',
    status: 'ConnectionValidationFailed',
    persona: 'admin',
  },
  {
    bundle: 0,
    id: '4f7d9e1a-5b6c-4da4-8e3f-4a5b6c7d8e9f',
    app: 'M365',
    tenant: ['5f1c7a2e-0b9d-4e3f-8a6b-2c1d0e9f8a7b', 'Example Corp Microsoft 365'],
    authType: 'oauth2',
    status: 'TokenAutoRotationFailed',
    persona: 'admin',
  },
  {
    bundle: 0,
    id: '5a8e0f2b-6c7d-4eb5-9f4a-5b6c7d8e9f0a',
    app: 'GOOGLE',
    tenant: ['C03az79cb', 'Example Corp Workspace'],
    authType: 'oauth2',
    status: 'PendingConnect',
    persona: 'endUser',
  },
  {
    bundle: 0,
    id: '6b9f1a3c-7d8e-4fc6-8a5b-6c7d8e9f0a1b',
    app: 'DROPBOX',
    tenant: ['dbmid:AAH4f99T0taONIb', 'Example Corp Dropbox'],
    authType: 'oauth2',
    status: 'Connected',
    persona: 'admin',
  },
  {
    bundle: 0,
    id: '7c0a2b4d-8e9f-4ad7-9b6c-7d8e9f0a1b2c',
    app: 'ZENDESK',
    tenant: ['example.zendesk.com', 'Example Corp Zendesk'],
    authType: 'oauth2',
    status: 'PendingConnect',
    persona: 'admin',
  },
  {
    bundle: 1,
    id: '8d1b3c5e-9f0a-4be8-8c7d-8e9f0a1b2c3d',
    app: 'ASANA',
    tenant: ['1199283746', 'Subsidiary Asana'],
    authType: 'oauth2',
    status: 'Connected',
    persona: 'admin',
  },
  {
    bundle: 1,
    id: '9e2c4d6f-0a1b-4cf9-9d8e-9f0a1b2c3d4e',
    app: 'SMARTSHEET',
    tenant: ['ss-org-4471', 'Subsidiary Smartsheet'],
    authType: 'oauth2',
    status: 'PendingConnect',
    persona: 'admin',
  },
  {
    bundle: 1,
    id: 'af3d5e7a-1b2c-4d0a-8e9f-0a1b2c3d4e5f',
    app: 'CISCO',
    tenant: ['cisco-webex-99812', 'Subsidiary Webex'],
    authType: 'apiKey',
    status: 'ConnectionValidationFailed',
    persona: 'admin',
  },
  {
    bundle: 1,
    id: 'b04e6f8b-2c3d-4e1b-9f0a-1b2c3d4e5f6a',
    app: 'M365AUDITLOGS',
    tenant: ['7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d', 'Subsidiary M365 Audit'],
    authType: 'oauth2',
    status: 'TokenAutoRotationFailed',
    persona: 'admin',
  },
];

function appFabricSeed(now: Date): SandboxSeed['appFabric'] {
  const appBundleArns = SANDBOX_APP_BUNDLES.map(appBundleArn);
  const appAuthorizations: AppAuthorization[] = AUTHORIZATIONS.map((a, i) => {
    const bundleArn = appBundleArns[a.bundle]!;
    return {
      appAuthorizationArn: `${bundleArn}/appauthorization/${a.id}`,
      appBundleArn: bundleArn,
      app: a.app,
      tenant: { tenantIdentifier: a.tenant[0], tenantDisplayName: a.tenant[1] },
      authType: a.authType,
      status: a.status,
      persona: a.persona,
      authUrl:
        a.authType === 'oauth2'
          ? `https://auth.example.com/${a.app.toLowerCase()}/oauth2/authorize?client_id=appfabric-${a.id.slice(0, 8)}&response_type=code&state=${a.id}`
          : undefined,
      createdAt: new Date(now.getTime() - (120 - i * 7) * DAY),
      updatedAt: new Date(now.getTime() - (30 - i * 2) * DAY),
    };
  });
  return { appBundleArns, appAuthorizations };
}

// ------------------------------------------------------------------ ConductorOne

const C1_APPS = [
  { id: 'app-okta-workforce', name: 'Okta Workforce', description: 'Workforce identity provider' },
  { id: 'app-github-enterprise', name: 'GitHub Enterprise', description: 'Source code and CI' },
  { id: 'app-aws-production', name: 'AWS Production', description: 'Production AWS organization' },
  { id: 'app-salesforce', name: 'Salesforce', description: 'CRM' },
  { id: 'app-snowflake', name: 'Snowflake', description: 'Data warehouse' },
] as const;

const C1_CONNECTORS: ReadonlyArray<{ app: number; id: string; name: string; sync: string; lastError?: string }> = [
  { app: 0, id: 'conn-okta-main', name: 'Okta (main org)', sync: 'SYNC_STATUS_DONE' },
  { app: 0, id: 'conn-okta-preview', name: 'Okta (preview org)', sync: 'SYNC_STATUS_RUNNING' },
  { app: 1, id: 'conn-github', name: 'GitHub Enterprise Cloud', sync: 'SYNC_STATUS_DONE' },
  {
    app: 2,
    id: 'conn-aws-org',
    name: 'AWS Organizations',
    sync: 'SYNC_STATUS_ERROR',
    lastError: 'AccessDenied: sts:AssumeRole on the audit role',
  },
  { app: 3, id: 'conn-salesforce', name: 'Salesforce', sync: 'SYNC_STATUS_DISABLED' },
  { app: 4, id: 'conn-snowflake', name: 'Snowflake', sync: 'SYNC_STATUS_UNSPECIFIED' },
];

/** The client secret the sandbox's ConductorOne returns with freshly rotated credentials. */
export const SANDBOX_ROTATED_CLIENT_SECRET =
  'secret-token:conductorone.com:v1:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6InNhbmRib3gtZGVtby1vbmx5In0';

function conductorOneSeed(now: Date): SandboxSeed['conductorOne'] {
  const apps: AppWire[] = C1_APPS.map(
    (a) =>
      ({
        id: a.id,
        displayName: a.name,
        description: a.description,
        iconUrl: `https://assets.example.com/icons/${a.id.replace(/^app-/, '')}.svg`,
        // Fields the schema does not carry; the mapping drops them.
        userCount: String(1200 + a.id.length * 37),
        appAccountName: a.name.toLowerCase().replace(/\s+/g, '-'),
      }) as AppWire,
  );

  const connectors: ConnectorWire[] = C1_CONNECTORS.map((c, i) => ({
    id: c.id,
    appId: C1_APPS[c.app]!.id,
    displayName: c.name,
    description: `Syncs ${C1_APPS[c.app]!.name} users, groups and entitlements`,
    status: {
      status: c.sync,
      lastError: c.lastError ?? '',
      completedAt: c.sync === 'SYNC_STATUS_UNSPECIFIED' ? null : iso(new Date(now.getTime() - (i + 1) * 3_600_000)),
    },
  }));

  // Per connector: an active credential, an expired one, a revoked one; the first connector's
  // active credential has no expiry, and one credential carries a rotated client secret.
  const credentials: ConnectorCredentialWire[] = [];
  C1_CONNECTORS.forEach((c, i) => {
    const appId = C1_APPS[c.app]!.id;
    const base = { appId, connectorId: c.id };
    const host = 'example.conductor.one';
    credentials.push(
      {
        ...base,
        id: `cred-${c.id.slice(5)}-active`,
        clientId: `calm-otter-${1000 + i}@${host}/ccc`,
        displayName: `${c.name} credential`,
        createdAt: iso(new Date(now.getTime() - (40 + i) * DAY)),
        updatedAt: iso(new Date(now.getTime() - (10 + i) * DAY)),
        expiresTime: i === 0 ? null : iso(new Date(now.getTime() + (90 - i) * DAY)),
        lastUsedAt: iso(new Date(now.getTime() - (i + 1) * 60_000)),
        deletedAt: null,
        ...(i === 1 ? { clientSecret: SANDBOX_ROTATED_CLIENT_SECRET } : {}),
      },
      {
        ...base,
        id: `cred-${c.id.slice(5)}-expired`,
        clientId: `quiet-heron-${2000 + i}@${host}/ccc`,
        displayName: `${c.name} credential (previous)`,
        createdAt: iso(new Date(now.getTime() - (220 + i) * DAY)),
        updatedAt: iso(new Date(now.getTime() - (200 + i) * DAY)),
        expiresTime: iso(new Date(now.getTime() - (20 + i) * DAY)),
        lastUsedAt: iso(new Date(now.getTime() - (25 + i) * DAY)),
        deletedAt: '',
      },
      {
        ...base,
        id: `cred-${c.id.slice(5)}-revoked`,
        clientId: `brisk-lynx-${3000 + i}@${host}/ccc`,
        displayName: `${c.name} credential (revoked)`,
        createdAt: iso(new Date(now.getTime() - (300 + i) * DAY)),
        updatedAt: iso(new Date(now.getTime() - (150 + i) * DAY)),
        expiresTime: iso(new Date(now.getTime() + (30 + i) * DAY)),
        lastUsedAt: null,
        deletedAt: iso(new Date(now.getTime() - (150 + i) * DAY)),
      },
    );
  });
  return { apps, connectors, credentials };
}

export function createSandboxSeed(clock: Date = new Date()): SandboxSeed {
  const now = new Date(Math.floor(clock.getTime() / 1000) * 1000); // whole seconds, as the upstreams report
  return {
    iotManagedIntegrations: imiSeed(),
    appFabric: appFabricSeed(now),
    conductorOne: conductorOneSeed(now),
  };
}
