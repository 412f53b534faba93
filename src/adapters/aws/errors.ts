/**
 * restJson1 error deserialization, as the official clients do it (aws-api.md §3.3), and the
 * error classes the AWS clients throw. Names and members mirror the official SDK's service
 * exceptions (`name`, `$fault`, `$metadata`), so code written against these keeps working with
 * the official packages.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { headerOf } from '../../httpHeaders.ts';
import { withoutValues } from '../../redact.ts';

export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
  totalRetryDelay?: number;
}

export interface ValidationExceptionField {
  name: string;
  message: string;
}

/**
 * The credential provider failed before a request could be signed, so nothing was sent. `cause` is
 * the provider's error: the chain's CredentialsProviderError when no source has credentials, an
 * STS exception when STS refused the identity (IRSA, SSO), or a transport error when the source
 * could not be reached.
 */
export class AwsCredentialsError extends Error {
  override readonly name = 'AwsCredentialsError';
  constructor(cause: unknown) {
    const what = cause instanceof Error ? cause.name : typeof cause;
    super(`AWS credentials could not be obtained (${what}).`, { cause });
  }

  /** No source of credentials is configured at all (rather than one that failed). */
  get missing(): boolean {
    return this.cause instanceof Error && this.cause.name === 'CredentialsProviderError';
  }

  /** The credentials' issuer (STS) answered and refused: a 4xx of its own. */
  get refused(): boolean {
    const status = (this.cause as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata?.httpStatusCode;
    return typeof status === 'number' && status >= 400 && status < 500;
  }
}

/** The most `fieldList` entries kept of a ValidationException. */
export const MAX_FIELD_LIST = 20;

/** An error the service answered with. */
export class AwsServiceException extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: ResponseMetadata;
  /** `Retry-After` in seconds, where the service sent one. */
  readonly retryAfterSeconds: number | undefined;
  /** AppFabric ValidationException.reason. */
  readonly reason: string | undefined;
  /** AppFabric ValidationException.fieldList. */
  readonly fieldList: ValidationExceptionField[] | undefined;
  readonly resourceId: string | undefined;
  readonly resourceType: string | undefined;

  constructor(init: {
    name: string;
    message: string;
    status: number;
    requestId?: string | undefined;
    retryAfterSeconds?: number | undefined;
    members?: Record<string, unknown>;
  }) {
    super(init.message);
    this.name = init.name;
    this.$fault = init.status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: init.status, ...(init.requestId ? { requestId: init.requestId } : {}) };
    this.retryAfterSeconds = init.retryAfterSeconds;
    const m = init.members ?? {};
    this.reason = typeof m['reason'] === 'string' ? m['reason'] : undefined;
    // The first MAX_FIELD_LIST entries: an input has a handful of fields, and every entry becomes
    // a user error and a log entry (a 400 of 780,000 entries made an 88 MB answer).
    this.fieldList = Array.isArray(m['fieldList'])
      ? m['fieldList'].slice(0, MAX_FIELD_LIST).flatMap((f: unknown) => {
          const field = f as { name?: unknown; message?: unknown } | null;
          return typeof field?.name === 'string'
            ? [{ name: field.name, message: typeof field.message === 'string' ? field.message : '' }]
            : [];
        })
      : undefined;
    const resourceId = m['resourceId'] ?? m['ResourceId'];
    const resourceType = m['resourceType'] ?? m['ResourceType'];
    this.resourceId = typeof resourceId === 'string' ? resourceId : undefined;
    this.resourceType = typeof resourceType === 'string' ? resourceType : undefined;
  }
}

type ExceptionInit = ConstructorParameters<typeof AwsServiceException>[0];

/** Declared errors of IoT Managed Integrations and AppFabric (aws-api.md §1.7, §2.5). */
export class ValidationException extends AwsServiceException {}
export class UnauthorizedException extends AwsServiceException {}
export class ServiceQuotaExceededException extends AwsServiceException {}
export class AccessDeniedException extends AwsServiceException {}
export class ResourceNotFoundException extends AwsServiceException {}
export class ConflictException extends AwsServiceException {}
export class ThrottlingException extends AwsServiceException {}
export class InternalServerException extends AwsServiceException {}
export class ServiceUnavailableException extends AwsServiceException {}

const EXCEPTIONS: Readonly<Record<string, new (init: ExceptionInit) => AwsServiceException>> = {
  ValidationException,
  UnauthorizedException,
  ServiceQuotaExceededException,
  AccessDeniedException,
  ResourceNotFoundException,
  ConflictException,
  ThrottlingException,
  InternalServerException,
  ServiceUnavailableException,
};

/** `ValidationException:http://internal.amazon.com/…` and `com.amazonaws.appfabric#ValidationException` → `ValidationException`. */
export function sanitizeErrorCode(raw: string): string {
  let value = raw;
  const comma = value.indexOf(',');
  if (comma >= 0) value = value.slice(0, comma);
  const colon = value.indexOf(':');
  if (colon >= 0) value = value.slice(0, colon);
  const hash = value.indexOf('#');
  if (hash >= 0) value = value.slice(hash + 1);
  return value.trim();
}

/** Strict integer `Retry-After` seconds (HTTP-date values are accepted too). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed);
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Builds the service exception from an error response (status ≥ 300). `sent` are the credentials
 * the request carried (signing.ts, `sentCredentials`): an answer that echoes one has it cut from its
 * message, so that no log line or error made from the exception can carry it.
 */
export function deserializeError(
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
  sent: readonly string[] = [],
): AwsServiceException {
  const header = (name: string) => headerOf(headers, name);
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status still classifies it.
  }
  const codeKey = Object.keys(body).find((k) => k.toLowerCase() === 'code');
  const rawType =
    header('x-amzn-errortype') ??
    (codeKey && typeof body[codeKey] === 'string' ? (body[codeKey] as string) : undefined) ??
    (typeof body['__type'] === 'string' ? body['__type'] : undefined);
  const name = rawType ? sanitizeErrorCode(rawType) : `UnknownError(${status})`;
  const said =
    typeof body['message'] === 'string'
      ? body['message']
      : typeof body['Message'] === 'string'
        ? body['Message']
        : name;
  const message = withoutValues(said, sent);
  const Exception = Object.hasOwn(EXCEPTIONS, name) ? EXCEPTIONS[name]! : AwsServiceException;
  return new Exception({
    name: name || `UnknownError(${status})`,
    message,
    status,
    requestId: header('x-amzn-requestid') ?? header('x-amzn-request-id') ?? header('x-amz-request-id'),
    retryAfterSeconds: parseRetryAfter(header('retry-after')),
    members: body,
  });
}
