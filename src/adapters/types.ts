/** Shapes shared by every port. */
import { GraphQLError } from 'graphql';

/** Options every port call accepts. */
export interface CallOptions {
  /** Aborts the upstream call (the request deadline, or the client going away). */
  signal?: AbortSignal;
  /** Epoch milliseconds after which no retry may start (the request deadline). */
  deadline?: number;
  /** The GraphQL operation's budget of upstream calls; each port call takes one. */
  budget?: UpstreamCallBudget;
  /** The GraphQL request's id, for the log lines of its failed calls. */
  requestId?: string;
  /**
   * Told when the call must wait for a free upstream slot (`true`, src/adapters/guard.ts) and when
   * it has one (`false`); a call that gets one at once, or whose wait fails, hears nothing more.
   * Until it has a slot, nothing of the call has gone out: the connect step tells a caller leaving
   * then that its code was not sent.
   */
  queued?: (waiting: boolean) => void;
}

export interface UpstreamCallBudget {
  /** Counts one upstream call, or throws REQUEST_LIMIT_EXCEEDED when the budget is spent. */
  take(upstream: string, operation: string): void;
}

/** One page of an upstream list, with the upstream's own continuation token. */
export interface Page<T> {
  items: T[];
  /** The upstream NextToken; null on the last page. */
  nextToken: string | null;
}

/**
 * In a model, a member the upstream sent in a shape this subgraph cannot use (an enum value added
 * since, a timestamp that is not one): the GraphQL error of the field it feeds, already translated
 * and logged by the adapter, held where the value would be. graphql-js and graphql-jit both report
 * an Error a field resolves to as that field's error (the field is null, the rest of the entity is
 * still answered), so a model needs no resolver for it: the default one returns the error.
 */
export type FieldFailure = GraphQLError;

/**
 * A model member for code that reads it (a resolver that computes the field, the credential's
 * status): the value, or the member's failure thrown as the field's error.
 */
export function fieldValue<T>(value: T | FieldFailure): T {
  if (value instanceof GraphQLError) throw value;
  return value;
}
