/**
 * Compares a public contract SDL with the SDL a subgraph serves (`_service { sdl }`).
 *
 * It walks the contract's AST and, for every definition and extension, finds the counterpart in the
 * served SDL (definitions and extensions of one name are merged, since `_service.sdl` splits Query
 * into `type Query` plus `extend type Query { _entities _service }`). The served SDL must provide:
 *
 * - every type, with the same kind; every field, argument, input field, enum value, union member and
 *   implemented interface;
 * - the same type references, compared by printing the type node, so `[String!]!` vs `[String!]` differs;
 * - the same argument and input-field default values;
 * - every directive use, compared by name and printed arguments (order-insensitive among arguments,
 *   with the directive definition's default arguments filled in, and FieldSet strings whitespace-normalised);
 * - every directive definition, with the same arguments, repeatability and locations;
 * - every schema-level `@link` with the same url, `as` and `for`, importing at least the contract's imports;
 * - the same root operation types.
 *
 * It may add descriptions, types, fields, nullable (or defaulted) arguments and input fields, and more
 * `@link` imports. It may not add enum values, required arguments or input fields, or restricting
 * directives (`@inaccessible`, `@authenticated`, `@requiresScopes`, `@policy`, or directives the contract
 * itself defines, such as `@scopes`) to contract elements that the contract does not restrict that way.
 *
 * Differences are returned as readable lines: `<path>: <what>`, for example
 * `ConnectorDestination.cloudConnector: type CloudConnector expected, got CloudConnector!`.
 */
import {
  Kind,
  OperationTypeNode,
  parse,
  print,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DefinitionNode,
  type DirectiveDefinitionNode,
  type DocumentNode,
  type EnumValueDefinitionNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type TypeDefinitionNode,
  type TypeExtensionNode,
} from 'graphql';

export interface ContractDiff {
  /** One readable line per difference; empty when the served SDL provides the whole contract. */
  differences: string[];
  /** How many contract elements were compared, so tests can prove the walk was exhaustive. */
  checked: CheckedCounts;
}

export interface CheckedCounts {
  /** Type definitions and extensions. */
  types: number;
  /** Object and interface fields. */
  fields: number;
  /** Field arguments and directive-definition arguments. */
  arguments: number;
  inputFields: number;
  enumValues: number;
  unionMembers: number;
  interfaces: number;
  /** Directive uses anywhere (schema, types, fields, arguments, enum values, input fields). */
  directiveUses: number;
  directiveDefinitions: number;
  operationTypes: number;
}

type TypeNode = TypeDefinitionNode | TypeExtensionNode;

type KindLabel = 'object type' | 'interface' | 'union' | 'enum' | 'input type' | 'scalar';

interface ServedType {
  kind: KindLabel;
  fields: Map<string, FieldDefinitionNode>;
  inputFields: Map<string, InputValueDefinitionNode>;
  values: Map<string, EnumValueDefinitionNode>;
  interfaces: Set<string>;
  members: Set<string>;
  directives: ConstDirectiveNode[];
}

interface ServedIndex {
  types: Map<string, ServedType>;
  directiveDefinitions: Map<string, DirectiveDefinitionNode>;
  /** Directive uses on directive definitions and `extend directive` extensions, by directive name. */
  directivesOnDirectives: Map<string, ConstDirectiveNode[]>;
  schemaDirectives: ConstDirectiveNode[];
  operationTypes: Map<OperationTypeNode, string>;
}

/** Directives that hide or guard an element: adding one to a contract element narrows the contract. */
const RESTRICTING_DIRECTIVES = new Set([
  'inaccessible',
  'authenticated',
  'requiresScopes',
  'policy',
  'federation__inaccessible',
  'federation__authenticated',
  'federation__requiresScopes',
  'federation__policy',
]);

/** Directives whose `fields` argument is a FieldSet, compared with whitespace and commas normalised. */
const FIELD_SET_DIRECTIVES = new Set(['key', 'requires', 'provides', 'federation__requires', 'federation__provides']);

