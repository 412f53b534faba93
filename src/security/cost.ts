/**
 * Static cost of a GraphQL operation, computed from the schema's `@cost` and `@listSize`
 * directives the way Apollo's demand control does (the IBM GraphQL Cost Directives spec,
 * https://ibm.github.io/graphql-specs/cost-spec.html):
 *
 * - a field returning an object, interface or union costs 1, a scalar or enum field 0; a
 *   `@cost(weight: n)` on the field (else on its type) replaces that weight;
 * - a list field's cost, its own weight plus the cost of its selections, is multiplied by the
 *   list's size: the largest slicing argument (`first`, its schema default when absent), else
 *   `assumedSize`, else {@link DEFAULT_LIST_SIZE}. A `@listSize(sizedFields: [...])` on a
 *   connection field gives that size to the named child lists (`edges`, `nodes`) instead;
 * - `_entities(representations:)` is sized by the number of representations;
 * - arguments add the cost of their input objects (1 each, or their `@cost`), as Apollo does;
 * - a mutation adds 10, Apollo's base cost of a mutation.
 *
 * The selections are collected as graphql-js executes them: fields with the same response key
 * are merged (executed once), a fragment is collected once per selection set, `@skip`/`@include`
 * are applied with the operation's variables, and on an abstract type (the `_Entity` union) each
 * possible type is costed on its own and the most expensive one counts, because every element is
 * exactly one of them.
 */
import {
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isInputObjectType,
  isInputType,
  isListType,
  isObjectType,
  Kind,
  typeFromAST,
  valueFromAST,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';

/**
 * The size assumed for a list with no slicing argument and no `assumedSize`, as Apollo Router's
 * `demand_control.strategy.static_estimated.list_size` (its documented example value is 10). In
 * this schema that applies to `ConnectorDestinationAuthConfig.generalAuthorization` (0-3 items,
 * so overestimated) and `ConnectAppAuthorizationPayload.userErrors`.
 */
export const DEFAULT_LIST_SIZE = 10;

/** Apollo's base cost of a mutation operation. */
export const MUTATION_BASE_COST = 10;

export interface CostOptions {
  /** Size of a list with neither a slicing argument nor `assumedSize`. Default {@link DEFAULT_LIST_SIZE}. */
  defaultListSize?: number;
}

interface ListSizeDirective {
  slicingArguments: readonly string[];
  sizedFields: readonly string[];
  assumedSize: number | undefined;
}

type Variables = Record<string, unknown>;

interface CostContext {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  variables: Variables;
  /** The size of the list a variable holds (`_entities` representations). */
  lengthOf: (name: string) => number;
  defaultListSize: number;
  queryType: GraphQLObjectType | null | undefined;
}

/**
 * The estimated cost of `operationName` in `document` (the only operation when null), with the
 * request's raw `variables`. Meant for validated documents (Apollo calls it after validation);
 * an operation that cannot be found costs 0, unknown fields and types cost nothing.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Readonly<Record<string, unknown>> | null,
  options: CostOptions = {},
): number {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return 0;
  return costOf(
    schema,
    document,
    operation,
    coerceVariables(schema, operation.variableDefinitions ?? [], variables ?? {}),
    options,
  );
}

/** The cost of `operation` with variables already coerced (defaults applied). */
function costOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  options: CostOptions,
  lengthOf: (name: string) => number = (name) => sizeOfList(variables[name]),
): number {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const context: CostContext = {
    schema,
    fragments,
    variables,
    lengthOf,
    defaultListSize: options.defaultListSize ?? DEFAULT_LIST_SIZE,
    queryType: schema.getQueryType(),
  };
  const base = operation.operation === 'mutation' ? MUTATION_BASE_COST : 0;
  return base + selectionSetCost(context, rootType, [operation.selectionSet], undefined);
}

/** Costs an operation of a validated document, with its coerced variables. */
export type CostEstimator = (
  document: DocumentNode,
  operation: OperationDefinitionNode,
  coercedVariables: Readonly<Record<string, unknown>>,
) => number;

