/**
 * What a query selects, so that loaders can pick the cheapest upstream plan: list summaries when
 * only summary fields are needed, one Get per item when detail fields are.
 */
import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * True when the field being resolved selects, directly on `typeName` (through inline fragments
 * and named fragments whose type condition is `typeName` or absent), any field in `fieldNames`.
 * Works for root fields, for `_entities` (where each type has its own `... on Type` fragment) and
 * for connections (looking through `nodes` and `edges.node`).
 */
export function selectsAnyOf(info: GraphQLResolveInfo, typeName: string, fieldNames: ReadonlySet<string>): boolean {
  // `_entities` asks once per representation with the same field nodes: walk them once.
  let answers = cache.get(info.fieldNodes);
  if (!answers) cache.set(info.fieldNodes, (answers = new Map()));
  let byFields = answers.get(typeName);
  if (!byFields) answers.set(typeName, (byFields = new Map()));
  const known = byFields.get(fieldNames);
  if (known !== undefined) return known;
  let found = false;
  for (const node of info.fieldNodes) {
    if (node.selectionSet && walk(node.selectionSet, typeName, fieldNames, info.fragments, new Set())) {
      found = true;
      break;
    }
  }
  byFields.set(fieldNames, found);
  return found;
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
  fragments: Record<string, FragmentDefinitionNode>,
  seen: Set<string>,
): boolean {
  for (const selection of set.selections) {
    switch (selection.kind) {
      case Kind.FIELD:
        if (fieldNames.has(selection.name.value)) return true;
        if (THROUGH.has(selection.name.value) && selection.selectionSet) {
          if (walk(selection.selectionSet, typeName, fieldNames, fragments, seen)) return true;
        }
        break;
      case Kind.INLINE_FRAGMENT: {
        const condition = selection.typeCondition?.name.value;
        if (
          (condition === undefined || applies(condition, typeName)) &&
          walk(selection.selectionSet, typeName, fieldNames, fragments, seen)
        ) {
          return true;
        }
        break;
      }
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = fragments[name];
        if (!fragment || seen.has(name)) break;
        seen.add(name);
        if (
          applies(fragment.typeCondition.name.value, typeName) &&
          walk(fragment.selectionSet, typeName, fieldNames, fragments, seen)
        ) {
          return true;
        }
        break;
      }
    }
  }
  return false;
}
