/**
 * restJson1 plumbing shared by the simulated AWS services: the service descriptors, the response
 * and route shapes, error responses as AWS serializes them, and request-target parsing.
 */

/** The simulated services, named as the sandbox seed names them. */
export type ServiceKey = 'iotManagedIntegrations' | 'appFabric';

export interface ServiceInfo {
  /** SigV4 signing name, which the credential scope must carry. */
  signingName: string;
  /** The member carrying an error's message: IMI models `Message`, AppFabric `message`. */
  messageMember: 'Message' | 'message';
}

export const SERVICES: Readonly<Record<ServiceKey, ServiceInfo>> = {
  iotManagedIntegrations: { signingName: 'iotmanagedintegrations', messageMember: 'Message' },
  appFabric: { signingName: 'appfabric', messageMember: 'message' },
};

/** An HTTP answer before serialization; `body` is JSON-serialized. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** What an operation handler receives. */
export interface RouteInput {
  /** Path labels, percent-decoded. */
  labels: Record<string, string>;
  /** Query parameters, percent-decoded, every value of a repeated key in order. */
  query: Map<string, string[]>;
  body: string;
  now: Date;
}

export interface Route {
  service: ServiceKey;
  operation: string;
  method: string;
  /** Path segments; `{Name}` captures one segment as a label. */
  path: readonly string[];
  handle(input: RouteInput): SimResponse;
}

/** Where an error's type travels: the `x-amzn-errortype` header, or a body `code` or `__type`. */
export type ErrorTypeVia = 'header' | 'code' | '__type';

export interface ErrorSpec {
  status: number;
  /** The error shape name, e.g. `ValidationException`. */
  type: string;
  message?: string | undefined;
  members?: Record<string, unknown> | undefined;
  headers?: Record<string, string> | undefined;
  typeVia?: ErrorTypeVia | undefined;
}

/**
 * A restJson1 error as the service sends it: by default the type in `x-amzn-errortype`, decorated
 * the way AWS decorates it (`Name:http://internal.amazon.com/coral/com.amazon.<service>/`), which
 * clients must strip.
 */
export function errorResponse(service: ServiceKey, spec: ErrorSpec): SimResponse {
  const info = SERVICES[service];
  const body: Record<string, unknown> = { [info.messageMember]: spec.message ?? spec.type, ...spec.members };
  const headers: Record<string, string> = { ...spec.headers };
  switch (spec.typeVia ?? 'header') {
    case 'header':
      headers['x-amzn-errortype'] = `${spec.type}:http://internal.amazon.com/coral/com.amazon.${info.signingName}/`;
      break;
    case 'code':
      body['code'] = spec.type;
      break;
    case '__type':
      body['__type'] = `com.amazonaws.${info.signingName}#${spec.type}`;
      break;
  }
  return { status: spec.status, headers, body };
}

/** One AppFabric `ValidationExceptionField`. */
export interface FieldProblem {
  name: string;
  message: string;
}

/** A 400 ValidationException in the service's own shape (IMI has no `reason` or `fieldList`). */
export function validationError(
  service: ServiceKey,
  problems: readonly FieldProblem[],
  reason: 'fieldValidationFailed' | 'cannotParse' | 'other' = 'fieldValidationFailed',
  message?: string,
): SimResponse {
  const text =
    message ??
    `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: ${problems.map((p) => p.message).join('; ')}`;
  const members =
    service === 'appFabric' ? { reason, ...(problems.length > 0 ? { fieldList: [...problems] } : {}) } : {};
  return errorResponse(service, { status: 400, type: 'ValidationException', message: text, members });
}

/** A 404 ResourceNotFoundException; IMI names its members `ResourceId`/`ResourceType`. */
export function notFound(service: ServiceKey, resourceType: string, resourceId: string): SimResponse {
  const members =
    service === 'appFabric' ? { resourceId, resourceType } : { ResourceId: resourceId, ResourceType: resourceType };
  return errorResponse(service, {
    status: 404,
    type: 'ResourceNotFoundException',
    message: `${resourceType} ${resourceId} does not exist.`,
    members,
  });
}

/** The constraint message AWS validation uses: `Value '…' at 'member' failed to satisfy constraint: …`. */
export function constraint(member: string, value: string | undefined, rule: string): FieldProblem {
  const shown = value === undefined ? 'null' : `'${value.length > 100 ? `${value.slice(0, 100)}…` : value}'`;
  return { name: member, message: `Value ${shown} at '${member}' failed to satisfy constraint: ${rule}` };
}

/** Matches a request to a route; `undefined` when no route has that method and path. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  rawPath: string,
): { route: Route; labels: Record<string, string> } | undefined {
  const segments = rawPath.split('/').slice(1);
  for (const route of routes) {
    if (route.method !== method || route.path.length !== segments.length) continue;
    const labels: Record<string, string> = {};
    const matched = route.path.every((part, i) => {
      const segment = segments[i]!;
      if (part.startsWith('{')) {
        labels[part.slice(1, -1)] = percentDecode(segment);
        return true;
      }
      return part === segment;
    });
    if (matched) return { route, labels };
  }
  return undefined;
}

/** Splits a raw query string; `+` stays `+` (restJson1 clients encode spaces as `%20`). */
export function parseQuery(rawQuery: string): Map<string, string[]> {
  const query = new Map<string, string[]>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = percentDecode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : percentDecode(part.slice(eq + 1));
    query.set(key, [...(query.get(key) ?? []), value]);
  }
  return query;
}

function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
