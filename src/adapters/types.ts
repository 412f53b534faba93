/** Shapes shared by every port. */
import type { GraphQLError } from 'graphql';

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
 * since, a required member missing): the field it feeds fails alone, with `error`, already
 * translated and logged by the adapter, and the rest of the entity is still answered.
 */
export class FieldFailure {
  readonly error: GraphQLError;
  constructor(error: GraphQLError) {
    this.error = error;
  }
}

/** A model member for its resolver: the value, or the member's failure thrown as the field's error. */
export function fieldValue<T>(value: T | FieldFailure): T {
  if (value instanceof FieldFailure) throw value.error;
  return value;
}
