/**
 * The AppFabric operations this subgraph calls, with the names and input/output shapes of
 * `@aws-sdk/client-appfabric` (aggregated client `AppFabric`); timestamps deserialize to `Date`.
 *
 * The official package cannot be installed here, so this file builds the same requests on the
 * shared REST-JSON client. To use the official package instead, replace this file with one that
 * constructs `new AppFabric({ region, endpoint, credentials, maxAttempts })` and re-exports it.
 * Note that ConnectAppAuthorization must then get `maxAttempts: 1` on its own client, since the
 * official standard mode would retry it after a 5xx (this file retries it only when throttled or
 * never sent).
 */
import {
  AwsServiceClient,
  encodeLabel,
  type AwsRestJsonClientOptions,
  type HttpHandlerOptions,
  type OperationSpec,
} from '../aws/restJsonClient.ts';
import { dateTime, list, pick, str } from '../aws/deserialize.ts';
import type {
  AppAuthorization,
  AppAuthorizationSummary,
  ConnectAppAuthorizationCommandInput,
  ConnectAppAuthorizationCommandOutput,
  GetAppAuthorizationCommandInput,
  GetAppAuthorizationCommandOutput,
  ListAppAuthorizationsCommandInput,
  ListAppAuthorizationsCommandOutput,
  Tenant,
} from './types.ts';

export type { HttpHandlerOptions };

/** SigV4 signing name. */
export const SIGNING_NAME = 'appfabric';

function deTenant(value: unknown): Tenant | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const t = value as Record<string, unknown>;
  return { tenantIdentifier: str(t['tenantIdentifier']), tenantDisplayName: str(t['tenantDisplayName']) };
}

function deSummary(value: unknown): AppAuthorizationSummary {
  const v = pick(value, ['appAuthorizationArn', 'appBundleArn', 'app', 'tenant', 'status', 'updatedAt'] as const);
  return {
    appAuthorizationArn: str(v.appAuthorizationArn),
    appBundleArn: str(v.appBundleArn),
    app: str(v.app),
    tenant: deTenant(v.tenant),
    status: str(v.status),
    updatedAt: dateTime(v.updatedAt),
  };
}

function deAppAuthorization(value: unknown): AppAuthorization {
  const v = pick(value, ['authType', 'createdAt', 'persona', 'authUrl'] as const);
  return {
    ...deSummary(value),
    authType: str(v.authType),
    createdAt: dateTime(v.createdAt),
    persona: str(v.persona),
    authUrl: str(v.authUrl),
  };
}

const authorizationPath = (i: {
  appBundleIdentifier: string | undefined;
  appAuthorizationIdentifier: string | undefined;
}) =>
  `/appbundles/${encodeLabel(i.appBundleIdentifier ?? '', 'appBundleIdentifier')}/appauthorizations/${encodeLabel(
    i.appAuthorizationIdentifier ?? '',
    'appAuthorizationIdentifier',
  )}`;

const GetAppAuthorization: OperationSpec<GetAppAuthorizationCommandInput, GetAppAuthorizationCommandOutput> = {
  name: 'GetAppAuthorization',
  method: 'GET',
  path: authorizationPath,
  retry: 'standard',
  deserialize: (body) => ({
    appAuthorization: body['appAuthorization'] ? deAppAuthorization(body['appAuthorization']) : undefined,
  }),
};

const ListAppAuthorizations: OperationSpec<ListAppAuthorizationsCommandInput, ListAppAuthorizationsCommandOutput> = {
  name: 'ListAppAuthorizations',
  method: 'GET',
  path: (i) => `/appbundles/${encodeLabel(i.appBundleIdentifier ?? '', 'appBundleIdentifier')}/appauthorizations`,
  query: (i) => ({ maxResults: i.maxResults, nextToken: i.nextToken }),
  retry: 'standard',
  deserialize: (body) => ({
    appAuthorizationSummaryList: list(body['appAuthorizationSummaryList'])?.map(deSummary),
    nextToken: str(body['nextToken']),
  }),
};

/**
 * Not idempotent, and it spends a single-use OAuth code: resent at most once, and only when
 * AppFabric provably did not process it (an explicit throttle, or a connection that was never
 * made), whatever `AWS_MAX_ATTEMPTS` allows for reads.
 */
const ConnectAppAuthorization: OperationSpec<
  ConnectAppAuthorizationCommandInput,
  ConnectAppAuthorizationCommandOutput
> = {
  name: 'ConnectAppAuthorization',
  method: 'POST',
  path: (i) => `${authorizationPath(i)}/connect`,
  body: (i) =>
    i.authRequest ? { authRequest: { redirectUri: i.authRequest.redirectUri, code: i.authRequest.code } } : {},
  retry: 'unprocessed-only',
  maxAttempts: 2,
  deserialize: (body) => ({
    appAuthorizationSummary: body['appAuthorizationSummary'] ? deSummary(body['appAuthorizationSummary']) : undefined,
  }),
};

export type AppFabricConfig = Omit<AwsRestJsonClientOptions, 'signingName'>;

export class AppFabric extends AwsServiceClient {
  constructor(config: AppFabricConfig) {
    super({ ...config, signingName: SIGNING_NAME });
  }

  getAppAuthorization(input: GetAppAuthorizationCommandInput, options?: HttpHandlerOptions) {
    return this.send(GetAppAuthorization, input, options);
  }

  listAppAuthorizations(input: ListAppAuthorizationsCommandInput, options?: HttpHandlerOptions) {
    return this.send(ListAppAuthorizations, input, options);
  }

  connectAppAuthorization(input: ConnectAppAuthorizationCommandInput, options?: HttpHandlerOptions) {
    return this.send(ConnectAppAuthorization, input, options);
  }
}
