/**
 * The media type of a GraphQL answer, chosen from the request's `Accept` header exactly as Apollo
 * Server chooses it for a single result (its `chooseContentTypeForSingleResultResponse`): this
 * server's own answers (refusals before Apollo, the hot path) then match Apollo's, and a header that
 * accepts no JSON type is refused before anything runs, not after.
 */
import Negotiator from 'negotiator';

export const APPLICATION_JSON = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
/** Apollo's own callback variant; offered so that what Apollo accepts is accepted here too. */
const APPLICATION_JSON_GRAPHQL_CALLBACK = 'application/json; callbackSpec=1.0; charset=utf-8';
const OFFERED = [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, APPLICATION_JSON_GRAPHQL_CALLBACK];

/**
 * Answers for the `Accept` headers seen so far. Every request is asked (about 2–4 µs with
 * Negotiator), and a router or client sends the same header every time; a header beyond the first
 * {@link MAX_REMEMBERED}, or longer than {@link MAX_REMEMBERED_LENGTH}, is negotiated each time it comes.
 */
const remembered = new Map<string, string | null>();
const MAX_REMEMBERED = 64;
const MAX_REMEMBERED_LENGTH = 256;
/** A longer `Accept` header is not negotiated: JSON is answered, as without one. */
const MAX_NEGOTIATED_LENGTH = 1024;

/**
 * The type to answer with; `application/json` without a header (or with one over
 * {@link MAX_NEGOTIATED_LENGTH} characters); null when the header accepts neither JSON type.
 */
export function graphqlResponseType(accept: string | string[] | undefined): string | null {
  if (accept === undefined || accept === '') return APPLICATION_JSON;
  const header = Array.isArray(accept) ? accept.join(', ') : accept;
  // Negotiation costs time in the header's length, before the caller is authenticated: a header
  // no client sends (15 KB of ranges cost 11 ms) is answered as if absent, never negotiated.
  if (header.length > MAX_NEGOTIATED_LENGTH) return APPLICATION_JSON;
  const known = remembered.get(header);
  if (known !== undefined) return known;
  const type = new Negotiator({ headers: { accept: header } }).mediaType(OFFERED) ?? null;
  if (remembered.size < MAX_REMEMBERED && header.length <= MAX_REMEMBERED_LENGTH) remembered.set(header, type);
  return type;
}
