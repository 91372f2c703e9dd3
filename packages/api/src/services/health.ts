import type { ConnectionStatus } from '@veloz/engine';
import type { ApiServices } from '../context';

/** One venue as the engine last reported it. */
export interface VenueHealth extends ConnectionStatus {
  name: string;
}

/**
 * The health document of `GET /api/health` and the `health` query. Public: it carries states and
 * counts, never tokens, URLs with credentials or hostnames.
 */
export interface HealthReport {
  ok: boolean;
  /** Epoch ms. */
  checkedAt: number;
  engine: { connected: boolean; state: string | null; lastHeartbeatAt: number | null; walSeq: number | null };
  redis: { connected: boolean };
  projection: { replayed: boolean; appliedSeq: number; lag: number | null };
  venues: VenueHealth[];
}

/** Venues from the engine's last heartbeat (last known while the engine is gone). */
export function venuesOf(services: ApiServices): VenueHealth[] {
  const hb = services.heartbeat.view().heartbeat;
  return Object.entries(hb?.venues ?? {})
    .map(([name, s]) => ({ name, ...s }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Healthy means: Redis reachable, the engine's heartbeat fresh, the projection replayed, and every venue
 * CONNECTED. Anything less is 503 with the same document saying which part is down.
 */
export function computeHealth(services: ApiServices): HealthReport {
  const view = services.heartbeat.view();
  const p = services.projection.status();
  const redisConnected = services.redis.status === 'ready';
  const venues = venuesOf(services);
  const walSeq = view.heartbeat?.wal.lastSeq ?? null;
  const ok =
    redisConnected &&
    view.connected &&
    p.replayed &&
    venues.length > 0 &&
    venues.every((v) => v.state === 'CONNECTED');
  return {
    ok,
    checkedAt: Date.now(),
    engine: {
      connected: view.connected,
      state: view.connected ? (view.heartbeat?.state ?? null) : null,
      lastHeartbeatAt: view.heartbeat?.publishedAt ?? null,
      walSeq,
    },
    redis: { connected: redisConnected },
    projection: {
      replayed: p.replayed,
      appliedSeq: p.appliedSeq,
      lag: walSeq === null ? null : Math.max(0, walSeq - p.appliedSeq),
    },
    venues,
  };
}
