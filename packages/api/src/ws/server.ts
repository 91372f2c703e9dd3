import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { createRequire } from 'node:module';
import {
  createSourceEventStream,
  execute as graphqlExecute,
  getOperationAST,
  GraphQLError,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { maskError, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator, Principal } from '../auth';
import type { FastGraphQL } from '../http/fast-graphql';
import { rateLimitedError, type RateLimiter } from '../http/rate-limit';
import type { ApiContext } from '../context';
import { CursorExpiredError } from '../projection/event-log';
import { OrderEventStream } from '../projection/order-event-stream';
import type { Projection } from '../projection/projection';
import { OrderEventFanout } from './fanout';
import { fanoutGroupKey } from './group-key';

/**
 * Call-sites for the connection and subscription gauges (http/metrics.ts: `wsConnectionOpened`/`Closed`,
 * `subscriptionStarted`/`Ended`). Each is optional and must not throw.
 */
export interface GraphQLWsHooks {
  /** A socket was authenticated (graphql-ws `onConnect` accepted it). */
  connected?(): void;
  /** An authenticated socket closed (graphql-ws `onClose`). Once per `connected`. */
  disconnected?(): void;
  /**
   * A subscription delivered by the fan-out started. Only these: they do not pass through yoga's
   * enveloped `subscribe`, so envelop plugins (`useSubscriptionMetrics`) never see them, while every
   * other subscription over graphql-ws does go through it and is counted there.
   */
  subscriptionStarted?(field: string): void;
  /** That fan-out subscription ended (client `complete`, socket closed, server completion). Once each. */
  subscriptionEnded?(field: string): void;
}

export interface GraphQLWsServerOptions {
  /** The HTTP server whose upgrade requests on `path` become graphql-ws sockets. */
  server: Server;
  /** Default `/graphql`. */
  path?: string;
  /** Largest accepted message, bytes (the HTTP body limit). */
  maxPayload: number;
  /** Parse, validate (armor limits), context and execution come from the yoga instance's envelop. */
  yoga: YogaServerInstance<{ principal: Principal | undefined }, ApiContext>;
  auth: Authenticator;
  /** Source of `orderEvents` for the fan-out. */
  projection: Projection;
  /** Unmasked error messages (development), as over HTTP. */
  isDev: boolean;
  logger: Logger;
  hooks?: GraphQLWsHooks;
  /**
   * Whether an upgrade with this `Origin` (undefined when absent) and `Host` may proceed; a refused one is
   * answered 403 before any WebSocket exists. Default: every upgrade.
   */
  allowUpgrade?(origin: string | undefined, host: string | undefined): boolean;
  /**
   * Per-token limit on operations: each `subscribe` message takes one request from the principal's
   * bucket; over the limit the operation gets an `error` message with code `RATE_LIMITED` (and
   * `retryAfterMs`) and the connection stays open. Default: no limit.
   */
  rateLimiter?: RateLimiter;
  /**
   * The HTTP fast path's prepared documents (src/http/fast-graphql.ts): a `subscribe` message whose
   * query text it knows as a valid query or mutation skips yoga's per-operation envelop (plugin set-up,
   * parse and validate through the caches, the context factory) and runs on the documents and envelop
   * `execute` the fast path uses. Anything else takes the envelop path. Default: every operation does.
   */
  fast?: Pick<FastGraphQL, 'operation' | 'execute' | 'context' | 'schema'>;
}

/**
 * graphql-ws sends each message on its own and waits for the write to complete before the next: a
 * mutation's `next` and `complete` cost two writes, two TCP segments and two wake-ups of the client.
 * Here the messages of one event-loop turn leave in one write: the socket is corked at the first and
 * uncorked once the turn's microtasks have run, and graphql-ws's send callback is called once its
 * message is queued (ws keeps the order of messages; a failed write closes the socket, which graphql-ws
 * learns from the close). Sends without a callback (the fan-out's) are only corked along when they fall
 * in the same turn.
 */
function coalesceSends(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  if (!raw) return;
  const send = socket.send.bind(socket) as (data: unknown, options?: unknown, cb?: unknown) => void;
  let corked = false;
  const uncork = () => {
    corked = false;
    raw.uncork();
  };
  socket.send = ((data: unknown, optionsOrCb?: unknown, maybeCb?: unknown) => {
    const cb = typeof optionsOrCb === 'function' ? optionsOrCb : maybeCb;
    if (typeof cb !== 'function' || socket.readyState !== socket.OPEN)
      return send(data, optionsOrCb, maybeCb);
    if (!corked) {
      corked = true;
      raw.cork();
      // Runs after this turn's microtasks: a `complete` sent as soon as `next` resolved joins it.
      process.nextTick(uncork);
    }
    send(data, typeof optionsOrCb === 'function' ? undefined : optionsOrCb);
    queueMicrotask(() => (cb as () => void)());
  }) as typeof socket.send;
}

/**
 * yoga marks request errors (bad variables) with `extensions.http` (the status an HTTP answer gets), which
 * its HTTP result processor removes from the body; over graphql-ws nothing would. Removed here, so a
 * `next` payload is what the same operation's HTTP body is.
 */
function withoutHttpStatus(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((e) => e.extensions?.http !== undefined)) return result;
  const errors = result.errors.map((e) => {
    if (e.extensions?.http === undefined) return e;
    const { http: _http, ...extensions } = e.extensions;
    // GraphQLError's JSON shape, built from its fields.
    const json: Record<string, unknown> = { message: e.message };
    if (e.locations !== undefined) json.locations = e.locations;
    if (e.path !== undefined) json.path = e.path;
    if (Object.keys(extensions).length > 0) json.extensions = extensions;
    // graphql-ws serialises each error with its toJSON().
    return { ...json, toJSON: () => json } as unknown as GraphQLError;
  });
  return { ...result, errors };
}

