import { Registry } from 'prom-client';
import { API_DEFAULT_PREFIX, API_METRICS, ENGINE_METRICS } from './catalog';
import { mergeExpositions, parseExposition, renderExposition } from './exposition';
import { registerCatalog, registerDefaultMetrics } from './registry';

export interface ApiMetricsOptions {
  /** Registry to register into (default: a new one). */
  registry?: Registry;
  /** Also export prom-client's default process metrics as `veloz_api_*` (default true). */
  defaultMetrics?: boolean;
}

/** What the API knows about the engine when it serves `/metrics`. */
export interface EngineExpositionInput {
  /** The engine's exposition as read from Redis (`keys.metrics(account)`); undefined when expired/missing. */
  text: string | undefined;
  /** Whether the engine heartbeat key exists (`keys.heartbeat(account)`). */
  heartbeat: boolean;
}

/** An API replica's metrics. */
export interface ApiMetrics {
  readonly registry: Registry;
  /** Content type of the exposition. */
  readonly contentType: string;
  /**
   * Count one answered HTTP request. `route` must be a template (`/graphql`, `/api/health`), never
   * the raw URL, to keep label cardinality bounded.
   */
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  /** Start timing a request; call the returned function with the status when it is answered. */
  startHttpTimer(method: string, route: string): (status: number) => void;
  /** A graphql-ws connection opened / closed. */
  wsConnected(): void;
  wsDisconnected(): void;
  /** A subscription on root field `field` started / ended. */
  subscriptionStarted(field: string): void;
  subscriptionEnded(field: string): void;
  /** The API's own exposition. */
  metrics(): Promise<string>;
  /** The `/metrics` answer: the API's exposition merged with the engine's (see `engineExposition`). */
  exposition(engine: EngineExpositionInput): Promise<string>;
}

/** Create the API replica's registry (HTTP, graphql-ws and subscription figures). */
export function createApiMetrics(options: ApiMetricsOptions = {}): ApiMetrics {
  const registry = options.registry ?? new Registry();
  const m = registerCatalog(registry, API_METRICS);
  if (options.defaultMetrics ?? true) registerDefaultMetrics(registry, API_DEFAULT_PREFIX);
  m.wsConnections.set(0);

  const api: ApiMetrics = {
    registry,
    contentType: registry.contentType,
    observeHttp(method, route, status, seconds) {
      const labels = { method: method.toUpperCase(), route, status: String(status) };
      m.httpRequests.inc(labels);
      m.httpDuration.observe(labels, seconds);
    },
    startHttpTimer(method, route) {
      const t0 = performance.now();
      return (status) => api.observeHttp(method, route, status, (performance.now() - t0) / 1000);
    },
    wsConnected: () => m.wsConnections.inc(),
    wsDisconnected: () => m.wsConnections.dec(),
    subscriptionStarted: (field) => m.subscriptions.inc({ field }),
    subscriptionEnded: (field) => m.subscriptions.dec({ field }),
    metrics: () => registry.metrics(),
    async exposition(engine) {
      return mergeExpositions([await registry.metrics(), engineExposition(engine)]);
    },
  };
  return api;
}

const UP = ENGINE_METRICS.engineUp;

/**
 * The engine part of the API's `/metrics`: the engine's text as stored in Redis, with `veloz_engine_up`
 * forced to 0 when the heartbeat is missing (the text may outlive a killed engine by its TTL), or only
 * `veloz_engine_up 0` when there is no text at all. Pure.
 */
export function engineExposition(input: EngineExpositionInput): string {
  const down = renderExposition([
    { name: UP.name, help: UP.help, type: UP.type, samples: [{ name: UP.name, labels: {}, value: 0 }] },
  ]);
  if (input.text === undefined || input.text.trim() === '') return down;
  let families;
  try {
    families = parseExposition(input.text);
  } catch {
    // A corrupt engine text must not break the API's own scrape.
    return down;
  }
  const up = families.find((f) => f.name === UP.name);
  if (!up) return mergeExpositions([down, input.text]);
  if (!input.heartbeat) up.samples = [{ name: UP.name, labels: {}, value: 0 }];
  return renderExposition(families);
}