const DEFAULT_ROOT_NAMES: ReadonlyMap<OperationTypeNode, string> = new Map([
  [OperationTypeNode.QUERY, 'Query'],
  [OperationTypeNode.MUTATION, 'Mutation'],
  [OperationTypeNode.SUBSCRIPTION, 'Subscription'],
]);

export function diffContract(contract: DocumentNode | string, served: DocumentNode | string): ContractDiff {
  const contractDoc = typeof contract === 'string' ? parse(contract) : contract;
  const servedDoc = typeof served === 'string' ? parse(served) : served;
  return new ContractComparison(contractDoc, servedDoc).run();
}

/** `path: message` lines, one per difference, for assertion messages and CI output. */
export function formatContractDiff(diff: ContractDiff): string {
  return diff.differences.length === 0
    ? 'The served SDL provides the whole contract.'
    : `The served SDL differs from the contract in ${diff.differences.length} place(s):\n` +
        diff.differences.map((line) => `  - ${line}`).join('\n');
}

/** Every count at zero. */
export function emptyCounts(): CheckedCounts {
  return {
    types: 0,
    fields: 0,
    arguments: 0,
    inputFields: 0,
    enumValues: 0,
    unionMembers: 0,
    interfaces: 0,
    directiveUses: 0,
    directiveDefinitions: 0,
    operationTypes: 0,
  };
}

class ContractComparison {
  private readonly differences: string[] = [];
  private readonly checked: CheckedCounts = emptyCounts();
  private readonly served: ServedIndex;
  /** Default argument values of every directive either document defines, for canonical printing. */
  private readonly directiveDefaults = new Map<string, Map<string, ConstValueNode>>();
  /** Directives the contract defines itself (subgraph-local ones such as @scopes); adding them restricts. */
  private readonly contractDefinedDirectives = new Set<string>();

  private readonly contract: DocumentNode;

  constructor(contract: DocumentNode, servedDoc: DocumentNode) {
    this.contract = contract;
    this.served = indexServed(servedDoc);
    for (const doc of [contract, servedDoc]) {
      for (const definition of doc.definitions) {
        if (definition.kind !== Kind.DIRECTIVE_DEFINITION) continue;
        const name = definition.name.value;
        if (doc === contract) this.contractDefinedDirectives.add(name);
        if (this.directiveDefaults.has(name)) continue;
        const defaults = new Map<string, ConstValueNode>();
        for (const arg of definition.arguments ?? []) {
          if (arg.defaultValue) defaults.set(arg.name.value, arg.defaultValue);
        }
        this.directiveDefaults.set(name, defaults);
      }
    }
  }

  run(): ContractDiff {
    this.compareOperationTypes();
    for (const definition of this.contract.definitions) this.compareDefinition(definition);
    // A type split over a definition and extensions can report the same served-side excess twice.
    return { differences: [...new Set(this.differences)], checked: this.checked };
  }

  private report(path: string, message: string): void {
    this.differences.push(`${path}: ${message}`);
  }

  private compareDefinition(definition: DefinitionNode): void {
    switch (definition.kind) {
      case Kind.SCHEMA_DEFINITION:
      case Kind.SCHEMA_EXTENSION:
        this.compareSchemaDirectives(definition.directives ?? []);
        return;
      case Kind.DIRECTIVE_DEFINITION:
        this.compareDirectiveDefinition(definition);
        return;
      case Kind.DIRECTIVE_EXTENSION:
        if (!this.served.directiveDefinitions.has(definition.name.value)) {
          this.report(`@${definition.name.value}`, 'directive definition missing');
          return;
        }
        this.compareDirectiveUses(
          `@${definition.name.value}`,
          definition.directives ?? [],
          this.served.directivesOnDirectives.get(definition.name.value) ?? [],
        );
        return;
      default:
        if (isTypeNode(definition)) this.compareType(definition);
        else this.report(definition.kind, 'executable definitions do not belong in a contract SDL');
    }
  }

