import { keys } from '@veloz/engine';
import { createApiMetrics, mergeExpositions, type ApiMetrics } from '@veloz/metrics';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ApiServices } from '../context';

const registries = new WeakMap<ApiServices, ApiMetrics>();

/** The replica's `@veloz/metrics` registry: `services.metrics`, else one created per services object. */
export function apiMetricsOf(services: ApiServices): ApiMetrics {
  if (services.metrics) return services.metrics;
  let m = registries.get(services);
  if (!m) registries.set(services, (m = createApiMetrics()));
  return m;
}

// ------------------------------------------------------------------ API-side metrics: the call-sites' API

/** Routes with a label of their own; anything else is `static` (the PWA's files) or `other`. */
const KNOWN_ROUTES = new Set(['/graphql', '/api/health', '/healthz', '/readyz', '/metrics']);

/**
 * The `route` label of a request path: one of the fixed API routes, `static` for a path the PWA may
 * serve (when `staticSite` is true), else `other`. Never the raw URL: label cardinality stays bounded.
 */
export function httpRouteOf(pathname: string, staticSite = false): string {
  if (KNOWN_ROUTES.has(pathname)) return pathname;
  return staticSite ? 'static' : 'other';
}

/**
 * Count one answered HTTP request in `veloz_http_requests_total` and
 * `veloz_http_request_duration_seconds` (labels method, route, status). `route` is a template from
 * `httpRouteOf`, `seconds` the time from the request's arrival to the response's end.
 */
export function recordHttpRequest(
  services: ApiServices,
  method: string,
  route: string,
  status: number,
  seconds: number,
): void {
  apiMetricsOf(services).observeHttp(method, route, status, seconds);
}

/**
 * Time one request from now: counts it once when the response finishes, or is closed before (status
 * as sent, 0 when nothing was). Idempotent per response.
 */
export function trackHttpResponse(
  services: ApiServices,
  method: string,
  route: string,
  res: {
    readonly statusCode: number;
    readonly headersSent: boolean;
    once(event: 'finish' | 'close', fn: () => void): unknown;
  },
): void {
  const t0 = performance.now();
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    recordHttpRequest(
      services,
      method,
      route,
      res.headersSent ? res.statusCode : 0,
      (performance.now() - t0) / 1000,
    );
  };
  res.once('finish', end);
  res.once('close', end);
}

const wsOpen = new WeakMap<ApiServices, number>();

/** A graphql-ws connection was accepted (`veloz_graphql_ws_connections` + 1). */
export function wsConnectionOpened(services: ApiServices): void {
  wsOpen.set(services, (wsOpen.get(services) ?? 0) + 1);
  apiMetricsOf(services).wsConnected();
}

/** An accepted graphql-ws connection closed (- 1; never below zero, so a stray call cannot skew it). */
export function wsConnectionClosed(services: ApiServices): void {
  const n = wsOpen.get(services) ?? 0;
  if (n <= 0) return;
  wsOpen.set(services, n - 1);
  apiMetricsOf(services).wsDisconnected();
}

/** A subscription on root field `field` started (`veloz_graphql_subscriptions{field}` + 1). */
export function subscriptionStarted(services: ApiServices, field: string): void {
  apiMetricsOf(services).subscriptionStarted(field);
}

/** A subscription on root field `field` ended (- 1). Call once per `subscriptionStarted`. */
export function subscriptionEnded(services: ApiServices, field: string): void {
  apiMetricsOf(services).subscriptionEnded(field);
}

/** Root field of the subscription operation of `document` (undefined for a query or mutation). */
export function subscriptionFieldOf(
  document: DocumentNode,
  operationName?: string | null,
): string | undefined {
  const op = getOperationAST(document, operationName ?? undefined);
  if (op?.operation !== 'subscription') return undefined;
  const first = op.selectionSet.selections[0];
  return first?.kind === 'Field' ? first.name.value : undefined;
}

/**
 * Wrap a subscription's event stream so `field` counts as active from now until the stream ends for any
 * reason: completed, returned (the client unsubscribed or disconnected) or failed. Ends once.
 */