/** The variable values one cost computation read, the list sizes it read, and the cost they gave. */
interface RememberedCost {
  names: string[];
  values: unknown[];
  listNames: string[];
  listSizes: number[];
  cost: number;
}

/**
 * {@link operationCost} for repeated operations: per operation (of a cached document), the last
 * cost is kept with the variable values its computation read (slicing arguments, `@skip`/`@include`
 * flags) and the sizes of the lists it read only for their size (`_entities` representations), and
 * a request whose values and sizes for those variables are the same gets it without a walk of the
 * selections. The computation is deterministic in the document and what it reads, so the answer is
 * the one a walk would give.
 *
 * Variables may carry secrets (an OAuth code) that must not outlive the request, and a cost never
 * depends on a string's value, an input object's leaf values or a list's items, only on which of
 * them are present and how many there are. So numbers, booleans and null are kept as they are;
 * strings, input objects and lists as their {@link shapeOf shape} (field names, list lengths, and
 * a placeholder for every string); a list read only for its size, as its size. When the variables
 * did not coerce ({@link coerceVariables} hands back the raw values, whose field names are the
 * client's), or a computation read them as a whole, its cost is not kept.
 */
export function createCostEstimator(schema: GraphQLSchema, options: CostOptions = {}): CostEstimator {
  const remembered = new WeakMap<OperationDefinitionNode, RememberedCost>();
  return (document, operation, coercedVariables) => {
    const last = remembered.get(operation);
    if (last && sameReads(last, coercedVariables)) return last.cost;
    const read = new Map<string, unknown>();
    const sizes = new Map<string, number>();
    let keepable = !(RAW in coercedVariables);
    const note = (name: string | symbol, value: unknown) => {
      if (typeof name === 'string' && !read.has(name)) read.set(name, value);
    };
    const recording = new Proxy(coercedVariables as Variables, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        note(name, value);
        return value;
      },
      has(target, name) {
        note(name, (target as Record<string | symbol, unknown>)[name]);
        return Reflect.has(target, name);
      },
      getOwnPropertyDescriptor(target, name) {
        note(name, (target as Record<string | symbol, unknown>)[name]);
        return Reflect.getOwnPropertyDescriptor(target, name);
      },
      ownKeys(target) {
        keepable = false; // read as a whole
        return Reflect.ownKeys(target);
      },
    });
    // A list read for its size only: the size is kept, never the items.
    const lengthOf = (name: string) => {
      const size = sizeOfList(Object.hasOwn(coercedVariables, name) ? coercedVariables[name] : undefined);
      sizes.set(name, size);
      return size;
    };
    const cost = costOf(schema, document, operation, recording, options, lengthOf);
    if (keepable) {
      remembered.set(operation, {
        names: [...read.keys()],
        values: Array.from(read.values(), shapeOf),
        listNames: [...sizes.keys()],
        listSizes: [...sizes.values()],
        cost,
      });
    } else {
      remembered.delete(operation);
    }
    return cost;
  };
}

/** True when `variables` hold what a remembered computation read: the same values and list sizes. */
function sameReads(last: RememberedCost, variables: Readonly<Record<string, unknown>>): boolean {
  for (let i = 0; i < last.names.length; i += 1) {
    if (shapeOf(variables[last.names[i]!]) !== last.values[i]) return false;
  }
  for (let i = 0; i < last.listNames.length; i += 1) {
    const name = last.listNames[i]!;
    if (sizeOfList(Object.hasOwn(variables, name) ? variables[name] : undefined) !== last.listSizes[i]) return false;
  }
  return true;
}

/** Marks variables that did not coerce: the raw values ({@link coerceVariables}). */
const RAW = Symbol('raw variables');

/** The placeholder a string stands as in a {@link shapeOf shape}. */
const STRING = '\u0000s';

