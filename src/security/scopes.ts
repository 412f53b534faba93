/**
 * Enforces the schema's `@scopes(anyOf: [[…]])` in the subgraph itself, whatever the router did:
 * on every field that carries it, on every field returning a type that carries it, and on entity
 * references resolved through `_entities`. A field the caller may not see resolves to null with a
 * FORBIDDEN error at its path, and its resolver (so any upstream call) never runs.
 */
import {
  defaultFieldResolver,
  getNamedType,
  isObjectType,
  valueFromASTUntyped,
  type DirectiveNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { ERRORS } from '../errors.ts';
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

function forbidden(requirements: ScopeRequirement[]) {
  const needed = requirements.map((r) => r.map((all) => all.join(' + ')).join(' or ')).join('; and ');
  return ERRORS.FORBIDDEN.err(`The caller's token lacks the scopes this field requires (${needed}).`);
}

type WithCaller = { caller: Caller };
type ResolveReference = (reference: unknown, context: WithCaller, info: unknown) => unknown;

/** Wraps resolvers of the built schema in place; returns the same schema. */
export function enforceScopes(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;

    const typeRequirement = scopeRequirement(type.astNode?.directives);
    const subgraph = (type.extensions as { apollo?: { subgraph?: { resolveReference?: ResolveReference } } }).apollo
      ?.subgraph;
    if (typeRequirement && subgraph?.resolveReference) {
      const resolveReference = subgraph.resolveReference;
      subgraph.resolveReference = (reference, context, info) => {
        if (!satisfies(context.caller, typeRequirement)) return Promise.reject(forbidden([typeRequirement]));
        return resolveReference(reference, context, info);
      };
    }

    for (const field of Object.values(type.getFields())) {
      if (field.name.startsWith('__') || field.name === '_service' || field.name === '_entities') continue;
      const requirements = [scopeRequirement(field.astNode?.directives)];
      const returned = getNamedType(field.type);
      if (isObjectType(returned)) requirements.push(scopeRequirement(returned.astNode?.directives));
      const needed = requirements.filter((r): r is ScopeRequirement => r !== null);
      if (needed.length === 0) continue;
      const resolve = (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, WithCaller>;
      field.resolve = (source, args, context, info) => {
        if (!needed.every((r) => satisfies(context.caller, r))) throw forbidden(needed);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
