/**
 * The hot path: repeated operations answered without Apollo Server's request pipeline, with the
 * same answer it would give.
 *
 * Apollo Server spends a fixed cost on every request (hashing the query, negotiating media types,
 * a dozen plugin hooks, a request context with getters) that, on a subgraph whose operations
 * repeat, buys nothing the second time. An operation becomes hot once Apollo has parsed,
 * validated and resolved it, checked its depth, aliases and directives against the limits, and
 * the compiled executor compiled it (its second run, src/execution/jitGateway.ts). From then on,
 * a request for that exact query text and operation name skips Apollo and runs:
 * - the same variable coercion, compiled per operation with graphql-js's results
 *   (src/execution/variables.ts; any failure goes back to Apollo, which answers it);
 * - the same cost limit (an operation over it goes back to Apollo, which refuses it);
 * - the same context, resolvers and scope checks, through the compiled operation;
 * - the same error formatting (Apollo's normalisation, then this subgraph's formatError), and
 *   the same recording: error logs, the request log line, metrics, span attributes;
 * - the same response: status, content type and body, byte for byte.
 *
 * Everything else stays with Apollo: GET, batches, extensions (persisted queries), `Accept`
 * headers other than plain JSON, federated tracing (ftv1), and every operation it has not yet
 * seen twice. Apollo plugins other than this subgraph's own do not run on the hot path: a plugin
 * added to src/apollo.ts must also be called from here, or `hotPath: false` passed to the server.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  visit,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { createFormatError } from '../apollo.ts';
import type { Context } from '../context.ts';
import { APPLICATION_JSON, graphqlResponseType } from '../mediaTypes.ts';
import type { RequestRecorder } from '../requestRecorder.ts';
import { createCostEstimator } from '../security/cost.ts';
import { givesNull, runCompiled, withDefaults, type CompiledOperation } from './jitGateway.ts';
import { compileVariableCoercion, type VariableCoercer } from './variables.ts';

/** Operations kept hot; the least recently used is dropped beyond this. */
export const HOT_OPERATIONS = 1000;
/**
 * Characters of query text the hot operations may hold in all: the least recently used go first
 * beyond this. A count alone would let a thousand long texts (comments and whitespace are not
 * tokens) hold hundreds of megabytes; real operations are a few kilobytes, so this is not reached.
 */
export const HOT_QUERY_CHARACTERS = 8 * 1024 * 1024;
/**
 * What one field of a hot operation counts for against {@link HOT_QUERY_CHARACTERS}, beside the
 * text: its share of the compiled code and the document kept with it (about 860 bytes measured, for
 * an operation of 660 `__typename` aliases, which its 11 KB of text alone did not weigh: 1,000 such
 * operations would have held about 430 MB).
 */
export const HOT_FIELD_WEIGHT = 1024;

/** A hot operation: compiled, with its variables' coercion. */
interface HotOperation {
  compiled: CompiledOperation;
  coerceVariables: VariableCoercer;
}

export interface HotRequest {
  operation: CompiledOperation;
  variables: Record<string, unknown>;
}

export interface HotResponse {
  status: number;
  /**
   * The body is `json` followed by a newline, as Apollo writes it. They are kept apart: joined,
   * they would make a string that must be copied whole before it is measured and written.
   */
  json: string;
}

export interface HotPath {
  /** Makes a compiled operation hot. */
  remember(operation: CompiledOperation): void;
  /** The request, prepared, when the hot path answers it exactly as Apollo would; null otherwise. */
  match(contentType: string, body: unknown, headers: IncomingHttpHeaders): HotRequest | null;
  execute(request: HotRequest, context: Context, startedAt: number): Promise<HotResponse>;
}

export interface HotPathOptions {
  schema: GraphQLSchema;
  /** The operation cost limit (the other limits are checked before an operation can be hot). */
  maxCost: number;
  recorder: RequestRecorder;
  /** Production: error messages without schema suggestions, as Apollo's (src/apollo.ts). */
  hideSchemaDetails: boolean;
  capacity?: number;
}

/**
 * The hot operations, by query text and then operation name, least recently used first out.
 *
 * A request's query text is a fresh string from `JSON.parse`, so any lookup hashes it once; a key
 * joined from operation name and query would be a new string to copy and hash as well, and moving
 * an entry to the back of a `Map` on every hit is a delete and an insert. Here a hit is one lookup
 * by query text (plus one by operation name when the text has several) and a counter stamp;
 * eviction, rare by design, looks for the oldest stamp.
 */
export class HotOperations<T> {
  readonly #byQuery = new Map<string, Map<string, { value: T; used: number; weight: number }>>();
  #size = 0;
  /** Characters of the texts held, plus the entries' weights. */
  #characters = 0;
  #clock = 0;

  readonly capacity: number;
  readonly maxCharacters: number;

