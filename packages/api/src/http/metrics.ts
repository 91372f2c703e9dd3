import { keys } from '@veloz/engine';
import { createApiMetrics, mergeExpositions, type ApiMetrics } from '@veloz/metrics';
import type { ApiServices } from '../context';

const registries = new WeakMap<ApiServices, ApiMetrics>();

/** The replica's `@veloz/metrics` registry: `services.metrics`, else one created per services object. */
export function apiMetricsOf(services: ApiServices): ApiMetrics {
  if (services.metrics) return services.metrics;
  let m = registries.get(services);
  if (!m) registries.set(services, (m = createApiMetrics()));
  return m;
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