/**
 * What of a variable's value a cost can depend on: a number, boolean, null or undefined as itself;
 * anything else as a string that names its kind and structure but holds no string value: `STRING`
 * for a string, `[…]` with each item's shape for a list, `{name:shape,…}` for an input object.
 * Two values with the same shape cost the same in every operation.
 */
export function shapeOf(value: unknown): unknown {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return STRING;
  if (Array.isArray(value)) {
    let shape = '[';
    for (const item of value) shape += `${String(shapeOf(item))},`;
    return `${shape}]`;
  }
  if (typeof value === 'object') {
    let shape = '{';
    for (const key in value) shape += `${key}:${String(shapeOf((value as Record<string, unknown>)[key]))},`;
    return `${shape}}`;
  }
  return NaN; // anything else (never in coerced variables): equal to nothing, so never remembered
}

/**
 * The variables as execution will see them (defaults applied). When they do not coerce (execution
 * will reject them), the raw values, with the definitions' defaults for the missing ones.
 */
export function coerceVariables(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  inputs: Readonly<Record<string, unknown>>,
): Variables {
  try {
    const result = getVariableValues(schema, definitions, inputs, { maxErrors: 1 });
    if (result.coerced) return result.coerced;
  } catch {
    // fall through
  }
  const variables: Variables = { ...inputs };
  Object.defineProperty(variables, RAW, { value: true });
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (variables[name] === undefined && definition.defaultValue && type && isInputType(type)) {
      variables[name] = valueFromAST(definition.defaultValue, type);
    }
  }
  return variables;
}

/**
 * The cost of the selection sets (merged) on `parentType`: on an abstract type, the most expensive
 * possible type. `sizedFields` maps child field names to the list size a parent `@listSize` gives them.
 */
function selectionSetCost(
  context: CostContext,
  parentType: GraphQLCompositeType,
  selectionSets: readonly SelectionSetNode[],
  sizedFields: ReadonlyMap<string, number> | undefined,
): number {
  const runtimeTypes: readonly GraphQLObjectType[] = isAbstractType(parentType)
    ? context.schema.getPossibleTypes(parentType)
    : isObjectType(parentType)
      ? [parentType]
      : [];
  let most = 0;
  for (const runtimeType of runtimeTypes) {
    const fields = collectFields(context, runtimeType, selectionSets);
    let sum = 0;
    for (const nodes of fields.values()) {
      sum += fieldCost(context, runtimeType, nodes, sizedFields);
    }
    most = Math.max(most, sum);
  }
  return most;
}

/** graphql-js's CollectFields: response key → field nodes, fragments followed once, @skip/@include applied. */
function collectFields(
  context: CostContext,
  runtimeType: GraphQLObjectType,
  selectionSets: readonly SelectionSetNode[],
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visitedFragments = new Set<string>();
  const visit = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (!shouldInclude(context, selection)) continue;
      switch (selection.kind) {
        case Kind.FIELD: {
          const key = selection.alias?.value ?? selection.name.value;
          const existing = fields.get(key);
          if (existing) existing.push(selection);
          else fields.set(key, [selection]);
          break;
        }
        case Kind.INLINE_FRAGMENT:
          if (conditionMatches(context, selection.typeCondition?.name.value, runtimeType)) {
            visit(selection.selectionSet);
          }
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          if (visitedFragments.has(name)) break;
          visitedFragments.add(name);
          const fragment = context.fragments.get(name);
          if (fragment && conditionMatches(context, fragment.typeCondition.name.value, runtimeType)) {
            visit(fragment.selectionSet);
          }
          break;
        }
      }
    }
  };
  for (const selectionSet of selectionSets) visit(selectionSet);
  return fields;
}

function shouldInclude(context: CostContext, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (!node.directives?.length) return true;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, context.variables)?.['if'] === true) return false;
    if (getDirectiveValues(GraphQLIncludeDirective, node, context.variables)?.['if'] === false) return false;
  } catch {
    // an invalid variable: count the selection (execution rejects the operation anyway)
  }
  return true;
}

