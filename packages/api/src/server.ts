import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import pino, { type Logger } from 'pino';
import { createAuthenticator, createDevToken, type Principal } from './auth';
import { sha256Hex } from './auth-hash';
import type { ApiConfig } from './config';
import type { ApiContext, ApiServices } from './context';
import { sendCompressedJson } from './http/compress';
import {
  httpRouteOf,
  subscriptionEnded,
  subscriptionStarted,
  trackHttpResponse,
  useSubscriptionMetrics,
  wsConnectionClosed,
  wsConnectionOpened,
} from './http/metrics';
import { createCorsPolicy } from './http/cors';
import { createFastGraphQL } from './http/fast-graphql';
import { createRateLimiter, sendRateLimited } from './http/rate-limit';
import { BodyTooLargeError, readBody, sendGraphQLError, sendJson } from './http/respond';
import { handleRest } from './http/rest';
import { createStaticSite } from './http/static';
import { createProjection } from './projection/projection';
import { schema } from './schema';
import { createCommandBus } from './services/command-bus';
import { createHeartbeatMonitor } from './services/heartbeat';
import { createKpiReader } from './services/kpis';
import { createOrderService } from './services/order-service';
import { createRedisClient } from './services/redis';
import { createReportReader } from './services/reconciliation';
import { createGraphQLWsServer } from './ws/server';

export interface ApiServerOptions {
  config: ApiConfig;
  /** Default: pino at `config.logLevel`. */
  logger?: Logger;
  /** Heartbeat poll period, ms (default 500). */
  heartbeatPollMs?: number;
  /**
   * Development mode: use this operator token instead of creating one (cluster workers all take the
   * primary's, so that one printed token works on every worker).
   */
  devToken?: string;
  /** Cluster worker number: sent as `x-veloz-worker` on every HTTP response (which replica answered). */
  workerId?: number;
}

/** A running (or startable) API process: HTTP + graphql-ws on one port. */
export interface ApiServer {
  /** Connect, start the projection and listen. Resolves with the bound port. Idempotent. */
  start(): Promise<{ port: number; url: string }>;
  /** Close connections and stop everything. Idempotent. */
  stop(): Promise<void>;
  readonly services: ApiServices;
  /** Development mode only: the operator token created at start (printed once by the bin). */
  readonly devToken: string | undefined;
}

interface ServerContext {
  principal: Principal | undefined;
}