  // ------------------------------------------------------------------------------------- schema

  private compareOperationTypes(): void {
    const contractRoots = explicitOperationTypes(this.contract);
    const contractTypeNames = new Set(
      this.contract.definitions.filter(isTypeNode).map((definition) => definition.name.value),
    );
    for (const [operation, defaultName] of DEFAULT_ROOT_NAMES) {
      const expected = contractRoots.get(operation) ?? (contractTypeNames.has(defaultName) ? defaultName : undefined);
      if (expected === undefined) continue;
      this.checked.operationTypes += 1;
      const servedRoot =
        this.served.operationTypes.get(operation) ?? (this.served.types.has(defaultName) ? defaultName : undefined);
      if (servedRoot !== expected) {
        this.report('schema', `${operation} root type ${expected} expected, got ${servedRoot ?? 'none'}`);
      }
    }
  }

  private compareSchemaDirectives(contractDirectives: readonly ConstDirectiveNode[]): void {
    const others: ConstDirectiveNode[] = [];
    for (const directive of contractDirectives) {
      if (directive.name.value !== 'link') {
        others.push(directive);
        continue;
      }
      this.checked.directiveUses += 1;
      this.compareLink(directive);
    }
    const servedOthers = this.served.schemaDirectives.filter((directive) => directive.name.value !== 'link');
    this.compareDirectiveUses('schema', others, servedOthers);
  }

  private compareLink(directive: ConstDirectiveNode): void {
    const url = stringArgument(directive, 'url');
    const label = `@link(url: ${JSON.stringify(url)})`;
    const servedLinks = this.served.schemaDirectives.filter((candidate) => candidate.name.value === 'link');
    const counterpart = servedLinks.find((candidate) => stringArgument(candidate, 'url') === url);
    if (!counterpart) {
      const got = servedLinks.map((candidate) => `@link(url: ${JSON.stringify(stringArgument(candidate, 'url'))})`);
      this.report('schema', `${label} expected, got ${got.length > 0 ? got.join(', ') : 'none'}`);
      return;
    }
    for (const name of ['as', 'for']) {
      const expected = argumentValue(directive, name);
      const actual = argumentValue(counterpart, name);
      const expectedText = expected ? canonicalValue(expected) : 'none';
      const actualText = actual ? canonicalValue(actual) : 'none';
      if (expectedText !== actualText) {
        this.report(`schema ${label}`, `${name}: ${expectedText} expected, got ${actualText}`);
      }
    }
    const servedImports = new Set(listItems(argumentValue(counterpart, 'import')).map(canonicalValue));
    for (const item of listItems(argumentValue(directive, 'import'))) {
      const text = canonicalValue(item);
      if (!servedImports.has(text)) this.report(`schema ${label}`, `import ${text} missing`);
    }
  }

  // ------------------------------------------------------------------------------- directives

  private compareDirectiveDefinition(definition: DirectiveDefinitionNode): void {
    this.checked.directiveDefinitions += 1;
    const name = definition.name.value;
    const path = `@${name}`;
    const counterpart = this.served.directiveDefinitions.get(name);
    if (!counterpart) {
      this.report(path, 'directive definition missing');
      return;
    }
    if (definition.repeatable !== counterpart.repeatable) {
      this.report(
        path,
        definition.repeatable ? 'repeatable expected, got not repeatable' : 'not repeatable expected, got repeatable',
      );
    }
    const expectedLocations = definition.locations.map((location) => location.value).sort();
    const actualLocations = counterpart.locations.map((location) => location.value).sort();
    if (expectedLocations.join(' | ') !== actualLocations.join(' | ')) {
      this.report(path, `locations ${expectedLocations.join(' | ')} expected, got ${actualLocations.join(' | ')}`);
    }
    this.compareArguments(path, definition.arguments ?? [], counterpart.arguments ?? []);
    this.compareDirectiveUses(path, definition.directives ?? [], this.served.directivesOnDirectives.get(name) ?? []);
  }