export interface GraphQLWsServer {
  /** Close every socket (1001) and the WebSocket server; complete fan-out members. Idempotent. */
  dispose(): Promise<void>;
  /** Fan-out groups and members, for tests and gauges. */
  fanoutStats(): { groups: number; members: number };
}

// graphql-ws accepts errors from onSubscribe only as `instanceof GraphQLError` of the `graphql` node
// resolves (CommonJS, as yoga's parse and validate errors are); under vitest this file's own import is the
// ESM build, a second class. In node both are the same module.
const { GraphQLError: NodeGraphQLError } = createRequire(import.meta.url)('graphql') as {
  GraphQLError: typeof GraphQLError;
};

type WsExtra = { socket: WebSocket; principal?: Principal };

/** What onSubscribe hands to the execute/subscribe hooks (through `rootValue`). */
interface Enveloped {
  execute: (a: ExecutionArgs) => unknown;
  subscribe: (a: ExecutionArgs) => unknown;
  /** Set for `orderEvents` operations: delivered by the fan-out. */
  fanout?: { key: string; id: string; socket: WebSocket };
}

/**
 * graphql-ws on the API's HTTP server: authentication from `connectionParams.authToken`, documents parsed
 * and validated by the yoga envelop (so armor limits apply as over HTTP), and `orderEvents` delivered by
 * the shared fan-out (one execution and one serialisation per group and event, see ./fanout.ts).
 */
