/**
 * A compiled executor for Apollo Server, through its gateway interface (the one seam Apollo
 * offers for replacing execution). Apollo still parses, validates (with its document cache),
 * runs every plugin hook, formats errors and writes the response; only execution changes:
 *
 * - An operation's first run goes through graphql-js, like stock Apollo. From its second run, the
 *   document is compiled with graphql-jit (resolvers, `_entities`/`_service`, abstract-type
 *   resolution and null propagation are the schema's own, so Federation semantics are unchanged)
 *   and the compiled function runs. Compiling only repeated documents keeps one-off queries from
 *   costing a compilation each.
 * - Variables are coerced by graphql-js first, so a bad variable gets the same error (and the same
 *   HTTP 400) as stock Apollo, and the compiled function only ever sees valid input.
 * - Requests that ask for a federated trace (`apollo-federation-include-trace: ftv1`) run on
 *   graphql-js, where Apollo's per-field instrumentation records the trace.
 *
 * Compiled functions live as long as Apollo's cached document does (a WeakMap on the document).
 *
 * graphql-jit answers a few documents differently from graphql-js; {@link jitDifferences} finds
 * them when an operation is compiled, and such requests run on graphql-js instead.
 *
 * One graphql-jit defect is worked around here: when an item of a list fails asynchronously, the
 * compiled code appends its null to the list instead of writing it at the item's index, so nulls
 * land out of place and trailing ones are lost. In a subgraph that would misalign `_entities` with
 * the router's representations. {@link settleEntities} makes `_entities` settle every item first
 * and hand over failures as Error values, which both executors report at the item's own path.
 */
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  execute,
  getNamedType,
  getVariableValues,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  isUnionType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  valueFromASTUntyped,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { badUserInput, toError } from '../errors.ts';
import { subgraphExtensions } from '../subgraphExtensions.ts';

/** Runs before an operation is compiled (graphql-js executes it until then). */
export const COMPILE_AFTER_RUNS = 1;

interface OperationEntry {
  runs: number;
  /**
   * undefined: not compiled yet; null: not compiled, because compilation failed or graphql-jit
   * would answer it differently ({@link jitDifferences}); graphql-js runs it from then on.
   */
  compiled: CompiledQuery | null | undefined;
  /** The compiled operation's variables that send a request to graphql-js when null. */
  nullSensitive: NullSensitiveVariables;
  /** Its required variables' defaults ({@link RequiredDefaults}). */
  defaults: RequiredDefaults;
}

export interface JitExecutorOptions {
  /** Called when compiling an operation failed (it then always runs on graphql-js). */
  onCompileError?: (error: unknown, operationName: string | null) => void;
  /** Called once per operation compiled. */
  onCompiled?: (operation: CompiledOperation) => void;
}

/** An operation Apollo parsed, validated and resolved, and that graphql-jit compiled. */
export interface CompiledOperation {
  /** The query text it was parsed from. */
  source: string;
  operationName: string | null;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  compiled: CompiledQuery;
  /** Variables that send a request to graphql-js when null ({@link jitDifferences}). */
  nullSensitive: NullSensitiveVariables;
  /** Its required variables' defaults ({@link RequiredDefaults}). */
  defaults: RequiredDefaults;
}

/**
 * The default values of an operation's non-null variables (`$detail: Boolean! = false`), as request
 * JSON. graphql-jit applies a default only to a nullable variable and refuses an omitted required
 * one, where graphql-js takes its default; a router's query plan keeps the client's variable
 * definitions, defaults included, and sends only the variables the client sent.
 */
export type RequiredDefaults = ReadonlyArray<readonly [name: string, value: unknown]>;

/** `variables` with every omitted required variable given its default (the same object when none is omitted). */
export function withDefaults(variables: Record<string, unknown>, defaults: RequiredDefaults): Record<string, unknown> {
  let filled: Record<string, unknown> | undefined;
  for (const [name, value] of defaults) {
    if (variables[name] !== undefined) continue;
    filled ??= { ...variables };
    filled[name] = value;
  }
  return filled ?? variables;
}

/**
 * Variables of an operation that graphql-jit treats differently from graphql-js when their value
 * is null, by name; true when the variable's default value is null, so that leaving it out makes it
 * null too.
 */
export type NullSensitiveVariables = ReadonlyMap<string, boolean>;

/** Whether a request's variables make one of {@link NullSensitiveVariables} null. */
export function givesNull(nullSensitive: NullSensitiveVariables, variables: Record<string, unknown>): boolean {
  for (const [name, nullByDefault] of nullSensitive) {
    const value = variables[name];
    if (value === null || (value === undefined && nullByDefault)) return true;
  }
  return false;
}

