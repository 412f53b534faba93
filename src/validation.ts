/**
 * Argument checks that run before any upstream call. The patterns come from the upstream models
 * (aws-api.md §1.6 and §2.4, conductorone-api.md §4); a value that fails gets BAD_USER_INPUT.
 */
import { badUserInput } from './errors.ts';

/** IoT Managed Integrations ConnectorDestinationId / CloudConnectorId. */
const IMI_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** AppFabric Identifier: an ARN or a lower-case UUID, at most 1011 characters. */
const APPFABRIC_IDENTIFIER = /^(?:arn:.+|[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})$/s;
const APPFABRIC_IDENTIFIER_MAX = 1011;
/** ConductorOne ids become path segments: no separators, no dot segments, no control characters. */
const CONDUCTORONE_ID = /^[^/?#\\\s\p{Cc}]{1,256}$/u;

export const MAX_PAGE_SIZE = 100;

/*
 * The checks take `unknown`: an `_entities` representation is any JSON the router passes on, so a
 * key field can be missing, null or a number there (`RegExp.test(undefined)` tests "undefined").
 */

export function iotManagedIntegrationsId(value: unknown, argument: string): string {
  if (typeof value !== 'string' || !IMI_ID.test(value)) {
    throw badUserInput(`\`${argument}\` must be 1-64 letters, digits, '-' or '_'.`, [argument]);
  }
  return value;
}

export function isAppFabricIdentifier(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= APPFABRIC_IDENTIFIER_MAX &&
    value.isWellFormed() && // an unpaired surrogate cannot be percent-encoded into a path
    APPFABRIC_IDENTIFIER.test(value) &&
    !/\s/.test(value)
  );
}

export function appFabricIdentifier(value: unknown, argument: string, path: readonly string[] = [argument]): string {
  if (!isAppFabricIdentifier(value)) {
    throw badUserInput(`\`${argument}\` must be an ARN or a lower-case UUID.`, path);
  }
  return value;
}

export function conductorOneId(value: unknown, argument: string): string {
  if (
    typeof value !== 'string' ||
    !CONDUCTORONE_ID.test(value) ||
    !value.isWellFormed() ||
    value === '.' ||
    value === '..'
  ) {
    throw badUserInput(
      `\`${argument}\` must be a non-empty ConductorOne id without '/', '?', '#', '\\' or whitespace.`,
      [argument],
    );
  }
  return value;
}

/** `first` of a connection: 1..100. */
export function pageSize(value: number | null | undefined, fallback = 25): number {
  const size = value ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badUserInput(`\`first\` must be from 1 to ${MAX_PAGE_SIZE}.`, ['first']);
  }
  return size;
}
