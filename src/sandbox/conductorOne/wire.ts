/**
 * ConductorOne wire plumbing for the simulator: the response shape, error bodies (`google.rpc.Status`
 * style for /api/v1, RFC 6749 style for the token endpoint) and request routing, including the 301
 * ConductorOne answers for a path with a trailing slash or an empty segment (conductorone-api.md §4).
 */
import { STATUS_CODES } from '../../nodeHttp.ts';
import type { ConductorOneOperation } from './simulatorTypes.ts';

/** An HTTP answer before serialization. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialized; no body when both this and `raw` are absent. */
  body?: unknown;
  /** Sent as is instead of JSON (the content type then comes from `headers`). */
  raw?: string;
  /** For the responses log. */
  errorCode?: number | string;
}

/** Numeric gRPC codes, and (lower-cased) the Connect names of the same codes. */
export const GRPC_CODES = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcCodeName = keyof typeof GRPC_CODES;

/** `numeric`: `"code": 5` (gRPC-gateway); `string`: `"code": "not_found"` (Connect). */
export type ErrorCodeStyle = 'numeric' | 'string';

/** The gRPC code an HTTP status stands for, as gRPC-gateway maps them. */
export function grpcCodeForStatus(status: number): GrpcCodeName {
  const byStatus: Record<number, GrpcCodeName> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    409: 'ABORTED',
    412: 'FAILED_PRECONDITION',
    413: 'RESOURCE_EXHAUSTED',
    429: 'RESOURCE_EXHAUSTED',
    499: 'CANCELLED',
    501: 'UNIMPLEMENTED',
    503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  };
  return byStatus[status] ?? (status >= 500 ? 'INTERNAL' : 'UNKNOWN');
}

export function codeValue(name: GrpcCodeName, style: ErrorCodeStyle): number | string {
  return style === 'numeric' ? GRPC_CODES[name] : name.toLowerCase();
}

/** An /api/v1 error: `{ code, message, details: [] }`. */
export function apiError(
  status: number,
  code: number | string,
  message: string,
  headers?: Record<string, string>,
): SimResponse {
  return { status, headers, body: { code, message, details: [] }, errorCode: code };
}

/** A token-endpoint error: `{ error, error_description }`. */
export function oauthError(
  status: number,
  error: string,
  description: string,
  headers?: Record<string, string>,
): SimResponse {
  return { status, headers, body: { error, error_description: description }, errorCode: error };
}

/** The RFC 6749 `error` an HTTP status stands for, when a fault names none. */
export function oauthErrorForStatus(status: number): string {
  if (status === 401) return 'invalid_client';
  if (status === 429 || status === 503) return 'temporarily_unavailable';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

export function statusText(status: number): string {
  return STATUS_CODES[status] ?? `HTTP ${status}`;
}

interface RouteSpec {
  operation: ConductorOneOperation;
  method: string;
  /** Path segments; `{name}` captures one percent-decoded segment. */
  path: readonly string[];
}

const ROUTES: readonly RouteSpec[] = [
  { operation: 'Token', method: 'POST', path: ['auth', 'v1', 'token'] },
  {
    operation: 'GetCredentials',
    method: 'GET',
    path: ['api', 'v1', 'apps', '{app_id}', 'connectors', '{connector_id}', 'credentials', '{id}'],
  },
  { operation: 'GetConnector', method: 'GET', path: ['api', 'v1', 'apps', '{app_id}', 'connectors', '{id}'] },
  { operation: 'SearchApps', method: 'POST', path: ['api', 'v1', 'search', 'apps'] },
];

export type RouteMatch =
  | { kind: 'route'; operation: ConductorOneOperation; params: Record<string, string> }
  /** A trailing slash, an empty segment, or a segment that is `.`, `..` or only slashes once decoded. */
  | { kind: 'redirect'; location: string }
  /** A segment whose percent-encoding does not decode. */
  | { kind: 'badPath'; segment: string }
  | { kind: 'unknown' };

/** Routes a request target. `rawPath` is still percent-encoded; `rawQuery` has no `?`. */
export function matchRequest(method: string, rawPath: string, rawQuery: string): RouteMatch {
  if (!rawPath.startsWith('/') || rawPath === '/') return { kind: 'unknown' };
  const raw = rawPath.split('/').slice(1);
  const decoded: string[] = [];
  for (const segment of raw) {
    try {
      decoded.push(decodeURIComponent(segment));
    } catch {
      return { kind: 'badPath', segment };
    }
  }
  const bad = decoded.findIndex((s) => s === '' || s === '.' || s === '..' || /^\/+$/.test(s));
  if (bad !== -1) {
    // Like a cleaned Go path: cut at the offending segment; `..` also drops the one before it.
    const kept = raw.slice(0, decoded[bad] === '..' ? Math.max(0, bad - 1) : bad);
    return { kind: 'redirect', location: `/${kept.join('/')}${rawQuery === '' ? '' : `?${rawQuery}`}` };
  }
  for (const route of ROUTES) {
    if (route.method !== method || route.path.length !== decoded.length) continue;
    const params: Record<string, string> = {};
    const matched = route.path.every((part, i) => {
      const segment = decoded[i]!;
      if (part.startsWith('{')) {
        params[part.slice(1, -1)] = segment;
        return true;
      }
      return part === segment;
    });
    if (matched) return { kind: 'route', operation: route.operation, params };
  }
  return { kind: 'unknown' };
}