/**
 * Where graphql-jit answers a document differently from graphql-js, found by walking it once:
 * - **`unsupported`**: a variable inside a literal of a custom scalar, such as an `_entities`
 *   representation written inline (`{__typename: "CloudConnector", id: $id}`). graphql-jit turns
 *   such a literal into its value once, when compiling, without the variables, so every later run
 *   would get the first value without the variable. Such an operation is not compiled.
 * - **`nullSensitive`**: variables that graphql-jit treats differently when they are null: the `if`
 *   of `@skip` and `@include` (graphql-jit skips the field, where graphql-js raises a field error,
 *   as `if` is `Boolean!`), and variables inside an input object or list literal (graphql-jit
 *   reports a null where one is not allowed at the field's location, graphql-js at the argument's).
 *   A request that makes any of them null runs on graphql-js.
 */
export function jitDifferences(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): { unsupported: boolean; nullSensitive: NullSensitiveVariables; defaults: RequiredDefaults } {
  const typeInfo = new TypeInfo(schema);
  const names = new Set<string>();
  let unsupported = false;
  /** One entry per enclosing object or list literal: whether it is a custom scalar's value. */
  const literals: boolean[] = [];
  const enterLiteral = () => {
    const named = getNamedType(typeInfo.getInputType());
    const custom = named !== undefined && isScalarType(named) && !isSpecifiedScalarType(named);
    literals.push(custom || literals.at(-1) === true);
  };
  const leaveLiteral = () => void literals.pop();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Directive(node) {
        if (node.name.value !== 'skip' && node.name.value !== 'include') return;
        for (const argument of node.arguments ?? []) {
          if (argument.value.kind === Kind.VARIABLE) names.add(argument.value.name.value);
        }
      },
      ObjectValue: { enter: enterLiteral, leave: leaveLiteral },
      ListValue: { enter: enterLiteral, leave: leaveLiteral },
      Variable(node) {
        if (literals.length === 0) return;
        if (literals.at(-1)) unsupported = true;
        else names.add(node.name.value);
      },
    }),
  );
  const nullSensitive = new Map<string, boolean>();
  const defaults: Array<readonly [string, unknown]> = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (names.has(name)) nullSensitive.set(name, definition.defaultValue?.kind === Kind.NULL);
    if (definition.defaultValue && definition.type.kind === Kind.NON_NULL_TYPE) {
      defaults.push([name, valueFromASTUntyped(definition.defaultValue)]);
    }
  }
  return { unsupported, nullSensitive, defaults };
}

