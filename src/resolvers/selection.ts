/**
 * What a query selects, so that loaders can pick the cheapest upstream plan: list summaries when
 * only summary fields are needed, one Get per item when detail fields are.
 */
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLResolveInfo,
  type InlineFragmentNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * True when the field being resolved selects, directly on `typeName` (through inline fragments
 * and named fragments whose type condition is `typeName` or absent), any field in `fieldNames`.
 * Works for root fields, for `_entities` (where each type has its own `... on Type` fragment) and
 * for connections (looking through `nodes` and `edges.node`). A selection that `@skip` or
 * `@include` leaves out does not count, as graphql-js would not resolve it.
 */
export function selectsAnyOf(info: GraphQLResolveInfo, typeName: string, fieldNames: ReadonlySet<string>): boolean {
  // `_entities` asks once per representation with the same field nodes: walk them once.
  let answers = cache.get(info.fieldNodes);
  if (!answers) cache.set(info.fieldNodes, (answers = new Map()));
  let byFields = answers.get(typeName);
  if (!byFields) answers.set(typeName, (byFields = new Map()));
  const known = byFields.get(fieldNames);
  if (known !== undefined) return known;
  const walked: Walk = { fragments: info.fragments, variables: info.variableValues, conditional: false };
  let found = false;
  for (const node of info.fieldNodes) {
    if (node.selectionSet && walk(node.selectionSet, typeName, fieldNames, walked, new Set())) {
      found = true;
      break;
    }
  }
  // An answer that depended on @skip or @include holds for these variables only: not kept.
  if (!walked.conditional) byFields.set(fieldNames, found);
  return found;
}

interface Walk {
  fragments: Record<string, FragmentDefinitionNode>;
  variables: GraphQLResolveInfo['variableValues'];
  /** Set when a selection carried @skip or @include. */
  conditional: boolean;
}

/** Whether `@skip` or `@include` leaves the selection out, as graphql-js decides it. */
function leftOut(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, walked: Walk): boolean {
  if (!node.directives?.length) return false;
  const conditional = node.directives.some((d) => d.name.value === 'skip' || d.name.value === 'include');
  if (!conditional) return false;
  walked.conditional = true;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, walked.variables)?.['if'] === true) return true;
    return getDirectiveValues(GraphQLIncludeDirective, node, walked.variables)?.['if'] === false;
  } catch {
    // A condition graphql-js cannot read fails that field; counting it as selected only costs calls.
    return false;
  }
}

/** Answers per field-node array (one per field of one operation document), type and field set. */
const cache = new WeakMap<GraphQLResolveInfo['fieldNodes'], Map<string, Map<ReadonlySet<string>, boolean>>>();

/** A fragment on the type itself, or on its connection or edge type. */
function applies(condition: string, typeName: string): boolean {
  return condition === typeName || condition === `${typeName}Connection` || condition === `${typeName}Edge`;
}

/** Connection fields that lead to the node type. */
const THROUGH = new Set(['nodes', 'edges', 'node']);

function walk(
  set: SelectionSetNode,
  typeName: string,
  fieldNames: ReadonlySet<string>,
  walked: Walk,
  seen: Set<string>,
): boolean {
  for (const selection of set.selections) {
    if (leftOut(selection, walked)) continue;
    switch (selection.kind) {
      case Kind.FIELD:
        if (fieldNames.has(selection.name.value)) return true;
        if (THROUGH.has(selection.name.value) && selection.selectionSet) {
          if (walk(selection.selectionSet, typeName, fieldNames, walked, seen)) return true;
        }
        break;
      case Kind.INLINE_FRAGMENT: {
        const condition = selection.typeCondition?.name.value;
        if (
          (condition === undefined || applies(condition, typeName)) &&
          walk(selection.selectionSet, typeName, fieldNames, walked, seen)
        ) {
          return true;
        }
        break;
      }
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = walked.fragments[name];
        if (!fragment || seen.has(name)) break;
        seen.add(name);
        if (
          applies(fragment.typeCondition.name.value, typeName) &&
          walk(fragment.selectionSet, typeName, fieldNames, walked, seen)
        ) {
          return true;
        }
        break;
      }
    }
  }
  return false;
}
