/**
 * Operation limits checked before any resolver runs, so a rejected operation makes no upstream
 * call: the token limit at parse time, depth, aliases, directives and one `connectAppAuthorization`
 * per operation (validation rules and again in the plugin) and the cost once the operation and its
 * variables are known. (The length of the query text is checked by the HTTP layer, before parsing.)
 *
 * A subgraph receives the operations the router's query planner writes (`_entities` with many
 * representations, router-inserted aliases and `__typename`s), so these limits are a backstop,
 * looser than the router's own, calibrated on the largest operations a router legitimately sends
 * here (see {@link DEFAULT_OPERATION_LIMITS}).
 *
 * Every rejection is a `GraphQLError` with `extensions.code` `REQUEST_LIMIT_EXCEEDED`, HTTP 400,
 * and a message naming WHICH limit was hit but never the limit's value or the measured value
 * (unlike graphql-armor with its default `exposeLimits: true`).
 *
 * Wiring (Apollo Server 5):
 * ```ts
 * new ApolloServer({
 *   schema,
 *   parseOptions: limitParseOptions(limits),
 *   validationRules: limitValidationRules(limits), // optional: the plugin checks the same limits
 *   plugins: [costLimitPlugin(schema, limits)],
 * });
 * ```
 * Apollo wraps every validation error in its `ValidationError`, which overwrites
 * `extensions.code` with `GRAPHQL_VALIDATION_FAILED`, and every parse error in its `SyntaxError`
 * (`GRAPHQL_PARSE_FAILED`, with graphql-js's message naming the token count). The plugin restores
 * our code and message on both in `didEncounterErrors`, which Apollo calls with the very error
 * objects it formats next; and it checks depth, aliases and directives itself in
 * `didResolveOperation`, so those limits hold with our code even without the validation rules.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { ERRORS } from '../errors.ts';
import { coerceVariables, createCostEstimator, operationCost } from './cost.ts';

export { operationCost, DEFAULT_LIST_SIZE, MUTATION_BASE_COST } from './cost.ts';

export interface OperationLimits {
  /** Deepest field path, fragments followed; `__typename` and introspection not counted. */
  maxDepth: number;
  /** Aliased fields of the operation, fragments counted where spread; `__typename` aliases included. */
  maxAliases: number;
  /** Directive uses in the whole executable document. */
  maxDirectives: number;
  /** Lexical tokens of the document (graphql-js `parse` option; comments are not tokens). */
  maxTokens: number;
  /** Static cost from `@cost`/`@listSize` (see cost.ts). */
  maxCost: number;
  /** Characters of query text, comments and whitespace included (checked before parsing). */
  maxLength: number;
}