export function createJitExecutor(schema: GraphQLSchema, options: JitExecutorOptions = {}): GatewayExecutor {
  settleEntities(schema);
  const operations = new WeakMap<DocumentNode, Map<string | null, OperationEntry>>();

  const entryFor = (document: DocumentNode, operationName: string | null): OperationEntry => {
    let byName = operations.get(document);
    if (!byName) operations.set(document, (byName = new Map()));
    let entry = byName.get(operationName);
    if (!entry) {
      byName.set(operationName, (entry = { runs: 0, compiled: undefined, nullSensitive: new Map(), defaults: [] }));
    }
    return entry;
  };

  const compile = (
    source: string,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    operationName: string | null,
    entry: OperationEntry,
  ): CompiledQuery | null => {
    try {
      const differences = jitDifferences(schema, document, operation);
      if (differences.unsupported) return null;
      entry.nullSensitive = differences.nullSensitive;
      entry.defaults = differences.defaults;
      const compiled = compileQuery(schema, document, operationName ?? undefined, {
        // Errors thrown by resolvers keep their own stack; no extra capture per error.
        disablingCapturingStackErrors: true,
        // Enum and built-in scalar values are returned as the resolvers give them. The adapters'
        // mappings make every such value in its serialized form already (a string for String and
        // ID, an enum value's name, a whole number for Int), so graphql-js's serialization would
        // change nothing; test/jit.int.test.ts checks it against graphql-js for every field. The
        // serializing call allocates a location and a path array per leaf of every item, which
        // on lists and batches of 100 cost 5-15 % of CPU per request (docs/performance.md).
        disableLeafSerialization: true,
        // Responses are serialised once, with JSON.stringify. The production bundle leaves out
        // fast-json-stringify, which this option would call (scripts/build.ts).
        customJSONSerializer: false,
      });
      if (!isCompiledQuery(compiled)) {
        // graphql-jit reports most failures to compile this way, not by throwing.
        options.onCompileError?.(compiled.errors?.[0] ?? new Error('graphql-jit did not compile it'), operationName);
        return null;
      }
      options.onCompiled?.({
        source,
        operationName,
        document,
        operation,
        compiled,
        nullSensitive: differences.nullSensitive,
        defaults: differences.defaults,
      });
      return compiled;
    } catch (error) {
      options.onCompileError?.(error, operationName);
      return null;
    }
  };

  return async (requestContext) => {
    const { document, operationName, operation, request, context, source } = requestContext;
    const variables = request.variables ?? {};
    if (!operation) {
      // Apollo found no operation by the name the request gave (or it gave none for a document of
      // several): graphql-js says why, by the name as the request gave it, and Apollo answers
      // OPERATION_RESOLUTION_FAILURE. Nothing is compiled for it.
      return (await execute({
        schema,
        document,
        ...(request.operationName != null ? { operationName: request.operationName } : {}),
        variableValues: variables,
        contextValue: context,
      })) as ExecutionResult<Record<string, unknown>>;
    }
    const traced = request.http?.headers.get('apollo-federation-include-trace') === 'ftv1';
    const entry = entryFor(document, operationName);
    entry.runs += 1;

    if (!traced && entry.compiled === undefined && entry.runs > COMPILE_AFTER_RUNS) {
      entry.compiled = compile(source, document, operation, operationName, entry);
    }
    if (traced || !entry.compiled || (entry.nullSensitive.size > 0 && givesNull(entry.nullSensitive, variables))) {
      return (await execute({
        schema,
        document,
        operationName,
        variableValues: variables,
        contextValue: context,
      })) as ExecutionResult<Record<string, unknown>>;
    }

    const coerced = coerceVariables(schema, operation, variables);
    if (coerced) return coerced;
    return runCompiled(entry.compiled, context, withDefaults(variables, entry.defaults));
  };
}

/** Runs a compiled operation, its errors as graphql-js makes them ({@link withGraphQLErrors}). */
export async function runCompiled(
  compiled: CompiledQuery,
  context: unknown,
  variables: Record<string, unknown>,
): Promise<ExecutionResult<Record<string, unknown>>> {
  return withGraphQLErrors(
    (await compiled.query(undefined, context, variables)) as ExecutionResult<Record<string, unknown>>,
  );
}

/**
 * graphql-jit's errors are GraphQLErrors without `extensions` when the resolver's error had none
 * (any unexpected error), where graphql-js always gives an object. Apollo's error handling and
 * this subgraph's formatting read `extensions.code`; such errors are rebuilt as graphql-js would
 * make them (same message, locations, path and original error), so every executor answers an
 * unexpected error the same way.
 */
function withGraphQLErrors<T extends ExecutionResult<Record<string, unknown>>>(result: T): T {
  if (!result.errors?.some((error) => error.extensions === undefined)) return result;
  const errors = result.errors.map((error) => {
    if (error.extensions !== undefined) return error;
    const rebuilt = new GraphQLError(error.message, {
      ...(error.path ? { path: error.path } : {}),
      ...(error.originalError ? { originalError: error.originalError } : {}),
    });
    (rebuilt as { locations: GraphQLError['locations'] }).locations = error.locations;
    return rebuilt;
  });
  return { ...result, errors };
}

const SETTLED = Symbol('entities settled');

/**
 * Replaces `Query._entities` (in place) with a resolver that resolves the list with every item
 * settled: a value, or the item's failure as an Error value. graphql-js and graphql-jit both turn
 * an Error item into null plus an error at that item's path, in order.
 *
 * For entities of object types (every entity of this schema) it does what @apollo/subgraph's
 * `_entities` resolver does, with one promise per item where that resolver and a settling wrapper
 * around it took three: the type named by `__typename` (one that is not an entity type fails the
 * whole field, as in @apollo/subgraph, but as BAD_USER_INPUT), its `__resolveReference` (else the representation itself), and
 * `__typename` on the result, as @apollo/subgraph adds it. A representation of an interface type
 * goes to @apollo/subgraph's own resolver, which resolves its runtime type.
 */