function conditionMatches(
  context: CostContext,
  typeConditionName: string | undefined,
  runtimeType: GraphQLObjectType,
): boolean {
  if (typeConditionName === undefined) return true;
  const conditionType = typeFromAST(context.schema, {
    kind: Kind.NAMED_TYPE,
    name: { kind: Kind.NAME, value: typeConditionName },
  });
  if (!conditionType) return false;
  if (conditionType === runtimeType) return true;
  return isAbstractType(conditionType) && context.schema.isSubType(conditionType, runtimeType);
}

/** The cost of one response key (its merged field nodes) on an object type. */
function fieldCost(
  context: CostContext,
  parentType: GraphQLObjectType,
  nodes: readonly FieldNode[],
  sizedFields: ReadonlyMap<string, number> | undefined,
): number {
  const first = nodes[0];
  if (!first) return 0;
  const name = first.name.value;
  if (name.startsWith('__')) return 0; // __typename, and introspection (answered without resolvers)
  const field = parentType.getFields()[name];
  if (!field) return 0;

  const namedType = getNamedType(field.type);
  const weight = costWeight(field.astNode?.directives) ?? costOfType(namedType) ?? (isCompositeType(namedType) ? 1 : 0);
  const listSize = readListSize(field.astNode?.directives);
  const args = argumentValues(context, field, first, listSize?.slicingArguments ?? []);

  let childSizes: Map<string, number> | undefined;
  if (listSize && listSize.sizedFields.length > 0) {
    const size = slicedSize(field, args, listSize) ?? listSize.assumedSize ?? context.defaultListSize;
    childSizes = new Map(listSize.sizedFields.map((sized) => [sized, size]));
  }

  let multiplier = 1;
  if (isListType(getNullableType(field.type))) {
    if (parentType === context.queryType && name === '_entities') {
      multiplier = representationCount(context, first);
    } else if (sizedFields?.has(name)) {
      multiplier = sizedFields.get(name) ?? context.defaultListSize;
    } else if (listSize && listSize.sizedFields.length === 0) {
      multiplier = slicedSize(field, args, listSize) ?? listSize.assumedSize ?? context.defaultListSize;
    } else {
      multiplier = context.defaultListSize;
    }
  }

  const selectionSets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  const selectionsCost =
    isCompositeType(namedType) && selectionSets.length > 0
      ? selectionSetCost(context, namedType, selectionSets, childSizes)
      : 0;

  let argumentsCost = 0;
  for (const arg of field.args) {
    argumentsCost += inputCost(args[arg.name], arg.type, costWeight(arg.astNode?.directives));
  }
  return Math.max(0, multiplier) * (weight + selectionsCost) + argumentsCost;
}

/**
 * The values of the field's arguments that can change its cost, each coerced on its own (so one
 * invalid argument does not hide the others), with the schema's default for an absent or invalid
 * one: slicing arguments, input objects, and arguments with a `@cost` weight. The others (ids,
 * names, plain lists of scalars) cost nothing whatever their value, and are not read.
 */
function argumentValues(
  context: CostContext,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  slicingArguments: readonly string[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const arg of field.args) {
    const costs =
      slicingArguments.includes(arg.name) ||
      isInputObjectType(getNamedType(arg.type)) ||
      costWeight(arg.astNode?.directives) !== undefined;
    if (!costs) continue;
    const argumentNode = node.arguments?.find((candidate) => candidate.name.value === arg.name);
    let value: unknown;
    if (argumentNode) {
      try {
        value = valueFromAST(argumentNode.value, arg.type, context.variables);
      } catch {
        value = undefined; // a scalar's parseLiteral threw: execution reports it
      }
    }
    value ??= arg.defaultValue;
    if (value !== undefined) values[arg.name] = value;
  }
  return values;
}