  /**
   * Every contract use must have an equal served use (a multiset match, for repeatable directives such as
   * @key). A served use of a restricting directive the contract does not put on this element is reported too.
   */
  private compareDirectiveUses(
    path: string,
    contractDirectives: readonly ConstDirectiveNode[],
    servedDirectives: readonly ConstDirectiveNode[],
  ): void {
    const servedCanonical = servedDirectives.map((directive) => this.canonicalDirective(directive));
    const used = servedCanonical.map(() => false);
    const contractNames = new Set(contractDirectives.map((directive) => directive.name.value));
    for (const directive of contractDirectives) {
      this.checked.directiveUses += 1;
      const expected = this.canonicalDirective(directive);
      const index = servedCanonical.findIndex((candidate, i) => !used[i] && candidate === expected);
      if (index >= 0) {
        used[index] = true;
        continue;
      }
      const sameName = servedDirectives
        .map((candidate, i) => (candidate.name.value === directive.name.value ? servedCanonical[i] : undefined))
        .filter((text): text is string => text !== undefined);
      this.report(path, `directive ${expected} expected, got ${sameName.length > 0 ? sameName.join(' ') : 'none'}`);
    }
    servedDirectives.forEach((directive, i) => {
      const name = directive.name.value;
      if (used[i] || contractNames.has(name)) return;
      if (RESTRICTING_DIRECTIVES.has(name) || this.contractDefinedDirectives.has(name)) {
        this.report(path, `unexpected directive ${servedCanonical[i]} (not in the contract)`);
      }
    });
  }

  private canonicalDirective(directive: ConstDirectiveNode): string {
    const name = directive.name.value;
    const values = new Map<string, ConstValueNode>(this.directiveDefaults.get(name) ?? []);
    for (const arg of directive.arguments ?? []) values.set(arg.name.value, arg.value);
    const args = [...values.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([argName, value]) => {
        if (FIELD_SET_DIRECTIVES.has(name) && argName === 'fields' && value.kind === Kind.STRING) {
          return `${argName}: ${JSON.stringify(normaliseFieldSet(value.value))}`;
        }
        return `${argName}: ${canonicalValue(value)}`;
      });
    return args.length > 0 ? `@${name}(${args.join(', ')})` : `@${name}`;
  }

  // ------------------------------------------------------------------------------------ types

