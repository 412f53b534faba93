/**
 * The ConductorOne port on the real client. Every failed call goes through `failure`, the one place
 * where failures are logged (status, code, request id; never bodies or tokens) and translated.
 */
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { ERRORS, isRegistryError } from '../../errors.ts';
import { redactText } from '../../redact.ts';
import { attemptsOf } from '../http/attempts.ts';
import { TransportError } from '../http/transport.ts';
import { UpstreamDataError } from '../mappingHelpers.ts';
import type { CallOptions } from '../types.ts';
import { ConductorOneApiError, type ConductorOneClient } from './client.ts';
import { toConductorOneApp, toConductorOneConnector, toConnectorCredential } from './mapping.ts';
import type { ConductorOneAppModel, ConductorOnePort } from './port.ts';
import { TokenEndpointError } from './tokenSource.ts';
import { failedCall, unusableMembers } from '../callLog.ts';

const NAME = 'conductorOne' as const;
/** The apps search's page size limit; a loader batch of up to 100 ids fits one page. */
const SEARCH_PAGE_SIZE = 100;
/** Guards against a search that never stops paging. */
const MAX_SEARCH_PAGES = 50;

export function toSubgraphError(error: unknown, operation: string): GraphQLError {
  if (isRegistryError(error)) return error;
  const upstream = (status?: number) => ({
    upstream: { name: NAME, operation, ...(status ? { status } : {}) },
    cause: error,
  });
  if (error instanceof TransportError) {
    return error.timeout
      ? ERRORS.UPSTREAM_TIMEOUT.err(undefined, upstream())
      : ERRORS.UPSTREAM_UNAVAILABLE.err(undefined, upstream());
  }
  if (error instanceof TokenEndpointError) {
    // A token this subgraph cannot use (DPoP) is the credential's fault, as a refusal is.
    if (error.tokenType !== undefined) return ERRORS.UPSTREAM_ACCESS_DENIED.err(undefined, upstream(error.status));
    // A 4xx refused our client credentials; anything else (a 5xx, a redirect, a 200 without a
    // token) is the token endpoint failing.
    if (error.status === 429) return ERRORS.UPSTREAM_THROTTLED.err(undefined, upstream(error.status));
    return error.status >= 400 && error.status < 500
      ? ERRORS.UPSTREAM_ACCESS_DENIED.err(undefined, upstream(error.status))
      : ERRORS.UPSTREAM_UNAVAILABLE.err(undefined, upstream(error.status));
  }
  if (error instanceof ConductorOneApiError) {
    if (error.status === 401 || error.status === 403)
      return ERRORS.UPSTREAM_ACCESS_DENIED.err(undefined, upstream(error.status));
    if (error.status === 429) return ERRORS.UPSTREAM_THROTTLED.err(undefined, upstream(error.status));
    if (error.status === 400) {
      return ERRORS.BAD_USER_INPUT.err('ConductorOne rejected the request as invalid.', upstream(error.status));
    }
    return ERRORS.UPSTREAM_UNAVAILABLE.err(undefined, upstream(error.status)); // 5xx, redirects, anything else
  }
  if (error instanceof UpstreamDataError) {
    return ERRORS.UPSTREAM_UNAVAILABLE.err('ConductorOne answered with data this subgraph cannot use.', upstream());
  }
  return ERRORS.INTERNAL_SERVER_ERROR.err(undefined, { cause: error });
}

/**
 * A failure's loggable fields. Text that comes from the upstream is cleaned by pattern and of the
 * `known` secrets (the access token held), which an upstream may echo in a shape no pattern knows.
 */
function describe(error: unknown, known: readonly string[]): Record<string, unknown> {
  if (error instanceof ConductorOneApiError) {
    return {
      status: error.status,
      code: typeof error.code === 'string' ? redactText(error.code, 64, known) : error.code,
      upstreamRequestId: error.requestId === undefined ? undefined : redactText(error.requestId, 128, known),
      upstreamMessage: error.upstreamMessage === undefined ? undefined : redactText(error.upstreamMessage, 300, known),
      ...attemptsOf(error),
    };
  }
  if (error instanceof TokenEndpointError)
    return {
      tokenEndpointStatus: error.status,
      oauthError: error.oauthError && redactText(error.oauthError, 64, known),
      tokenType: error.tokenType,
    };
  if (error instanceof TransportError)
    return { errorType: error.name, code: error.code, timeout: error.timeout, ...attemptsOf(error) };
  if (error instanceof Error) return { errorType: error.name, message: redactText(error.message, 300, known) };
  return { errorType: typeof error };
}

/** `secrets`: what error text must never show (the access token held now). */
export function createConductorOneAdapter(
  client: ConductorOneClient,
  log: Logger,
  secrets: () => readonly string[] = () => [],
): ConductorOnePort {
  /** The one place a failed call is logged and translated. */
  function failure(operation: string, options: CallOptions | undefined, error: unknown): GraphQLError {
    const fields = { upstream: NAME, operation, ...describe(error, secrets()) };
    return failedCall(log, options, fields, () => toSubgraphError(error, operation));
  }

  /** A member that cannot be mapped: failing only its own field, and logged. */
  const unusable = unusableMembers(log, NAME, toSubgraphError);

  // Each method is one async function with its own try/catch, rather than a shared wrapper taking
  // closures: a batch of single reads makes hundreds of these calls per GraphQL request.
  return {
    async getCredential(key, options) {
      try {
        const out = await client.getCredentials(key, options);
        return out?.credential ? toConnectorCredential(out.credential, key, unusable('GetCredentials', options)) : null;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw failure('GetCredentials', options, error);
      }
    },

    async getConnector(key, options) {
      try {
        const connector = (await client.getConnector(key, options))?.connectorView?.connector;
        return connector ? toConductorOneConnector(connector, key, unusable('GetConnector', options)) : null;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw failure('GetConnector', options, error);
      }
    },

    async searchAppsById(ids, options?: CallOptions) {
      try {
        const apps: ConductorOneAppModel[] = [];
        const wanted = new Set(ids);
        const found = new Set<string>();
        let pageToken: string | undefined;
        for (let page = 0; page < MAX_SEARCH_PAGES; page++) {
          const out = await client.searchApps(
            { appIds: [...ids], pageSize: SEARCH_PAGE_SIZE, ...(pageToken ? { pageToken } : {}) },
            options,
          );
          for (const wire of Array.isArray(out?.list) ? out.list : []) {
            const app = wire && typeof wire === 'object' ? toConductorOneApp(wire) : null;
            if (app) {
              apps.push(app);
              if (wanted.has(app.id)) found.add(app.id);
            }
          }
          const next =
            typeof out?.nextPageToken === 'string' && out.nextPageToken !== '' ? out.nextPageToken : undefined;
          // Done when the search ends, or once every id asked for is in (no page to read for nothing).
          if (!next || found.size === wanted.size) return apps;
          if (next === pageToken) throw new UpstreamDataError('the apps search repeated its page token');
          pageToken = next;
        }
        throw new UpstreamDataError('the apps search did not stop paging');
      } catch (error) {
        throw failure('SearchApps', options, error);
      }
    },
  };
}

/** A single read of something that does not exist: the port answers null. */
function isNotFound(error: unknown): boolean {
  return error instanceof ConductorOneApiError && error.status === 404;
}