/** The largest slicing argument given (or defaulted), or undefined when none is an integer. */
function slicedSize(
  field: GraphQLField<unknown, unknown>,
  args: Record<string, unknown>,
  listSize: ListSizeDirective,
): number | undefined {
  let size: number | undefined;
  for (const name of listSize.slicingArguments) {
    const value = args[name] ?? field.args.find((arg) => arg.name === name)?.defaultValue;
    if (typeof value === 'number' && Number.isFinite(value)) size = Math.max(size ?? 0, value);
  }
  return size;
}

/** The number of `_entities` representations, from the literal list or the variable's value. */
function representationCount(context: CostContext, node: FieldNode): number {
  const argument = node.arguments?.find((arg) => arg.name.value === 'representations');
  if (!argument) return 0;
  return listLength(context, argument.value);
}

/** How many items a list value holds; a single value is a list of one (input coercion). */
function sizeOfList(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return value === null || value === undefined ? 0 : 1;
}

function listLength(context: CostContext, value: ValueNode): number {
  switch (value.kind) {
    case Kind.LIST:
      return value.values.length;
    case Kind.VARIABLE:
      return context.lengthOf(value.name.value);
    case Kind.NULL:
      return 0;
    default:
      return 1;
  }
}

/** Apollo's argument cost: an input object costs 1 (or its @cost) plus its fields; lists sum their items. */
function inputCost(value: unknown, type: GraphQLInputType, weight: number | undefined): number {
  if (value === null || value === undefined) return 0;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return inputCost(value, nullable.ofType, weight);
    let sum = weight ?? 0;
    for (const item of value) sum += inputCost(item, nullable.ofType, undefined);
    return sum;
  }
  if (isInputObjectType(nullable) && typeof value === 'object') {
    let sum = weight ?? costWeight(nullable.astNode?.directives) ?? 1;
    const fields = nullable.getFields();
    for (const [name, fieldValue] of Object.entries(value)) {
      const fieldDef = fields[name];
      if (fieldDef) sum += inputCost(fieldValue, fieldDef.type, costWeight(fieldDef.astNode?.directives));
    }
    return sum;
  }
  return weight ?? 0;
}

const COST_DIRECTIVE_NAMES: ReadonlySet<string> = new Set(['cost', 'federation__cost']);
const LIST_SIZE_DIRECTIVE_NAMES: ReadonlySet<string> = new Set(['listSize', 'federation__listSize']);

function findDirective(
  directives: readonly ConstDirectiveNode[] | undefined,
  names: ReadonlySet<string>,
): ConstDirectiveNode | undefined {
  return directives?.find((directive) => names.has(directive.name.value));
}

function directiveArgument(directive: ConstDirectiveNode, name: string): unknown {
  const argument = directive.arguments?.find((arg) => arg.name.value === name);
  return argument ? valueFromASTUntyped(argument.value) : undefined;
}

/** The weight of a `@cost` among these directive applications (as `@apollo/subgraph` keeps them in the AST). */
function costWeight(directives: readonly ConstDirectiveNode[] | undefined): number | undefined {
  const directive = findDirective(directives, COST_DIRECTIVE_NAMES);
  if (!directive) return undefined;
  const weight = Number(directiveArgument(directive, 'weight'));
  return Number.isFinite(weight) ? weight : undefined;
}

function costOfType(type: GraphQLNamedType): number | undefined {
  const directives = [
    ...(type.astNode?.directives ?? []),
    ...type.extensionASTNodes.flatMap((node) => node.directives ?? []),
  ];
  return costWeight(directives);
}

function readListSize(directives: readonly ConstDirectiveNode[] | undefined): ListSizeDirective | undefined {
  const directive = findDirective(directives, LIST_SIZE_DIRECTIVE_NAMES);
  if (!directive) return undefined;
  const strings = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  const assumed = directiveArgument(directive, 'assumedSize');
  return {
    slicingArguments: strings(directiveArgument(directive, 'slicingArguments')),
    sizedFields: strings(directiveArgument(directive, 'sizedFields')),
    assumedSize: typeof assumed === 'number' && Number.isFinite(assumed) ? assumed : undefined,
  };
}
