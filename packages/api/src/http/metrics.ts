import { keys } from '@veloz/engine';
import type { ApiServices } from '../context';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * `GET /metrics` in Prometheus text format: the engine's own families (published by the engine into
 * `veloz:{account}:metrics` with each KPI sample; absent while it is down) followed by this replica's
 * `veloz_api_*` families. Public, like the health endpoints: counts and states only.
 */
export async function renderMetrics(services: ApiServices): Promise<string> {
  const { account } = services.config;
  const a = `account="${esc(account)}"`;
  let engineText = '';
  try {
    engineText = (await services.redis.get(keys.metrics(account))) ?? '';
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
  const body = engineText.trim();
  return `${body ? `${body}\n` : ''}${lines.join('\n')}\n`;
}