export function countSubscription<T>(
  services: ApiServices,
  field: string,
  source: AsyncIterable<T>,
): AsyncIterableIterator<T> & {
  return(): Promise<IteratorResult<T>>;
  throw(e?: unknown): Promise<IteratorResult<T>>;
} {
  const it = source[Symbol.asyncIterator]();
  subscriptionStarted(services, field);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    subscriptionEnded(services, field);
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        const r = await it.next();
        if (r.done) end();
        return r;
      } catch (err) {
        end();
        throw err;
      }
    },
    async return() {
      end();
      return (await it.return?.()) ?? { done: true, value: undefined };
    },
    async throw(e?: unknown) {
      end();
      if (it.throw) return it.throw(e);
      throw e;
    },
  };
}

/**
 * A yoga/envelop plugin counting active subscriptions by root field, for graphql-ws and SSE alike (both
 * subscribe through yoga's enveloped `subscribe`). Add it to `createYoga({ plugins })`.
 */
export function useSubscriptionMetrics(services: ApiServices): Plugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult({ args, result, setResult }) {
          if (!result || typeof result !== 'object' || !(Symbol.asyncIterator in result)) return;
          const field = subscriptionFieldOf(args.document, args.operationName) ?? 'unknown';
          setResult(countSubscription(services, field, result as AsyncIterable<never>));
        },
      };
    },
  };
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * `GET /metrics` in Prometheus text format: the `@veloz/metrics` exposition (this replica's registry
 * merged with the engine's families, published by the engine into `veloz:{account}:metrics` with each
 * KPI sample; `veloz_engine_up 0` while its heartbeat is missing) plus this replica's projection
 * figures (`veloz_api_*`). Public, like the health endpoints: counts and states only.
 */
export async function renderMetrics(services: ApiServices): Promise<string> {
  const { account } = services.config;
  const a = `account="${esc(account)}"`;
  let engineText: string | undefined;
  let heartbeat = false;
  try {
    const [text, hb] = await services.redis.mget(keys.metrics(account), keys.heartbeat(account));
    engineText = text ?? undefined;
    heartbeat = hb !== null;
  } catch {
    // Redis down: only this replica's figures.
  }
  const view = services.heartbeat.view();
  const p = services.projection.status();
  const lines: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}{${a}} ${value}`);
  };
  family(
    'veloz_api_engine_connected',
    'gauge',
    'Whether the engine heartbeat is fresh (1) or not (0).',
    view.connected ? 1 : 0,
  );
  family(
    'veloz_api_redis_connected',
    'gauge',
    'Whether this replica reaches Redis (1) or not (0).',
    services.redis.status === 'ready' ? 1 : 0,
  );
  family(
    'veloz_api_projection_replayed',
    'gauge',
    'Whether the WAL present at start is applied (1) or not (0).',
    p.replayed ? 1 : 0,
  );
  family(
    'veloz_api_projection_applied_seq',
    'gauge',
    'Highest WAL sequence applied by this replica.',
    p.appliedSeq,
  );
  family(
    'veloz_api_projection_events_applied_total',
    'counter',
    'Order events applied to the projection.',
    p.applied,
  );
  family(
    'veloz_api_projection_entries_corrupt_total',
    'counter',
    'WAL entries skipped as undecodable.',
    p.corrupt,
  );
  family(
    'veloz_api_projection_events_refused_total',
    'counter',
    'Order events the reducer refused.',
    p.refused,
  );
  family('veloz_api_projection_gaps_total', 'counter', 'Sequence gaps seen in the WAL.', p.gaps);
  family('veloz_api_projection_orders', 'gauge', 'Orders in the projection.', p.orders);
  family('veloz_api_projection_open_orders', 'gauge', 'Open orders in the projection.', p.openOrders);
  if (p.replayMs !== undefined)
    family('veloz_api_replay_duration_seconds', 'gauge', 'Time the start-up replay took.', p.replayMs / 1000);
  const base = await apiMetricsOf(services).exposition({ text: engineText, heartbeat });
  return mergeExpositions([base, `${lines.join('\n')}\n`]);
}