/** Build the API: projection, command bus, heartbeat monitor, yoga with limits, REST routes, graphql-ws. */
export function createApiServer(options: ApiServerOptions): ApiServer {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel, base: { component: 'api' } });
  const dev = config.env === 'development';
  const devCreds = !dev
    ? undefined
    : options.devToken
      ? {
          token: options.devToken,
          entry: { name: 'dev', role: 'operator' as const, sha256: sha256Hex(options.devToken) },
        }
      : createDevToken();
  const auth = createAuthenticator(devCreds ? [...config.tokens, devCreds.entry] : config.tokens);

  const redis = createRedisClient(config.redisUrl, 'veloz-api');
  const walBlocking = createRedisClient(config.redisUrl, 'veloz-api-wal');
  const resultsBlocking = createRedisClient(config.redisUrl, 'veloz-api-results');
  redis.on('error', () => undefined);
  walBlocking.on('error', () => undefined);
  resultsBlocking.on('error', () => undefined);

  const projection = createProjection({
    account: config.account,
    redis,
    blocking: walBlocking,
    eventLogSize: config.eventLogSize,
    logger,
  });
  const heartbeat = createHeartbeatMonitor({
    account: config.account,
    redis,
    logger,
    ...(options.heartbeatPollMs ? { pollMs: options.heartbeatPollMs } : {}),
  });
  const bus = createCommandBus({ account: config.account, redis, blocking: resultsBlocking, logger });
  const services: ApiServices = {
    config,
    redis,
    projection,
    heartbeat,
    kpis: createKpiReader(config.account, redis),
    reports: createReportReader(config.account, redis),
    orders: createOrderService({
      account: config.account,
      projection,
      bus,
      timeoutMs: config.commandTimeoutMs,
      logger,
    }),
    logger,
    startedAt: Date.now(),
  };

  // Protection (docs/api.md): CORS allow-list, per-token rate limit (per process, in memory).
  const cors = createCorsPolicy(config.corsOrigins);
  const limiter =
    config.rateLimit.perSecond > 0
      ? createRateLimiter({ ratePerSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst })
      : undefined;

  const yoga: YogaServerInstance<ServerContext, ApiContext> = createYoga<ServerContext, ApiContext>({
    schema,
    // Allowed origins get CORS headers naming them; any other Origin gets none (yoga's default reflects all).
    cors: (request) => cors.yoga(request),
    graphqlEndpoint: '/graphql',
    graphiql: dev ? { title: 'VeloZ API', subscriptionsProtocol: 'WS' } : false,
    landingPage: false,
    maskedErrors: dev ? { isDev: true } : true,
    logging: false,
    // readBody enforces config.bodyLimitBytes before yoga sees the body; yoga's own limit would wrap
    // every body in a stream pipeline (about half the CPU of a small request).
    maxRequestBodySize: false,
    context: ({ principal }) => ({ principal, services }),
    plugins: [
      maxDepthPlugin({ n: config.limits.maxDepth, exposeLimits: true }),
      maxAliasesPlugin({ n: config.limits.maxAliases, exposeLimits: true }),
      maxTokensPlugin({ n: config.limits.maxTokens }),
      costLimitPlugin({ maxCost: config.limits.maxCost, exposeLimits: true }),
      ...(dev ? [] : [blockFieldSuggestionsPlugin()]),
      useSubscriptionMetrics(services),
    ],
  });

  // POST application/json single queries and mutations without yoga's per-request machinery (same answers;
  // see the file).
  const fast = createFastGraphQL({
    schema,
    services,
    prepare: () => {
      const e = yoga.getEnveloped({ principal: undefined });
      return {
        parse: (q) => e.parse(q),
        validate: (d) => e.validate(e.schema, d),
        execute: (args) => e.execute(args) as ExecutionResult | Promise<ExecutionResult>,
        // yoga's handleError for an exception out of execution (masked errors are always on here).
        maskError: (err) => maskError(err, 'Unexpected error.', dev) as GraphQLError,
      };
    },
    fetchAPI: yoga.fetchAPI,
  });

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const wantsGraphiQL = dev && method === 'GET' && (req.headers.accept ?? '').includes('text/html');
    const principal = auth.fromHeader(req.headers.authorization);
    if (!principal && !wantsGraphiQL && method !== 'OPTIONS') {
      sendGraphQLError(res, 401, 'UNAUTHENTICATED', 'a valid bearer token is required', {
        ...cors.headersFor(req.headers.origin),
        'www-authenticate': 'Bearer realm="veloz"',
      });
      return;
    }
    if (principal && limiter) {
      const waitMs = limiter.take(principal.name);
      if (waitMs > 0) {
        sendRateLimited(res, waitMs, cors.headersFor(req.headers.origin));
        return;
      }
    }
    let body: Buffer | undefined;
    if (method !== 'GET' && method !== 'HEAD') body = await readBody(req, config.bodyLimitBytes);
    if (principal && body && (await fast.handle(req, res, body, principal))) return;
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const request = new Request(url, {
      method,
      headers,
      signal: abort.signal,
      ...(body && body.length > 0 ? { body: body.toString('utf8') } : {}),
    });
    const response = await yoga.fetch(request, { principal });
    const outHeaders: Record<string, string> = {};
    response.headers.forEach((v, k) => (outHeaders[k] = v));
    // The CORS headers depend on the Origin (allowed or not): caches must key on it.
    if (req.headers.origin !== undefined && !/\borigin\b/i.test(outHeaders.vary ?? ''))
      outHeaders.vary = outHeaders.vary ? `${outHeaders.vary}, Origin` : 'Origin';
    // JSON results of 1 KiB or more go out gzip/brotli when accepted; streams are copied below.
    if (await sendCompressedJson(req, res, response, outHeaders)) return;
    res.writeHead(response.status, outHeaders);
    if (!response.body || method === 'HEAD') {
      res.end();
      return;
    }
    // Copied chunk by chunk (yoga's Response is a ponyfill Readable.fromWeb refuses); streams SSE too.
    const reader = response.body.getReader();
    res.on('close', () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((r) => res.once('drain', r).once('close', r));
    }
    res.end();
  };

  // The built PWA (production): static files, SPA fallback, cache headers, precompressed gzip/brotli.
  const site = config.staticDir ? createStaticSite({ dir: config.staticDir }) : undefined;

  const workerHeader = options.workerId === undefined ? undefined : String(options.workerId);
  const server: Server = createServer((req, res) => {
    if (workerHeader) res.setHeader('x-veloz-worker', workerHeader);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    } catch {
      // e.g. `GET //` or a bad Host header: refused instead of an exception in the listener.
      sendJson(res, 400, { error: 'bad request target' });
      return;
    }
    const method = req.method ?? 'GET';
    // REST routes count themselves; everything else (GraphQL, PWA files, 404s) is counted here.
    if (handleRest(services, method, url.pathname, res)) return;
    trackHttpResponse(services, method, httpRouteOf(url.pathname, site !== undefined), res);
    if (url.pathname !== '/graphql') {
      if (site?.handle(method, req.url ?? '/', req.headers, res)) return;
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    handleGraphQL(req, res, url).catch((err: unknown) => {
      if (res.headersSent) {
        logger.warn({ err }, 'response failed');
        res.destroy();
        return;
      }
      if (err instanceof BodyTooLargeError) {
        sendGraphQLError(res, 413, err.code, err.message, { connection: 'close' });
        return;
      }
      logger.error({ err }, 'request failed');
      sendGraphQLError(res, 500, 'INTERNAL', 'internal error');
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  // graphql-ws on /graphql (auth, armor limits, the orderEvents fan-out): src/ws/server.ts.
  const wsServer = createGraphQLWsServer({
    server,
    maxPayload: config.bodyLimitBytes,
    yoga,
    auth,
    projection,
    isDev: dev,
    logger,
    allowUpgrade: (origin, host) => cors.allowsUpgrade(origin, host),
    ...(limiter ? { rateLimiter: limiter } : {}),
    fast,
    hooks: {
      connected: () => wsConnectionOpened(services),
      disconnected: () => wsConnectionClosed(services),
      subscriptionStarted: (field) => subscriptionStarted(services, field),
      subscriptionEnded: (field) => subscriptionEnded(services, field),
    },
  });

  let starting: Promise<{ port: number; url: string }> | undefined;
  let stopping: Promise<void> | undefined;

  return {
    services,
    devToken: devCreds?.token,
    start() {
      starting ??= (async () => {
        if (site) {
          const stats = await site.load();
          logger.info({ event: 'static', ...stats }, 'serving the PWA');
        }
        await redis.connect().catch((err: unknown) => {
          logger.warn({ err: (err as Error).message }, 'Redis not reachable yet; retrying in the background');
        });
        await projection.start();
        heartbeat.start();
        await bus.start();
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(config.port, config.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
        const port = (server.address() as AddressInfo).port;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        const url = `http://${host}:${port}`;
        logger.info({ event: 'listening', port, url, env: config.env, account: config.account }, 'listening');
        return { port, url };
      })();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        await wsServer.dispose();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        heartbeat.stop();
        await Promise.allSettled([projection.stop(), bus.stop()]);
        redis.disconnect();
      })();
      return stopping;
    },
  };
}
