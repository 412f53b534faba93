/**
 * Enforces the schema's `@scopes(anyOf: [[…]])` in the subgraph itself, whatever the router did:
 * on every field that carries it, on every field returning a type that carries it, and on entity
 * references resolved through `_entities`. A field the caller may not see resolves to null with a
 * FORBIDDEN error at its path, and its resolver (so any upstream call) never runs.
 *
 * A field is not wrapped when every path that reaches its parent type has already checked what
 * it needs ({@link checkedOnEveryPath}): `connectorDestinations(...).edges.node` needs
 * `destinations:read`, which `connectorDestinations` checked. A field left as the schema built it
 * keeps the compiled executor's direct property read, instead of a resolver call per list item.
 */
import {
  defaultFieldResolver,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  valueFromASTUntyped,
  type DirectiveNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { ERRORS } from '../errors.ts';
import { subgraphExtensions } from '../subgraphExtensions.ts';
import type { Caller } from './authenticate.ts';

/** Any one inner list suffices; every scope of that list is needed. */
export type ScopeRequirement = ReadonlyArray<ReadonlyArray<string>>;

export function scopeRequirement(directives: readonly DirectiveNode[] | undefined): ScopeRequirement | null {
  const directive = directives?.find((d) => d.name.value === 'scopes');
  const arg = directive?.arguments?.find((a) => a.name.value === 'anyOf');
  if (!arg) return null;
  const value = valueFromASTUntyped(arg.value) as unknown;
  return Array.isArray(value) ? (value as string[][]) : null;
}

export function satisfies(caller: Caller, requirement: ScopeRequirement): boolean {
  if (caller.scopes === null) return true;
  const scopes = caller.scopes;
  return requirement.some((all) => all.every((scope) => scopes.has(scope)));
}

/** FORBIDDEN, naming each requirement the caller lacks once (a field and its type may repeat one). */
function forbidden(requirements: ScopeRequirement[]) {
  const named = new Set(requirements.map((r) => r.map((all) => all.join(' + ')).join(' or ')));
  return ERRORS.FORBIDDEN.err(
    `The caller's token lacks the scopes this field requires (${[...named].join('; and ')}).`,
  );
}

type WithCaller = { caller: Caller };

/** Wraps resolvers of the built schema in place; returns the same schema. */
export function enforceScopes(schema: GraphQLSchema): GraphQLSchema {
  const checked = checkedOnEveryPath(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;

    const typeRequirement = scopeRequirement(type.astNode?.directives);
    const subgraph = subgraphExtensions(type);
    if (typeRequirement && subgraph?.resolveReference) {
      const resolveReference = subgraph.resolveReference;
      subgraph.resolveReference = (reference, context, info) => {
        if (!satisfies((context as WithCaller).caller, typeRequirement))
          return Promise.reject(forbidden([typeRequirement]));
        return resolveReference(reference, context, info);
      };
    }

    for (const field of Object.values(type.getFields())) {
      if (field.name.startsWith('__') || field.name === '_service' || field.name === '_entities') continue;
      const already = checked.get(type.name) ?? [];
      const needed = fieldChecks(field).filter((r) => !already.some((done) => implies(done, r)));
      if (needed.length === 0) continue;
      const resolve = (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, WithCaller>;
      field.resolve = (source, args, context, info) => {
        if (!needed.every((r) => satisfies(context.caller, r))) {
          throw forbidden(needed.filter((r) => !satisfies(context.caller, r)));
        }
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}

/** Whether a caller that satisfies `done` always satisfies `needed`. */
export function implies(done: ScopeRequirement, needed: ScopeRequirement): boolean {
  // Whichever inner list of `done` the caller holds, it holds all of some inner list of `needed`.
  return done.every((held) => needed.some((all) => all.every((scope) => held.includes(scope))));
}

/** What a field's check enforces: its own `@scopes`, and its returned object type's. */
function fieldChecks(field: GraphQLField<unknown, unknown>): ScopeRequirement[] {
  const checks = [scopeRequirement(field.astNode?.directives)];
  const returned = getNamedType(field.type);
  if (isObjectType(returned)) checks.push(scopeRequirement(returned.astNode?.directives));
  return checks.filter((r): r is ScopeRequirement => r !== null);
}

/**
 * For each object type, the requirements checked on every path by which execution reaches an
 * object of that type: from a root type down through fields (their own `@scopes` and their
 * returned type's), or as an entity through `_entities` (its type's `@scopes`, checked before its
 * `__resolveReference` runs; a type without one, or one reached through an entity interface, is
 * returned unchecked). The greatest fixed point of "what every incoming field guarantees", so a
 * cycle keeps what its way in checked. A type that no path reaches gets nothing, so its fields
 * keep their checks.
 */
export function checkedOnEveryPath(schema: GraphQLSchema): Map<string, ScopeRequirement[]> {
  const key = (r: ScopeRequirement) => JSON.stringify(r);
  /** Absent: not reached yet. */
  const reached = new Map<string, Map<string, ScopeRequirement>>();
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (root) reached.set(root.name, new Map());
  }
  const objectTypes = Object.values(schema.getTypeMap()).filter(
    (type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'),
  );
  // A representation of an entity interface is resolved by the interface's own reference
  // resolver to one of its object types, whose reference check then never runs.
  const entityInterfaces = new Set(
    Object.values(schema.getTypeMap())
      .filter((type) => isInterfaceType(type) && type.astNode?.directives?.some((d) => d.name.value === 'key'))
      .map((type) => type.name),
  );

  const arrive = (target: string, guaranteed: Map<string, ScopeRequirement>): boolean => {
    const current = reached.get(target);
    if (!current) {
      reached.set(target, guaranteed);
      return true;
    }
    let changed = false;
    for (const k of current.keys()) {
      if (!guaranteed.has(k)) {
        current.delete(k);
        changed = true;
      }
    }
    return changed;
  };

  for (let changed = true; changed;) {
    changed = false;
    for (const parent of objectTypes) {
      const above = reached.get(parent.name);
      if (!above) continue;
      for (const field of Object.values(parent.getFields())) {
        if (field.name.startsWith('__') || field.name === '_service') continue;
        const named = getNamedType(field.type);
        const targets = isAbstractType(named) ? schema.getPossibleTypes(named) : isObjectType(named) ? [named] : [];
        for (const target of targets) {
          const guaranteed = new Map(above);
          if (field.name === '_entities') {
            // Only the reference check runs on this path (the field itself is never wrapped).
            const typeRequirement = scopeRequirement(target.astNode?.directives);
            const viaInterface = target.getInterfaces().some((i) => entityInterfaces.has(i.name));
            if (typeRequirement && subgraphExtensions(target)?.resolveReference && !viaInterface) {
              guaranteed.set(key(typeRequirement), typeRequirement);
            }
          } else {
            for (const check of fieldChecks(field)) guaranteed.set(key(check), check);
          }
          if (arrive(target.name, guaranteed)) changed = true;
        }
      }
    }
  }
  return new Map([...reached].map(([name, guaranteed]) => [name, [...guaranteed.values()]]));
}