  private compareType(definition: TypeNode): void {
    this.checked.types += 1;
    const name = definition.name.value;
    const kind = kindLabel(definition);
    const counterpart = this.served.types.get(name);
    if (!counterpart) {
      this.report(name, `${kind} missing`);
      return;
    }
    if (counterpart.kind !== kind) {
      this.report(name, `${kind} expected, got ${counterpart.kind}`);
      return;
    }
    this.compareDirectiveUses(name, definition.directives ?? [], counterpart.directives);

    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        for (const iface of definition.interfaces ?? []) {
          this.checked.interfaces += 1;
          if (!counterpart.interfaces.has(iface.name.value))
            this.report(name, `implements ${iface.name.value} missing`);
        }
        for (const field of definition.fields ?? []) this.compareField(name, field, counterpart.fields);
        return;
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
        for (const member of definition.types ?? []) {
          this.checked.unionMembers += 1;
          if (!counterpart.members.has(member.name.value)) this.report(name, `member ${member.name.value} missing`);
        }
        return;
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
        this.compareEnumValues(name, definition.values ?? [], counterpart.values);
        return;
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        this.compareInputValues(
          name,
          '.',
          definition.fields ?? [],
          [...counterpart.inputFields.values()],
          'input field',
        );
        return;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
        return;
    }
  }

  private compareField(typeName: string, field: FieldDefinitionNode, served: Map<string, FieldDefinitionNode>): void {
    this.checked.fields += 1;
    const path = `${typeName}.${field.name.value}`;
    const counterpart = served.get(field.name.value);
    if (!counterpart) {
      this.report(path, 'field missing');
      return;
    }
    const expectedType = print(field.type);
    const actualType = print(counterpart.type);
    if (expectedType !== actualType) this.report(path, `type ${expectedType} expected, got ${actualType}`);
    this.compareArguments(path, field.arguments ?? [], counterpart.arguments ?? []);
    this.compareDirectiveUses(path, field.directives ?? [], counterpart.directives ?? []);
  }

  private compareArguments(
    ownerPath: string,
    contractArgs: readonly InputValueDefinitionNode[],
    servedArgs: readonly InputValueDefinitionNode[],
  ): void {
    this.compareInputValues(ownerPath, '(', contractArgs, servedArgs, 'argument');
  }

  /**
   * Arguments (`Owner.field(arg:)`, `@directive(arg:)`) and input fields (`Input.field`): presence, type,
   * default value, directive uses; and no added required ones.
   */
  private compareInputValues(
    ownerPath: string,
    style: '(' | '.',
    contractValues: readonly InputValueDefinitionNode[],
    servedValues: readonly InputValueDefinitionNode[],
    noun: 'argument' | 'input field',
  ): void {
    const pathOf = (name: string) => (style === '(' ? `${ownerPath}(${name}:)` : `${ownerPath}.${name}`);
    const servedByName = new Map(servedValues.map((value) => [value.name.value, value]));
    const contractNames = new Set(contractValues.map((value) => value.name.value));
    for (const value of contractValues) {
      if (noun === 'argument') this.checked.arguments += 1;
      else this.checked.inputFields += 1;
      const path = pathOf(value.name.value);
      const counterpart = servedByName.get(value.name.value);
      if (!counterpart) {
        this.report(path, `${noun} missing`);
        continue;
      }
      const expectedType = print(value.type);
      const actualType = print(counterpart.type);
      if (expectedType !== actualType) this.report(path, `type ${expectedType} expected, got ${actualType}`);
      const expectedDefault = value.defaultValue ? canonicalValue(value.defaultValue) : 'none';
      const actualDefault = counterpart.defaultValue ? canonicalValue(counterpart.defaultValue) : 'none';
      if (expectedDefault !== actualDefault) {
        this.report(path, `default value ${expectedDefault} expected, got ${actualDefault}`);
      }
      this.compareDirectiveUses(path, value.directives ?? [], counterpart.directives ?? []);
    }
    for (const value of servedValues) {
      if (contractNames.has(value.name.value)) continue;
      if (value.type.kind === Kind.NON_NULL_TYPE && !value.defaultValue) {
        this.report(pathOf(value.name.value), `unexpected required ${noun} of type ${print(value.type)}`);
      }
    }
  }

  private compareEnumValues(
    typeName: string,
    contractValues: readonly EnumValueDefinitionNode[],
    served: Map<string, EnumValueDefinitionNode>,
  ): void {
    for (const value of contractValues) {
      this.checked.enumValues += 1;
      const path = `${typeName}.${value.name.value}`;
      const counterpart = served.get(value.name.value);
      if (!counterpart) {
        this.report(path, 'enum value missing');
        continue;
      }
      this.compareDirectiveUses(path, value.directives ?? [], counterpart.directives ?? []);
    }
    // An added value of an output enum breaks clients that switch over it exhaustively.
    const contractNames = new Set(this.contractEnumValueNames(typeName));
    for (const name of served.keys()) {
      if (!contractNames.has(name)) this.report(`${typeName}.${name}`, 'enum value not in the contract');
    }
  }

  /** All values the contract gives an enum, over its definition and extensions. */
  private contractEnumValueNames(typeName: string): string[] {
    return this.contract.definitions.flatMap((definition) =>
      (definition.kind === Kind.ENUM_TYPE_DEFINITION || definition.kind === Kind.ENUM_TYPE_EXTENSION) &&
      definition.name.value === typeName
        ? (definition.values ?? []).map((value) => value.name.value)
        : [],
    );
  }
}

// ---------------------------------------------------------------------------------- helpers