/**
 * Backstop defaults, calibrated on the largest operations a router sends this subgraph (measured
 * in src/security/__tests__/operationLimits.test.ts; tokens as graphql-js counts them):
 *
 * | operation                                                      | depth | aliases | directives | tokens | cost |
 * | -------------------------------------------------------------- | ----- | ------- | ---------- | ------ | ---- |
 * | `_entities`, 100 representations, every field of every entity  | 5     | 5 (1)   | 0          | 173    | 3000 |
 * | `connectorDestinations(first: 100)`, edges + nodes, all fields | 7     | 0       | 0          | 117    | 6102 |
 * | one fetch with every root field, all fields, pages of 100      | 7     | 0       | 0          | 325    | 6647 |
 *
 * (1) when one `_entities` fetch spans several entity types, the planner aliases fields whose
 * types conflict across them (`name`, `app`, `status`, `authType`, `updatedAt`), as
 * `name__alias_0: name`. The @apollo/query-planner fetches for an `integrations(first: 100)` query
 * of the neighbour fixture selecting everything are one type each and smaller: at most 72
 * tokens, depth 5, cost 3000 (100 destinations), no alias.
 *
 * - `maxDepth` 10: the schema has no cycle, so no legal operation is deeper than 7
 *   (`connectorDestinations.edges.node.authConfig.generalAuthorization.secretsManager.arn`); 10
 *   leaves room for a back-reference added later. graphql-armor's 6 would reject legitimate paths.
 * - `maxAliases` 50: graphql-armor's client-facing 15 can arrive here doubled (a gateway doubled
 *   the aliases a subgraph saw, lablup/backend.ai#14887), plus the planner's own aliases (5 above);
 *   cost and the per-operation upstream budget bound the real work, so this only has to stop
 *   alias bombs (200 copies of a root field).
 * - `maxDirectives` 50: graphql-armor's default; planners forward the client's `@skip`/`@include`.
 * - `maxTokens` 2000: ~6x the largest legitimate fetch (representations travel as a variable,
 *   not in the document). It also caps the aliases a document can hold (at least 6 tokens each).
 * - `maxLength` 65536 characters: tokens leave comments and whitespace uncounted, so a query of
 *   a few tokens could otherwise carry a megabyte of text into every cache that keys or keeps it.
 *   The largest fetch above is about 3 KB as the planner prints it; 2000 tokens, indented, stay
 *   well under 64 KiB.
 * - `maxCost` 10000: ~1.5x the largest legitimate fetch (6647). 50 aliased copies of
 *   `connectorDestinations(first: 100) { nodes { cloudConnector { id } } }` cost 30050 (601 each),
 *   17 copies already exceed it. An `_entities` batch of more than ~330 fully selected
 *   destinations (30 each) is rejected too; such a batch would use most of the upstream budget.
 *   Cost uses `DEFAULT_LIST_SIZE` 10 for `generalAuthorization` (documented 0-3 items):
 *   `@listSize(assumedSize: 3)` there would lower each destination from 29 to 15.
 */
export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = Object.freeze({
  maxDepth: 10,
  maxAliases: 50,
  maxDirectives: 50,
  maxTokens: 2000,
  maxCost: 10_000,
  maxLength: 64 * 1024,
});

/** The limits, each named as it appears in rejection messages. */
export type LimitName = 'depth' | 'aliases' | 'directives' | 'tokens' | 'cost' | 'length' | 'connect';

const MESSAGES: Readonly<Record<LimitName, string>> = {
  depth: 'The operation is too deep (limit: depth).',
  aliases: 'The operation uses too many aliases (limit: aliases).',
  directives: 'The operation uses too many directives (limit: directives).',
  tokens: 'The document exceeds the token limit (limit: tokens).',
  cost: 'The operation is too expensive (limit: cost).',
  length: 'The document is too long (limit: length).',
  connect: 'connectAppAuthorization may be sent once per operation (limit: connect).',
};

/** Marks the errors made here, so the plugin recognises them inside Apollo's wrappers. */
export class OperationLimitError extends GraphQLError {
  readonly limit: LimitName;
  constructor(limit: LimitName) {
    super(MESSAGES[limit], {
      extensions: { code: ERRORS.REQUEST_LIMIT_EXCEEDED.code, http: { status: 400 } },
    });
    this.name = 'OperationLimitError';
    this.limit = limit;
  }
}

/** graphql-js parse options for Apollo Server's `parseOptions`: the token limit. */
export function limitParseOptions(limits: OperationLimits): { maxTokens: number } {
  return { maxTokens: limits.maxTokens };
}

/** Validation rules for Apollo Server's `validationRules`: depth, aliases, directives. */
export function limitValidationRules(limits: OperationLimits): ValidationRule[] {
  const directiveRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
    Document(node) {
      if (documentDirectives(node) > limits.maxDirectives) {
        context.reportError(new OperationLimitError('directives'));
      }
    },
  });
  return [
    perOperationRule('depth', (document, operation) => operationDepth(document, operation) > limits.maxDepth),
    perOperationRule('aliases', (document, operation) => operationAliases(document, operation) > limits.maxAliases),
    directiveRule,
    perOperationRule('connect', (document, operation) => operationConnects(document, operation) > 1),
  ];
}

