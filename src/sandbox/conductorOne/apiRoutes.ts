/**
 * The /api/v1 operations the subgraph calls, over the seed in ConductorOne's JSON wire shape
 * (conductorone-api.md §2, §3, §7): GetCredentials, GetConnector and SearchApps.
 */
import { PageTokens } from '../aws/pageTokens.ts';
import type { SandboxSeed } from '../seed.ts';
import { apiError, codeValue, type ErrorCodeStyle, type SimResponse } from './wire.ts';

/** SearchApps page sizes: 0 or absent means 25; below 10 becomes 10, above 100 becomes 100. */
export const SEARCH_PAGE_SIZE = { default: 25, min: 10, max: 100 } as const;

export interface ApiInput {
  params: Record<string, string>;
  body: string;
  now: Date;
  style: ErrorCodeStyle;
}

export type ApiOperation = 'GetCredentials' | 'GetConnector' | 'SearchApps';

export function createApiRoutes(
  source: SandboxSeed['conductorOne'],
): Record<ApiOperation, (input: ApiInput) => SimResponse> {
  const seed = structuredClone(source);
  const pageTokens = new PageTokens();
  const key = (...parts: unknown[]) => JSON.stringify(parts);
  const credentials = new Map(seed.credentials.map((c) => [key(c.appId, c.connectorId, c.id), c]));
  const connectors = new Map(seed.connectors.map((c) => [key(c.appId, c.id), c]));
  const invalid = (style: ErrorCodeStyle, message: string) =>
    apiError(400, codeValue('INVALID_ARGUMENT', style), message);

  return {
    GetCredentials({ params, style }) {
      const credential = credentials.get(key(params['app_id'], params['connector_id'], params['id']));
      if (!credential) return apiError(404, codeValue('NOT_FOUND', style), 'connector credential not found');
      return { status: 200, body: { credential: structuredClone(credential) } };
    },

    GetConnector({ params, style }) {
      const connector = connectors.get(key(params['app_id'], params['id']));
      if (!connector) return apiError(404, codeValue('NOT_FOUND', style), 'connector not found');
      return {
        status: 200,
        body: {
          connectorView: { connector: structuredClone(connector), appPath: '', capabilitiesPath: '', usersPath: '' },
          expanded: [],
        },
      };
    },

    SearchApps({ body, now, style }) {
      const request = parseSearchRequest(body);
      if (typeof request === 'string') return invalid(style, request);
      const wanted = request.appIds.length > 0 ? new Set(request.appIds) : undefined;
      const matches = wanted ? seed.apps.filter((a) => typeof a.id === 'string' && wanted.has(a.id)) : seed.apps;
      const scope = `SearchApps\n${JSON.stringify([...(wanted ?? [])].sort())}`;
      let offset = 0;
      if (request.pageToken !== '') {
        const reading = pageTokens.read(request.pageToken, scope, now);
        if (!reading.ok) return invalid(style, 'invalid page token');
        offset = reading.offset;
      }
      const page = pageTokens.page(matches, offset, effectivePageSize(request.pageSize), scope, now);
      return { status: 200, body: { list: structuredClone(page.items), nextPageToken: page.nextToken ?? '' } };
    },
  };
}

export function effectivePageSize(requested: number): number {
  if (requested === 0) return SEARCH_PAGE_SIZE.default;
  return Math.min(SEARCH_PAGE_SIZE.max, Math.max(SEARCH_PAGE_SIZE.min, requested));
}

interface SearchRequest {
  appIds: string[];
  pageSize: number;
  pageToken: string;
}

/**
 * The members SearchApps honours, read as protobuf JSON reads them: the JSON name or the proto
 * name, `null` as absent, an int32 as a number or a decimal string. Other members are ignored.
 * A message (string) describes what is wrong.
 */
function parseSearchRequest(body: string): SearchRequest | string {
  let parsed: unknown = {};
  if (body.trim() !== '') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return 'request body is not valid JSON';
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'request body must be a JSON object';
  const member = (json: string, proto: string): unknown => {
    const record = parsed as Record<string, unknown>;
    return record[json] ?? record[proto] ?? undefined;
  };

  const appIds = member('appIds', 'app_ids') ?? [];
  if (!Array.isArray(appIds) || !appIds.every((id) => typeof id === 'string'))
    return 'appIds must be an array of strings';

  let pageSize = member('pageSize', 'page_size') ?? 0;
  if (typeof pageSize === 'string' && /^-?\d+$/.test(pageSize)) pageSize = Number(pageSize);
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 0 || pageSize > 2 ** 31 - 1)
    return 'pageSize must be a non-negative 32-bit integer';

  const pageToken = member('pageToken', 'page_token') ?? '';
  if (typeof pageToken !== 'string') return 'pageToken must be a string';
  return { appIds: appIds as string[], pageSize, pageToken };
}
