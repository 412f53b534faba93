/**
 * The simulated AppFabric operations the subgraph uses (API 2023-05-19), over a mutable copy of the
 * sandbox seed: ConnectAppAuthorization consumes codes and connects authorizations.
 */
import type { AppAuthorization, AppAuthorizationSummary } from '../../adapters/appFabric/types.ts';
import type { SandboxSeed } from '../seed.ts';
import { PageTokens } from './pageTokens.ts';
import {
  constraint,
  notFound,
  validationError,
  type FieldProblem,
  type Route,
  type RouteInput,
  type SimResponse,
} from './restJson.ts';

const SERVICE = 'appFabric';
const IDENTIFIER = /^arn:.+$|^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;
const REDIRECT_URI = /^https:\/\/[-a-zA-Z0-9-._~:/?#@!$&'()*+,;=]+$/;
const MAX_RESULTS = 100;
/** Per the model documentation, a nextToken expires after 24 hours. */
const TOKEN_TTL_MS = 24 * 3_600_000;

type Wire<T> = { [K in keyof T]: T[K] extends Date | undefined ? string | undefined : T[K] };

/** The AppFabric data of one simulator: its own copy of the seed, and every code consumed so far. */
export class AppFabricState {
  readonly #seed: SandboxSeed['appFabric'];
  appBundleArns: string[] = [];
  authorizations: AppAuthorization[] = [];
  /** Codes ConnectAppAuthorization has accepted; a code is good once. */
  readonly consumedCodes = new Set<string>();

  constructor(seed: SandboxSeed['appFabric']) {
    this.#seed = structuredClone(seed);
    this.reset();
  }

  /** Back to the seed: seed statuses and timestamps, no consumed codes. */
  reset(): void {
    const copy = structuredClone(this.#seed);
    this.appBundleArns = copy.appBundleArns;
    this.authorizations = copy.appAuthorizations;
    this.consumedCodes.clear();
  }
}

/** The four AppFabric routes over `state`. */
export function createAppFabricRoutes(state: AppFabricState): Route[] {
  const tokens = new PageTokens(TOKEN_TTL_MS);
  const route = (
    operation: string,
    method: string,
    path: string[],
    handle: (input: RouteInput) => SimResponse,
  ): Route => ({
    service: SERVICE,
    operation,
    method,
    path,
    handle,
  });
  /** Validates the path identifiers, then resolves the bundle (and the authorization, when asked). */
  const resolve = (labels: Record<string, string>, problems: FieldProblem[] = []) => {
    const bundleId = labels['appBundleIdentifier']!;
    const authId = labels['appAuthorizationIdentifier'];
    problems.unshift(
      ...[
        checkIdentifier('appBundleIdentifier', bundleId),
        authId === undefined ? undefined : checkIdentifier('appAuthorizationIdentifier', authId),
      ].filter((p): p is FieldProblem => p !== undefined),
    );
    if (problems.length > 0) return validationError(SERVICE, problems);
    const bundleArn = state.appBundleArns.find((arn) => matches(arn, bundleId));
    if (bundleArn === undefined) return notFound(SERVICE, 'AppBundle', bundleId);
    if (authId === undefined) return { bundleArn };
    const authorization = state.authorizations.find(
      (a) => a.appBundleArn === bundleArn && matches(a.appAuthorizationArn!, authId),
    );
    return authorization ? { bundleArn, authorization } : notFound(SERVICE, 'AppAuthorization', authId);
  };

  return [
    route('GetAppBundle', 'GET', ['appbundles', '{appBundleIdentifier}'], ({ labels }) => {
      const found = resolve(labels);
      return 'status' in found ? found : { status: 200, body: { appBundle: { arn: found.bundleArn } } };
    }),

    route(
      'ListAppAuthorizations',
      'GET',
      ['appbundles', '{appBundleIdentifier}', 'appauthorizations'],
      ({ labels, query, now }) => {
        const problems: FieldProblem[] = [];
        const rawMax = query.get('maxResults')?.[0];
        const max = rawMax === undefined ? MAX_RESULTS : /^\d{1,10}$/.test(rawMax) ? Number(rawMax) : NaN;
        if (Number.isNaN(max) || max < 1 || max > MAX_RESULTS) {
          problems.push(constraint('maxResults', rawMax, `Member must have value between 1 and ${MAX_RESULTS}`));
        }
        const nextToken = query.get('nextToken')?.[0];
        if (nextToken !== undefined && (nextToken.length < 1 || nextToken.length > 2048)) {
          problems.push(constraint('nextToken', nextToken, 'Member must have length between 1 and 2048'));
        }
        const found = resolve(labels, problems);
        if ('status' in found) return found;
        const scope = `ListAppAuthorizations|${found.bundleArn}`;
        let offset = 0;
        if (nextToken !== undefined) {
          const reading = tokens.read(nextToken, scope, now);
          if (!reading.ok) {
            const message = `InvalidToken: the nextToken is ${reading.reason === 'expired' ? 'expired' : 'not valid for this request'}.`;
            return validationError(SERVICE, [{ name: 'nextToken', message }], 'other', message);
          }
          offset = reading.offset;
        }
        const inBundle = state.authorizations.filter((a) => a.appBundleArn === found.bundleArn);
        const page = tokens.page(inBundle, offset, max, scope, now);
        return {
          status: 200,
          body: { appAuthorizationSummaryList: page.items.map(toSummary), nextToken: page.nextToken },
        };
      },
    ),

    route(
      'GetAppAuthorization',
      'GET',
      ['appbundles', '{appBundleIdentifier}', 'appauthorizations', '{appAuthorizationIdentifier}'],
      ({ labels }) => {
        const found = resolve(labels);
        if ('status' in found) return found;
        return { status: 200, body: { appAuthorization: toWire(found.authorization!) } };
      },
    ),

    route(
      'ConnectAppAuthorization',
      'POST',
      ['appbundles', '{appBundleIdentifier}', 'appauthorizations', '{appAuthorizationIdentifier}', 'connect'],
      ({ labels, body, now }) => {
        let input: unknown = {};
        try {
          if (body.trim() !== '') input = JSON.parse(body);
        } catch {
          input = undefined;
        }
        if (!isObject(input))
          return validationError(SERVICE, [], 'cannotParse', 'The request body is not a JSON object.');
        const authRequest = input['authRequest'] ?? undefined;
        const problems = authRequest === undefined ? [] : checkAuthRequest(authRequest);
        const found = resolve(labels, problems);
        if ('status' in found) return found;
        const authorization = found.authorization!;
        if (authRequest === undefined) {
          if (authorization.authType === 'oauth2') {
            const missing = {
              name: 'authRequest',
              message: 'authRequest is required to connect an oauth2 app authorization.',
            };
            return validationError(
              SERVICE,
              [missing],
              'fieldValidationFailed',
              `1 validation error detected: ${missing.message}`,
            );
          }
        } else {
          const code = (authRequest as { code: string }).code;
          if (state.consumedCodes.has(code)) {
            // No fieldList: the code is exchanged with the app's provider, and aws-api.md names no
            // field for its refusal (fieldList is optional), so the client must not rely on one.
            return validationError(
              SERVICE,
              [],
              'other',
              'The authorization code is not valid: it has already been used.',
            );
          }
          state.consumedCodes.add(code);
        }
        authorization.status = 'Connected';
        authorization.updatedAt = new Date(now.getTime());
        return { status: 200, body: { appAuthorizationSummary: toSummary(authorization) } };
      },
    ),
  ];
}

function checkIdentifier(member: string, value: string): FieldProblem | undefined {
  if (value.length < 1 || value.length > 1011)
    return constraint(member, value, 'Member must have length between 1 and 1011');
  if (!IDENTIFIER.test(value))
    return constraint(member, value, `Member must satisfy regular expression pattern: ${IDENTIFIER.source}`);
  return undefined;
}

function checkAuthRequest(authRequest: unknown): FieldProblem[] {
  if (!isObject(authRequest)) return [{ name: 'authRequest', message: "Value at 'authRequest' must be a structure." }];
  const problems: FieldProblem[] = [];
  const { redirectUri, code } = authRequest;
  if (typeof redirectUri !== 'string') {
    problems.push(constraint('authRequest.redirectUri', undefined, 'Member must not be null'));
  } else if (redirectUri.length > 1024) {
    problems.push(
      constraint('authRequest.redirectUri', redirectUri, 'Member must have length less than or equal to 1024'),
    );
  } else if (!REDIRECT_URI.test(redirectUri)) {
    problems.push(
      constraint(
        'authRequest.redirectUri',
        redirectUri,
        `Member must satisfy regular expression pattern: ${REDIRECT_URI.source}`,
      ),
    );
  }
  // The code is sensitive: the message never repeats it.
  if (typeof code !== 'string') {
    problems.push(constraint('authRequest.code', undefined, 'Member must not be null'));
  } else if (code.length < 1 || code.length > 2048) {
    problems.push({
      name: 'authRequest.code',
      message: "Value at 'authRequest.code' failed to satisfy constraint: Member must have length between 1 and 2048",
    });
  }
  return problems;
}

/** An identifier names a resource by its full ARN, or by the UUID that ends its ARN. */
function matches(arn: string, identifier: string): boolean {
  return identifier.startsWith('arn:') ? arn === identifier : arn.slice(arn.lastIndexOf('/') + 1) === identifier;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toSummary(a: AppAuthorization): Wire<AppAuthorizationSummary> {
  return {
    appAuthorizationArn: a.appAuthorizationArn,
    appBundleArn: a.appBundleArn,
    app: a.app,
    tenant: a.tenant,
    status: a.status,
    updatedAt: a.updatedAt?.toISOString(),
  };
}

function toWire(a: AppAuthorization): Wire<AppAuthorization> {
  return {
    ...toSummary(a),
    authType: a.authType,
    createdAt: a.createdAt?.toISOString(),
    persona: a.persona,
    authUrl: a.authUrl,
  };
}