/** A validation rule reporting `limit` once, for the first operation of the document that exceeds it. */
function perOperationRule(
  limit: LimitName,
  exceeds: (document: DocumentNode, operation: OperationDefinitionNode) => boolean,
): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let reported = false;
    return {
      OperationDefinition(node) {
        if (reported || !exceeds(context.getDocument(), node)) return;
        reported = true;
        context.reportError(new OperationLimitError(limit));
      },
    };
  };
}

/**
 * An Apollo Server plugin enforcing the limits before execution. In `didResolveOperation` (the
 * operation and variables are known, no resolver has run): depth, aliases, directives, then cost.
 * In `didEncounterErrors`: gives the token-limit parse error and the limit errors of
 * {@link limitValidationRules} back their `REQUEST_LIMIT_EXCEEDED` code and a message without the
 * number, and drops the parse error's location (it would show where the limit was reached).
 */
export function costLimitPlugin<TContext extends BaseContext = BaseContext>(
  schema: GraphQLSchema,
  limits: OperationLimits,
): ApolloServerPlugin<TContext> {
  // Per operation of a cached document (Apollo reuses the parsed document): the limits that depend
  // on the document alone. Costs are remembered by the estimator for the variable values they read,
  // never for strings, lists or input objects (variables may carry secrets, such as an OAuth code).
  const staticLimits = new WeakMap<OperationDefinitionNode, LimitName | null>();
  const estimateCost = createCostEstimator(schema);
  const costOf = (document: DocumentNode, operation: OperationDefinitionNode, variables: Variables) =>
    estimateCost(document, operation, coerceVariables(schema, operation.variableDefinitions ?? [], variables ?? {}));
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return; // no such operation: execution answers that itself
          let exceededStatic = staticLimits.get(operation);
          if (exceededStatic === undefined) {
            staticLimits.set(operation, (exceededStatic = exceededStaticLimit(limits, document, operation) ?? null));
          }
          const exceeded =
            exceededStatic ?? (costOf(document, operation, request.variables ?? null) > limits.maxCost ? 'cost' : null);
          if (exceeded) throw new OperationLimitError(exceeded);
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) restoreLimitError(error);
        },
      };
    },
  };
}

type Variables = Readonly<Record<string, unknown>> | null;

/**
 * The first limit the operation's document exceeds, in the order depth, aliases, directives. Cost
 * is checked after these: it is the only one that walks per possible type, and depth bounds its
 * recursion.
 */
function exceededStaticLimit(
  limits: OperationLimits,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): LimitName | undefined {
  if (operationDepth(document, operation) > limits.maxDepth) return 'depth';
  if (operationAliases(document, operation) > limits.maxAliases) return 'aliases';
  if (documentDirectives(document) > limits.maxDirectives) return 'directives';
  if (operationConnects(document, operation) > 1) return 'connect';
  return undefined;
}

// graphql-js 16.15 spells it "more that"; accept the corrected spelling too.
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] \d+ tokens\. Parsing aborted\.$/;

