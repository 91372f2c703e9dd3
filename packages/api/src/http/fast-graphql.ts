import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import { processRegularResult } from 'graphql-yoga';
import type { Principal } from '../auth';
import type { ApiContext, ApiServices } from '../context';
import { sendJsonBody } from './compress';

/** Parse, validate and execute exactly as the yoga envelop does (armor limits included). */
export interface DocumentPreparer {
  /** Throws on a syntax error or a parse-time limit (max tokens). */
  parse(query: string): DocumentNode;
  /** Validation errors (specified rules plus armor's depth, alias and cost rules); empty when valid. */
  validate(document: DocumentNode): readonly GraphQLError[];
  /**
   * Execute a validated query: the envelop's (yoga's executor and execute hooks) rather than an import of
   * `graphql` here, which also keeps a single `graphql` instance with the schema where a bundler would
   * resolve the ESM build (vitest).
   */
  execute(args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult>;
  /** An exception thrown by `execute` as yoga's masked error (`maskedErrors.maskError`). */
  maskError(err: unknown): GraphQLError;
}

export interface FastGraphQLOptions {
  schema: GraphQLSchema;
  services: ApiServices;
  /** Called once per distinct query text (then cached). */
  prepare: () => DocumentPreparer;
  /** Distinct query texts kept (least recently used dropped first). Default 1000. */
  cacheSize?: number;
  /**
   * The Fetch API yoga answers with (`yoga.fetchAPI`): a mutation result with errors is shaped by yoga's
   * own result processor with it. Default: the global one.
   */
  fetchAPI?: { Response: typeof Response };
}

/** A valid document of one query or mutation operation (`operation`). */
export interface PreparedOperation {
  document: DocumentNode;
  kind: 'query' | 'mutation';
}

/** A query text seen before: a valid document, or `undefined` when yoga must answer it (invalid, too big). */
type CacheEntry = { document: DocumentNode } | undefined;

const JSON_TYPE = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;
const MAX_QUERY_CHARS = 100_000;

/**
 * The fast path for the common GraphQL request: `POST application/json` carrying one query or mutation
 * operation. It skips what yoga's generic path spends most of a small request on (a WHATWG Request and
 * Response, the body stream pipeline, the plugin hooks per request) while answering byte for byte as yoga
 * would: documents are parsed and validated once per query text by yoga's own envelop (armor limits,
 * field suggestion blocking), executed by the envelop (masked errors), and everything outside the narrow
 * case below returns `false` so the caller hands the request to yoga unchanged:
 * - another method or content type, a request with an `Origin` (yoga's CORS headers), an `Accept` that
 *   yoga would not answer with plain JSON, a body that is not a single `{ query, operationName?,
 *   variables? }` object (batches, `extensions`), a document yoga rejects, a subscription;
 * - a query whose result has errors: queries are read-only, so yoga runs the request again and produces
 *   the masked errors and status codes itself (error results are rare and never the hot path).
 * A mutation runs exactly once: a result with errors (bad variables, a masked unexpected error) goes
 * through yoga's own result processor (`processRegularResult`: status, error extensions, body). Expected
 * domain failures are union members of a plain result, not errors.
 */
export function createFastGraphQL(options: FastGraphQLOptions) {
  const { schema, services } = options;
  const cacheSize = options.cacheSize ?? 1000;
  const fetchAPI = options.fetchAPI ?? { Response };
  const cache = new Map<string, CacheEntry>();
  let preparer: DocumentPreparer | undefined;

  const getPreparer = () => (preparer ??= options.prepare());

  const lookup = (query: string): CacheEntry => {
    if (cache.has(query)) {
      const hit = cache.get(query);
      // Map order is insertion order: re-inserting makes this the most recently used.
      cache.delete(query);
      cache.set(query, hit);
      return hit;
    }
    let entry: CacheEntry;
    try {
      const p = getPreparer();
      const document = p.parse(query);
      entry = p.validate(document).length === 0 ? { document } : undefined;
    } catch {
      entry = undefined;
    }
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    cache.set(query, entry);
    return entry;
  };

  const operation = (
    query: string,
    operationName: string | null | undefined,
  ): PreparedOperation | undefined => {
    if (query.length > MAX_QUERY_CHARS) return undefined;
    const entry = lookup(query);
    if (!entry) return undefined;
    const kind = getOperationAST(entry.document, operationName ?? undefined)?.operation;
    if (kind !== 'query' && kind !== 'mutation') return undefined;
    return { document: entry.document, kind };
  };

  const context = (principal: Principal): ApiContext => ({ principal, services });

  return {
    /**
     * The prepared operation for a query text (parsed and validated once per text, as `handle` does) when
     * it selects a query or mutation, else `undefined` (invalid, too long, a subscription): the graphql-ws
     * server's fast case (src/ws/server.ts).
     */
    operation,
    /** Execute prepared arguments with the envelop (its execute hooks, masked errors). */
    execute(args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult> {
      return getPreparer().execute(args);
    },
    /** The context of an operation by `principal` (what yoga's context factory gives). */
    context,
    schema,
    /**
     * Answer `req` if it is the fast case; `false` (nothing written) otherwise. `body` is the whole request
     * body, already read under the body limit; `principal` is already authenticated.
     */
    async handle(
      req: IncomingMessage,
      res: ServerResponse,
      body: Buffer,
      principal: Principal,
    ): Promise<boolean> {
      const h = req.headers;
      if (req.method !== 'POST' || h.origin !== undefined) return false;
      if (!JSON_TYPE.test(h['content-type'] ?? '')) return false;
      const mediaType = acceptedMediaType(h.accept);
      if (!mediaType) return false;
      let params: unknown;
      try {
        params = JSON.parse(body.toString('utf8'));
      } catch {
        return false;
      }
      if (!isPlainObject(params)) return false;
      const { query, operationName, variables } = params;
      for (const key of Object.keys(params))
        if (key !== 'query' && key !== 'operationName' && key !== 'variables') return false;
      if (typeof query !== 'string') return false;
      if (operationName != null && typeof operationName !== 'string') return false;
      if (variables != null && !isPlainObject(variables)) return false;

      const prepared = operation(query, operationName);
      if (!prepared) return false;
      const kind = prepared.kind;

      const contextValue = context(principal);
      const args: ExecutionArgs = {
        schema,
        document: prepared.document,
        contextValue,
        variableValues: variables ?? null,
        operationName: operationName ?? null,
      };
      if (kind === 'query') {
        const result = await getPreparer().execute(args);
        if (result.errors?.length) return false;
        if (res.destroyed) return true;
        await sendJsonBody(req, res, 200, `${mediaType}; charset=utf-8`, JSON.stringify(result));
        return true;
      }
      let result: ExecutionResult;
      try {
        result = await getPreparer().execute(args);
      } catch (err) {
        // What yoga does with an exception out of execution (its handleError): one masked error.
        result = { errors: [getPreparer().maskError(err)] };
      }
      if (res.destroyed) return true;
      if (!result.errors?.length) {
        await sendJsonBody(req, res, 200, `${mediaType}; charset=utf-8`, JSON.stringify(result));
        return true;
      }
      const response = processRegularResult(result, fetchAPI as never, mediaType);
      const type = response.headers.get('content-type') ?? `${mediaType}; charset=utf-8`;
      await sendJsonBody(req, res, response.status, type, await response.text());
      return true;
    },
    /** Cached query texts (tests). */
    get cacheSize() {
      return cache.size;
    },
  };
}

export type FastGraphQL = ReturnType<typeof createFastGraphQL>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const PROCESSORS: readonly { json: boolean; types: readonly string[] }[] = [
  { json: false, types: ['text/event-stream'] },
  { json: false, types: ['multipart/mixed'] },
  { json: true, types: ['application/graphql-response+json', 'application/json'] },
];

/**
 * The media type yoga 5 answers a non-streaming result with for this `Accept` header, or undefined when
 * it would pick SSE/multipart or answer 406. A port of yoga's `useResultProcessors` choice (every match
 * overrides the previous one, over the request's media types in reverse order; only utf-8).
 */
export function acceptedMediaType(accept: string | undefined): string | undefined {
  if (accept === undefined) return 'application/json';
  // Clients send the same few headers again and again: remember the answer for each.
  const known = acceptCache.get(accept);
  if (known !== undefined) return known || undefined;
  const chosen = chooseMediaType(accept);
  if (acceptCache.size >= 64) acceptCache.delete(acceptCache.keys().next().value!);
  acceptCache.set(accept, chosen ?? '');
  return chosen;
}

const acceptCache = new Map<string, string>();

function chooseMediaType(accept: string): string | undefined {
  const asked: string[] = [];
  for (const item of (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',')) {
    const [type, ...params] = item.split(';');
    const charset = params.find((p) => p.includes('charset=')) ?? 'charset=utf-8';
    if (type !== undefined && charset === 'charset=utf-8') asked.push(type);
  }
  asked.reverse();
  let chosen: { json: boolean; type: string } | undefined;
  for (const p of PROCESSORS)
    for (const a of asked) {
      const [aPre, aSuf] = a.split('/');
      for (const t of p.types) {
        const [pre, suf] = t.split('/');
        if ((aPre === '*' || aPre === pre) && (aSuf === '*' || aSuf === suf))
          chosen = { json: p.json, type: t };
      }
    }
  return chosen?.json ? chosen.type : undefined;
}
