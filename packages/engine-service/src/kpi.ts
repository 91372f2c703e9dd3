import { COMMAND_GROUP, HEARTBEAT_TTL_MS, KPI_MAXLEN, keys } from '@veloz/engine';
import {
  createKpiSampler,
  encodeKpi,
  type EngineMetrics,
  type KpiSampler,
  type KpiSnapshot,
} from '@veloz/metrics';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { errorMessage } from './errors';

/** Lifetime of the metrics text in Redis (ms): gone soon after the engine stops publishing. */
export const METRICS_TTL_MS = 15_000;

/** Entries counted at most when Redis cannot say the group's lag (XINFO GROUPS `lag` nil). */
const QUEUE_SCAN_LIMIT = 10_000;

/** The engine group's entry of an XINFO GROUPS reply (flat field/value arrays), or undefined. */
function engineGroup(reply: unknown): Map<string, unknown> | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (const g of reply) {
    if (!Array.isArray(g)) continue;
    const m = new Map<string, unknown>();
    for (let i = 0; i + 1 < g.length; i += 2) m.set(String(g[i]), g[i + 1]);
    if (m.get('name') === COMMAND_GROUP) return m;
  }
  return undefined;
}

/**
 * Commands waiting for the engine, from an XINFO GROUPS reply of the command stream: the engine group's
 * `lag` (entries not yet delivered) plus `pending` (delivered, not acknowledged). `lag` is undefined
 * when Redis cannot tell (nil after deletions); 0 and 0 when the group does not exist yet. Pure.
 */
export function commandQueueFromGroups(reply: unknown): {
  pending: number;
  lag: number | undefined;
  lastDeliveredId: string;
} {
  const g = engineGroup(reply);
  if (!g) return { pending: 0, lag: 0, lastDeliveredId: '0-0' };
  const num = (v: unknown) => (v === null || v === undefined || v === '' ? undefined : Number(v));
  const lag = num(g.get('lag'));
  return {
    pending: num(g.get('pending')) ?? 0,
    lag: lag !== undefined && Number.isFinite(lag) ? lag : undefined,
    lastDeliveredId: String(g.get('last-delivered-id') ?? '0-0'),
  };
}

/**
 * Depth of the command queue of `account`: commands on the stream the engine has not answered yet
 * (XINFO GROUPS lag + pending). Not XLEN: the stream keeps answered commands (capped at ~100 000).
 */
export async function readCommandQueueDepth(redis: Redis, account: string): Promise<number> {
  const stream = keys.commands(account);
  let reply: unknown;
  try {
    reply = await redis.xinfo('GROUPS', stream);
  } catch (err) {
    // No stream yet: nothing is queued.
    if (/no such key/i.test(errorMessage(err))) return 0;
    throw err;
  }
  const q = commandQueueFromGroups(reply);
  if (q.lag !== undefined) return q.pending + q.lag;
  const after = await redis.xrange(stream, `(${q.lastDeliveredId}`, '+', 'COUNT', QUEUE_SCAN_LIMIT);
  return q.pending + after.length;
}

export interface KpiPublisherOptions {
  redis: Redis;
  account: string;
  /** The engine process's registry (`@veloz/metrics`); its figures make the snapshot, its text `keys.metrics`. */
  metrics: EngineMetrics;
  logger: Logger;
  /** Sampling period, ms (default 1000). */
  intervalMs?: number;
  /** Command queue depth read before each publication (default `readCommandQueueDepth`). */
  queueDepth?: () => Promise<number>;
}

/**
 * Publishes the engine's typed KPI snapshot (`KpiSnapshot`, v 1, from `createKpiSampler`) every interval
 * into the capped stream `keys.kpis(account)` (field `kpi`, JSON, MAXLEN ~ `KPI_MAXLEN`) together with
 * the Prometheus text in `keys.metrics(account)`, in one MULTI so the two never disagree.
 */
export interface KpiPublisher {
  /** Sample now and every interval after. Idempotent. */
  start(): void;
  /** Stop sampling and wait for a publication in flight. Idempotent; never rejects. */
  stop(): Promise<void>;
  /** Publications that failed (logged, then the next interval tries again). */
  errors(): number;
  /** Samples dropped because the previous publication was still in flight. */
  skipped(): number;
  /** The last snapshot published. */
  last(): KpiSnapshot | undefined;
}

export function createKpiPublisher(opts: KpiPublisherOptions): KpiPublisher {
  const stream = keys.kpis(opts.account);
  const metricsKey = keys.metrics(opts.account);
  const intervalMs = opts.intervalMs ?? 1000;
  const queueDepth = opts.queueDepth ?? (() => readCommandQueueDepth(opts.redis, opts.account));
  const ttl = Math.max(METRICS_TTL_MS, HEARTBEAT_TTL_MS, intervalMs * 5);
  // History lives in the Redis stream, not in this process.
  const sampler: KpiSampler = createKpiSampler(opts.metrics, {
    account: opts.account,
    intervalMs,
    historySize: 1,
  });
  let sub: Subscription | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  let errors = 0;
  let skipped = 0;
  let last: KpiSnapshot | undefined;

  const publish = async (sample: KpiSnapshot) => {
    try {
      const depth = await queueDepth();
      opts.metrics.setCommandQueueDepth(depth);
      const kpi: KpiSnapshot = { ...sample, commandQueueDepth: depth };
      const text = await opts.metrics.metrics();
      const results = await opts.redis
        .multi()
        .xadd(stream, 'MAXLEN', '~', KPI_MAXLEN, '*', 'kpi', encodeKpi(kpi))
        .set(metricsKey, text, 'PX', ttl)
        .exec();
      const failed = results?.find(([err]) => err);
      if (!results || failed) throw failed?.[0] ?? new Error('MULTI aborted');
      last = kpi;
    } catch (err) {
      errors++;
      opts.logger.warn({ err: errorMessage(err) }, 'KPI sample not published');
    }
  };

  return {
    start() {
      if (sub || stopped) return;
      sub = sampler.samples$.subscribe((sample) => {
        // A slow Redis must not pile publications up: drop this sample, the next one is a second away.
        if (inFlight) {
          skipped++;
          return;
        }
        inFlight = publish(sample).finally(() => (inFlight = undefined));
      });
      sampler.start();
    },
    async stop() {
      if (stopped) return inFlight;
      stopped = true;
      sampler.stop();
      sub?.unsubscribe();
      await inFlight;
    },
    errors: () => errors,
    skipped: () => skipped,
    last: () => last,
  };
}