/** Rewrites, in place, an Apollo-wrapped limit error so the client sees our code and message. */
function restoreLimitError(error: GraphQLError): void {
  const extensions = error.extensions as Record<string, unknown>;
  if (error.originalError instanceof OperationLimitError) {
    // Apollo's ValidationError: message ours, code GRAPHQL_VALIDATION_FAILED.
    extensions['code'] = ERRORS.REQUEST_LIMIT_EXCEEDED.code;
    return;
  }
  if (extensions['code'] === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_MESSAGE.test(error.message)) {
    error.message = MESSAGES.tokens;
    extensions['code'] = ERRORS.REQUEST_LIMIT_EXCEEDED.code;
    (error as { locations: GraphQLError['locations'] }).locations = undefined;
  }
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * Sums (or maxes) a per-selection-set measure through named fragments, each fragment measured
 * once (memoised) and a fragment already on the path counting 0, so cyclic documents (rejected by
 * NoFragmentCyclesRule, which runs alongside) terminate.
 */
function measureSelections(
  document: DocumentNode,
  root: SelectionSetNode,
  measure: (
    set: SelectionSetNode,
    recurse: (set: SelectionSetNode) => number,
    spread: (name: string) => number,
  ) => number,
): number {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  const onPath = new Set<string>();
  const recurse = (set: SelectionSetNode): number => measure(set, recurse, spread);
  const spread = (name: string): number => {
    const cached = memo.get(name);
    if (cached !== undefined) return cached;
    const fragment = fragments.get(name);
    if (!fragment || onPath.has(name)) return 0;
    onPath.add(name);
    const value = recurse(fragment.selectionSet);
    onPath.delete(name);
    memo.set(name, value);
    return value;
  };
  return recurse(root);
}

/** The deepest field path of the operation, fragments followed; `__typename`, `__schema`, `__type` ignored. */
export function operationDepth(document: DocumentNode, operation: OperationDefinitionNode): number {
  return measureSelections(document, operation.selectionSet, (set, recurse, spread) => {
    let deepest = 0;
    for (const selection of set.selections) {
      let depth: number;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        depth = 1 + (selection.selectionSet ? recurse(selection.selectionSet) : 0);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        depth = recurse(selection.selectionSet);
      } else {
        depth = spread(selection.name.value);
      }
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  });
}

/**
 * Aliased fields of the operation, a fragment counted at each spread. `__typename` aliases count
 * like any other: each is a response key, and the only one cost does not price. Uncounted, 600 of
 * them fit the token limit, and each such operation took 25–45 ms to validate, compile and answer
 * (measured on this project's machine, against about 0.3 ms of CPU for a lookup). Clients and
 * query planners select `__typename` without an alias.
 */
export function operationAliases(document: DocumentNode, operation: OperationDefinitionNode): number {
  return measureSelections(document, operation.selectionSet, (set, recurse, spread) => {
    let count = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) count += 1;
        if (selection.selectionSet) count += recurse(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        count += recurse(selection.selectionSet);
      } else {
        count += spread(selection.name.value);
      }
    }
    return count;
  });
}

/**
 * `connectAppAuthorization` fields of a mutation, however aliased or spread. Each spends a
 * single-use OAuth code, and aliased repeats would exchange several at once (OWASP: no batching
 * of sensitive operations); one per operation is allowed. Skipped or included, each counts.
 */
export function operationConnects(document: DocumentNode, operation: OperationDefinitionNode): number {
  if (operation.operation !== 'mutation') return 0;
  return measureSelections(document, operation.selectionSet, (set, recurse, spread) => {
    let count = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === 'connectAppAuthorization') count += 1;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        count += recurse(selection.selectionSet);
      } else {
        count += spread(selection.name.value);
      }
    }
    return count;
  });
}

/** Directive uses anywhere in the executable document. */
export function documentDirectives(document: DocumentNode): number {
  let count = 0;
  visit(document, {
    Directive() {
      count += 1;
    },
  });
  return count;
}

/** Lexical tokens of a source as graphql-js's `maxTokens` counts them (comments excluded). */
export function countTokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

export interface OperationMeasures {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
}

/** Every measure of one operation (for tests, logs and calibration). */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Readonly<Record<string, unknown>> | null,
): OperationMeasures | undefined {
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      (operationName == null || definition.name?.value === operationName),
  );
  if (!operation) return undefined;
  return {
    depth: operationDepth(document, operation),
    aliases: operationAliases(document, operation),
    directives: documentDirectives(document),
    cost: operationCost(schema, document, operationName ?? null, variables ?? null),
  };
}