export function settleEntities(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()['_entities'];
  const original = field?.resolve as (GraphQLFieldResolver<unknown, unknown> & { [SETTLED]?: true }) | undefined;
  if (!field || !original || original[SETTLED]) return;

  // The object types a representation may name: the members of `_Entity` (a type with a key). Any
  // other type, `Query` or `PageInfo` say, is refused as an unknown one.
  const entityUnion = schema.getType('_Entity');
  const entityTypes: ReadonlySet<GraphQLObjectType> = new Set(isUnionType(entityUnion) ? entityUnion.getTypes() : []);

  // One fulfilment handler per entity type (it adds that type's `__typename`), so an item costs
  // one `then` and no closure of its own.
  const typenameAdders = new Map<string, (value: unknown) => unknown>();
  const addTypename = (typename: string) => {
    let add = typenameAdders.get(typename);
    if (!add) typenameAdders.set(typename, (add = (value: unknown) => withTypename(value, typename)));
    return add;
  };

  // Async: a failure of the whole field (an unknown type) is a rejection, never a synchronous
  // throw, which graphql-jit does not report as a field error.
  const settled: GraphQLFieldResolver<unknown, unknown> & { [SETTLED]?: true } = async (
    source,
    args,
    context,
    info,
  ) => {
    const representations = (args as { representations: Array<{ __typename?: unknown }> }).representations;
    // Every type first: a batch with a representation of no entity type fails before any of its
    // references is loaded, so nothing is sent upstream for an answer that will be dropped.
    const items = new Array<unknown>(representations.length);
    for (let index = 0; index < representations.length; index++) {
      const typename = representations[index]!.__typename;
      const type = typeof typename === 'string' ? info.schema.getType(typename) : undefined;
      if (!(isObjectType(type) ? entityTypes.has(type) : isInterfaceType(type))) {
        throw unknownEntityType(typename, index);
      }
      items[index] = type;
    }
    for (let index = 0; index < representations.length; index++) {
      const reference = representations[index]!;
      const type = items[index] as GraphQLObjectType | GraphQLInterfaceType;
      if (isInterfaceType(type)) {
        const [item] = original(source, { representations: [reference] }, context, info) as unknown[];
        items[index] = isPromiseLike(item) ? item.then(undefined, toError) : item;
        continue;
      }
      const resolveReference = subgraphExtensions(type)?.resolveReference;
      let result: unknown;
      try {
        result = resolveReference ? resolveReference(reference, context, info) : reference;
      } catch (error) {
        items[index] = toError(error);
        continue;
      }
      items[index] = isPromiseLike(result)
        ? result.then(addTypename(type.name), toError)
        : withTypename(result, type.name);
    }
    return Promise.all(items);
  };
  settled[SETTLED] = true;
  field.resolve = settled;
}

/**
 * A representation whose `__typename` names no entity type of this schema: the router's request is
 * wrong, not this subgraph, so BAD_USER_INPUT (not @apollo/subgraph's plain Error, which was masked
 * as INTERNAL_SERVER_ERROR). The name is quoted as JSON and cut to 100 characters.
 */
function unknownEntityType(typename: unknown, index: number) {
  const quoted =
    typeof typename === 'string'
      ? JSON.stringify(typename.slice(0, 100))
      : `a ${typename === null ? 'null' : typeof typename}`;
  return badUserInput(`A representation's __typename must name an entity type of this subgraph; ${quoted} does not.`, [
    'representations',
    String(index),
    '__typename',
  ]);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** @apollo/subgraph's `__typename` on a resolved entity: kept when equal, else set (or copied). */
function withTypename(value: unknown, typename: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  const current = (value as { __typename?: unknown }).__typename;
  if (current === typename) return value;
  if ('__typename' in value) return { ...value, __typename: typename };
  Object.defineProperty(value, '__typename', { value: typename });
  return value;
}

/** graphql-js's own variable coercion: its errors, or null when the variables are valid. */
function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): ExecutionResult<Record<string, unknown>> | null {
  const definitions = operation.variableDefinitions ?? [];
  if (definitions.length === 0) return null;
  const coerced = getVariableValues(schema, definitions, variables, { maxErrors: 50 });
  return coerced.errors ? { errors: coerced.errors } : null;
}

/** A fixed schema behind Apollo Server's gateway interface, executed by {@link createJitExecutor}. */
export function createJitGateway(schema: GraphQLSchema, options: JitExecutorOptions = {}): GatewayInterface {
  const listeners = new Set<Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]>();
  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      // The schema never changes; there is no supergraph (this is a subgraph).
      for (const listener of listeners) listener({ apiSchema: schema, coreSupergraphSdl: '' });
      return { executor: createJitExecutor(schema, options) };
    },
    async stop() {
      listeners.clear();
    },
  };
}