function isTypeNode(definition: DefinitionNode): definition is TypeNode {
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION:
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.UNION_TYPE_EXTENSION:
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION:
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION:
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_EXTENSION:
      return true;
    default:
      return false;
  }
}

function kindLabel(definition: TypeNode): KindLabel {
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
      return 'object type';
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION:
      return 'interface';
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.UNION_TYPE_EXTENSION:
      return 'union';
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION:
      return 'enum';
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION:
      return 'input type';
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_EXTENSION:
      return 'scalar';
  }
}

function explicitOperationTypes(doc: DocumentNode): Map<OperationTypeNode, string> {
  const roots = new Map<OperationTypeNode, string>();
  for (const definition of doc.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const operationType of definition.operationTypes ?? []) {
      roots.set(operationType.operation, operationType.type.name.value);
    }
  }
  return roots;
}

/** Merges every definition and extension of each name in the served document. */
function indexServed(doc: DocumentNode): ServedIndex {
  const index: ServedIndex = {
    types: new Map(),
    directiveDefinitions: new Map(),
    directivesOnDirectives: new Map(),
    schemaDirectives: [],
    operationTypes: explicitOperationTypes(doc),
  };
  for (const definition of doc.definitions) {
    if (definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION) {
      index.schemaDirectives.push(...(definition.directives ?? []));
      continue;
    }
    if (definition.kind === Kind.DIRECTIVE_DEFINITION || definition.kind === Kind.DIRECTIVE_EXTENSION) {
      const name = definition.name.value;
      if (definition.kind === Kind.DIRECTIVE_DEFINITION) index.directiveDefinitions.set(name, definition);
      const uses = index.directivesOnDirectives.get(name) ?? [];
      uses.push(...(definition.directives ?? []));
      index.directivesOnDirectives.set(name, uses);
      continue;
    }
    if (!isTypeNode(definition)) continue;
    const name = definition.name.value;
    let entry = index.types.get(name);
    if (!entry) {
      entry = {
        kind: kindLabel(definition),
        fields: new Map(),
        inputFields: new Map(),
        values: new Map(),
        interfaces: new Set(),
        members: new Set(),
        directives: [],
      };
      index.types.set(name, entry);
    }
    entry.directives.push(...(definition.directives ?? []));
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        for (const iface of definition.interfaces ?? []) entry.interfaces.add(iface.name.value);
        for (const field of definition.fields ?? []) entry.fields.set(field.name.value, field);
        break;
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
        for (const member of definition.types ?? []) entry.members.add(member.name.value);
        break;
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
        for (const value of definition.values ?? []) entry.values.set(value.name.value, value);
        break;
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        for (const field of definition.fields ?? []) entry.inputFields.set(field.name.value, field);
        break;
      default:
        break;
    }
  }
  return index;
}

/**
 * A value printed in GraphQL syntax, with object fields sorted and strings printed the same way whether
 * they were written as block strings or not. List order is kept.
 */
function canonicalValue(value: ConstValueNode): string {
  switch (value.kind) {
    case Kind.STRING:
      return JSON.stringify(value.value);
    case Kind.LIST:
      return `[${value.values.map(canonicalValue).join(', ')}]`;
    case Kind.OBJECT:
      return `{${[...value.fields]
        .sort((a, b) => (a.name.value < b.name.value ? -1 : a.name.value > b.name.value ? 1 : 0))
        .map((field) => `${field.name.value}: ${canonicalValue(field.value)}`)
        .join(', ')}}`;
    default:
      return print(value);
  }
}

function normaliseFieldSet(fields: string): string {
  return fields
    .replace(/[{}]/g, (brace) => ` ${brace} `)
    .split(/[\s,]+/)
    .filter((token) => token !== '')
    .join(' ');
}

function argumentValue(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((arg) => arg.name.value === name)?.value;
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = argumentValue(directive, name);
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function listItems(value: ConstValueNode | undefined): readonly ConstValueNode[] {
  if (!value) return [];
  return value.kind === Kind.LIST ? value.values : [value];
}