  constructor(capacity: number, maxCharacters: number = HOT_QUERY_CHARACTERS) {
    this.capacity = capacity;
    this.maxCharacters = maxCharacters;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Characters of the query texts held (each text counted once, whatever its operations), plus the
   * weight each entry was set with.
   */
  get characters(): number {
    return this.#characters;
  }

  get(query: string, operationName: string): T | undefined {
    const entry = this.#byQuery.get(query)?.get(operationName);
    if (!entry) return undefined;
    entry.used = ++this.#clock;
    return entry.value;
  }

  /** `weight`: what the value retains beyond the text, counted with it ({@link HOT_FIELD_WEIGHT}). */
  set(query: string, operationName: string, value: T, weight = 0): void {
    let byName = this.#byQuery.get(query);
    if (!byName) {
      if (query.length + weight > this.maxCharacters) return; // would evict everything, itself included
      this.#byQuery.set(query, (byName = new Map()));
      this.#characters += query.length;
    }
    const entry = byName.get(operationName);
    if (entry) {
      entry.value = value;
      entry.used = ++this.#clock;
      this.#characters += weight - entry.weight;
      entry.weight = weight;
      return;
    }
    byName.set(operationName, { value, used: ++this.#clock, weight });
    this.#characters += weight;
    this.#size++;
    // The entry just set is the newest, so it is never the one evicted.
    while (this.#size > this.capacity || this.#characters > this.maxCharacters) {
      this.#evictOldest();
    }
  }

  #evictOldest(): void {
    let oldest: { query: string; name: string; used: number; weight: number } | null = null;
    for (const [query, byName] of this.#byQuery) {
      for (const [name, { used, weight }] of byName) {
        if (!oldest || used < oldest.used) oldest = { query, name, used, weight };
      }
    }
    if (!oldest) return;
    const byName = this.#byQuery.get(oldest.query)!;
    byName.delete(oldest.name);
    this.#characters -= oldest.weight;
    if (byName.size === 0) {
      this.#byQuery.delete(oldest.query);
      this.#characters -= oldest.query.length;
    }
    this.#size--;
  }
}

/** The fields a document selects, fragments included. */
function fieldCount(document: DocumentNode): number {
  let fields = 0;
  visit(document, {
    Field() {
      fields++;
    },
  });
  return fields;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function createHotPath({
  schema,
  maxCost,
  recorder,
  hideSchemaDetails,
  capacity = HOT_OPERATIONS,
}: HotPathOptions): HotPath {
  const operations = new HotOperations<HotOperation>(capacity);
  const formatError = createFormatError(hideSchemaDetails);
  const estimateCost = createCostEstimator(schema);

  /** Apollo's error normalisation (errorNormalize.ts), then this subgraph's formatError. */
  const format = (error: GraphQLError): GraphQLFormattedError => {
    try {
      const extensions: Record<string, unknown> = {
        ...error.extensions,
        code: error.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR',
      };
      delete extensions['http'];
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      // As Apollo answers when its formatError throws.
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  };

  return {
    remember(compiled) {
      const hot: HotOperation = {
        compiled,
        coerceVariables: compileVariableCoercion(schema, compiled.operation.variableDefinitions ?? []),
      };
      const weight = HOT_FIELD_WEIGHT * fieldCount(compiled.document);
      // Operations Apollo answers with an error before execution never reach the compiler.
      operations.set(compiled.source, compiled.operationName ?? '', hot, weight);
      // A request may leave out the name of a document's only operation (match looks it up as
      // ''): such a request runs the same operation. (getOperationAST without a name finds an
      // operation only when the document has exactly one.)
      if (compiled.operationName !== null && getOperationAST(compiled.document) !== null) {
        operations.set(compiled.source, '', hot, weight);
      }
    },

    match(contentType, body, headers) {
      if (!contentType.startsWith('application/json')) return null;
      if (headers['apollo-federation-include-trace'] !== undefined) return null;
      // The hot path writes application/json: it takes every Accept under which Apollo answers
      // that type (a router's `application/json, application/graphql-response+json` included).
      if (graphqlResponseType(headers['accept']) !== APPLICATION_JSON) return null;
      if (!isPlainObject(body) || body['extensions'] !== undefined) return null;
      const { query, operationName, variables } = body;
      if (typeof query !== 'string') return null;
      if (!(
        operationName === undefined ||
        operationName === null ||
        (typeof operationName === 'string' && operationName !== '')
      )) {
        return null;
      }
      if (!(variables === undefined || variables === null || isPlainObject(variables))) return null;

      const hot = operations.get(query, operationName ?? '');
      if (!hot) return null;

      const raw = variables ?? {};
      // graphql-jit would answer such a request differently: Apollo's pipeline runs it on graphql-js.
      if (hot.compiled.nullSensitive.size > 0 && givesNull(hot.compiled.nullSensitive, raw)) return null;
      const coercion = hot.coerceVariables(raw);
      if (coercion.errors) return null;
      const operation = hot.compiled;
      if (estimateCost(operation.document, operation.operation, coercion.coerced) > maxCost) return null;
      return { operation, variables: withDefaults(raw, operation.defaults) };
    },

    async execute({ operation, variables }, context, startedAt) {
      recorder.operationResolved(operation.operation.operation, operation.operationName);
      const result = await runCompiled(operation.compiled, context, variables);
      const errors = result.errors && result.errors.length > 0 ? result.errors : undefined;
      if (errors) recorder.errorsEncountered(errors, context, operation.operationName);
      const formatted = errors?.map((error) =>
        format(error instanceof GraphQLError ? error : new GraphQLError(String(error))),
      );
      const json = JSON.stringify({ errors: formatted, data: result.data, extensions: result.extensions });
      recorder.responded({
        context,
        operationType: operation.operation.operation,
        operationName: operation.operationName,
        startedAt,
        responseErrors: formatted,
        hasData: result.data !== undefined && result.data !== null,
        hot: true,
      });
      return { status: 200, json };
    },
  };
}