export function createGraphQLWsServer(opts: GraphQLWsServerOptions): GraphQLWsServer {
  const { yoga, auth, hooks = {}, fast } = opts;
  // The root of every fast-case operation (one object for all: it depends on nothing per operation).
  const fastRoot: Enveloped | undefined = fast && {
    execute: fast.execute as Enveloped['execute'],
    // Only queries and mutations take the fast case: graphql-ws never calls `subscribe` for them.
    subscribe: fast.execute as Enveloped['execute'],
  };
  const mask = (e: GraphQLError) => maskError(e, 'Unexpected error.', opts.isDev) as GraphQLError;
  const fanout = new OrderEventFanout({
    projection: opts.projection,
    execute: (args) => graphqlExecute(args) as ExecutionResult | Promise<ExecutionResult>,
    maskError: mask,
    logger: opts.logger.child({ component: 'ws-fanout' }),
    memberJoined: () => hooks.subscriptionStarted?.('orderEvents'),
    memberLeft: () => hooks.subscriptionEnded?.('orderEvents'),
  });
  const wss = new WebSocketServer({
    server: opts.server,
    path: opts.path ?? '/graphql',
    maxPayload: opts.maxPayload,
    ...(opts.allowUpgrade
      ? {
          verifyClient: (
            info: { req: { headers: { origin?: string; host?: string } } },
            done: (ok: boolean, code?: number, message?: string) => void,
          ) => {
            const { origin, host } = info.req.headers;
            if (opts.allowUpgrade!(origin, host)) done(true);
            else done(false, 403, 'Origin not allowed');
          },
        }
      : {}),
  });

  wss.on('connection', coalesceSends);

  const wsServer = useServer<Record<string, unknown> | undefined, WsExtra>(
    {
      onConnect: (ctx) => {
        const token = ctx.connectionParams?.authToken;
        const principal = auth.authenticate(typeof token === 'string' ? token : undefined);
        if (!principal) return false;
        ctx.extra.principal = principal;
        hooks.connected?.();
        return true;
      },
      onClose: (ctx) => {
        if (ctx.extra.principal) hooks.disconnected?.();
      },
      execute: (args: ExecutionArgs) => {
        const result = (args.rootValue as Enveloped).execute(args) as
          ExecutionResult | Promise<ExecutionResult>;
        // A thenable, not only a native Promise: envelop's helpers may return their own.
        return (
          typeof (result as { then?: unknown }).then === 'function'
            ? (result as Promise<ExecutionResult>).then(withoutHttpStatus)
            : withoutHttpStatus(result as ExecutionResult)
        ) as never;
      },
      subscribe: async (args: ExecutionArgs) => {
        const root = args.rootValue as Enveloped;
        if (!root.fanout) return root.subscribe(args) as never;
        const plain: ExecutionArgs = { ...args, rootValue: undefined };
        const source = await createSourceEventStream(plain);
        if (source instanceof OrderEventStream) {
          try {
            return fanout.join(root.fanout.key, plain, { ...root.fanout, stream: source });
          } catch (err) {
            if (!(err instanceof CursorExpiredError)) throw err;
            const extensions = { code: err.code, oldestCursor: err.oldest };
            return { errors: [new GraphQLError(err.message, { extensions })] };
          }
        }
        if ('errors' in source && source.errors) return { errors: source.errors.map(mask) };
        return root.subscribe(args) as never;
      },
      onSubscribe: async (ctx, id, params) => {
        const name = ctx.extra.principal?.name;
        const waitMs = name !== undefined && opts.rateLimiter ? opts.rateLimiter.take(name) : 0;
        if (waitMs > 0) {
          const { message, extensions } = rateLimitedError(waitMs);
          return [new NodeGraphQLError(message, { extensions })];
        }
        const { principal } = ctx.extra;
        const prepared = fast && principal && fast.operation(params.query, params.operationName);
        if (prepared) {
          const args: ExecutionArgs = {
            schema: fast.schema,
            operationName: params.operationName ?? null,
            document: prepared.document,
            variableValues: params.variables ?? null,
            contextValue: fast.context(principal),
            rootValue: fastRoot,
          };
          return args;
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          principal: ctx.extra.principal,
          params,
        } as unknown as { principal: Principal | undefined });
        let document;
        try {
          document = parse(params.query);
        } catch (err) {
          return [err as GraphQLError];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const rootValue: Enveloped = { execute, subscribe };
        const operation = getOperationAST(document, params.operationName);
        if (operation?.operation === 'subscription') {
          const key = fanoutGroupKey(params.query, document, operation, params.variables);
          if (key !== undefined) rootValue.fanout = { key, id, socket: ctx.extra.socket };
        }
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName ?? null,
          document,
          variableValues: params.variables ?? null,
          contextValue: await contextFactory(),
          rootValue,
        };
        return args;
      },
    },
    wss,
  );

  let disposing: Promise<void> | undefined;
  return {
    dispose() {
      disposing ??= (async () => {
        // Sockets close first (1001, clients retry and resume); completing members first would send
        // `complete`, which a graphql-ws client takes as the end of the subscription.
        await Promise.resolve(wsServer.dispose()).catch(() => undefined);
        wss.close();
        fanout.close();
      })();
      return disposing;
    },
    fanoutStats: () => fanout.stats(),
  };
}
