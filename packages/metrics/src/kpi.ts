import { z } from 'zod';
import type { EngineFigures } from './engine-metrics';
import { MetricsError } from './errors';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

/**
 * One KPI sample, as the engine writes it every second to the capped stream `keys.kpis(account)`
 * (field `kpi` = JSON) and as the `kpis` query and subscription serve it. Times are epoch ms,
 * durations carry their unit in their name; null means "no data yet" (no order acked in the window,
 * no snapshot, no recovery).
 */
export const kpiSnapshotSchema = z.object({
  /** Schema version of this JSON. */
  v: z.literal(1),
  account: z.string(),
  /** Epoch ms when sampled. */
  at: z.number().int().nonnegative(),
  engineUp: z.boolean(),
  /** Engine lifecycle state; DETACHED when no engine was attached; DOWN when the heartbeat is missing. */
  engineState: z.string(),
  uptimeSeconds: ms,
  eventLoopLagP99Ms: ms,
  eventLoopLagMaxMs: ms,
  venues: z.array(
    z.object({
      venue: z.string(),
      state: z.string(),
      connected: z.boolean(),
      reconnectCount: count,
    }),
  ),
  /** Sum of the venues' reconnect counts. */
  reconnectCount: count,
  orders: z.object({
    submitted: count,
    accepted: count,
    rejected: count,
    rejectedByReason: z.array(z.object({ reason: z.string(), count })),
    filled: count,
    canceled: count,
    open: count,
  }),
  /** Order ack latency over the sliding window (`windowMs`). */
  ackLatency: z.object({
    p50Ms: ms.nullable(),
    p99Ms: ms.nullable(),
    samples: count,
    windowMs: ms,
  }),
  wal: z.object({
    lastSeq: count,
    appendedEntries: count,
    appendedBytes: count,
    appendFailures: count,
    appendP50Ms: ms.nullable(),
    appendP99Ms: ms.nullable(),
  }),
  replay: z.object({ durationMs: ms.nullable(), appliedEntries: count, skippedEntries: count }),
  snapshotAgeSeconds: ms.nullable(),
  reconciliation: z.object({
    runs: count,
    failedRuns: count,
    lastDurationMs: ms.nullable(),
    findings: z.array(z.object({ kind: z.string(), count })),
  }),
  commandQueueDepth: count,
});

export type KpiSnapshot = z.infer<typeof kpiSnapshotSchema>;

/** A KPI snapshot from the engine's figures. Pure. */
export function kpiFromFigures(account: string, f: EngineFigures): KpiSnapshot {
  return {
    v: 1,
    account,
    ...f,
    at: Math.round(f.at),
    reconnectCount: f.venues.reduce((n, v) => n + v.reconnectCount, 0),
  };
}

/** JSON for the stream field `kpi`. */
export function encodeKpi(k: KpiSnapshot): string {
  return JSON.stringify(k);
}

/** Parse and validate a stream field `kpi`; throws MetricsError KPI_INVALID naming the bad field. */
export function decodeKpi(json: string): KpiSnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new MetricsError('KPI_INVALID', 'KPI sample is not JSON', { cause: err });
  }
  const parsed = kpiSnapshotSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new MetricsError('KPI_INVALID', `KPI sample ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return parsed.data;
}

/**
 * What the API serves while the engine heartbeat is missing: the last sample (counters keep their
 * last known values) with the engine down and every venue's state UNKNOWN (not connected); a zero
 * sample when there was none. Pure.
 */
export function engineDownKpi(account: string, last: KpiSnapshot | undefined, now: number): KpiSnapshot {
  const base: KpiSnapshot = last ?? {
    v: 1,
    account,
    at: now,
    engineUp: false,
    engineState: 'DOWN',
    uptimeSeconds: 0,
    eventLoopLagP99Ms: 0,
    eventLoopLagMaxMs: 0,
    venues: [],
    reconnectCount: 0,
    orders: { submitted: 0, accepted: 0, rejected: 0, rejectedByReason: [], filled: 0, canceled: 0, open: 0 },
    ackLatency: { p50Ms: null, p99Ms: null, samples: 0, windowMs: 0 },
    wal: {
      lastSeq: 0,
      appendedEntries: 0,
      appendedBytes: 0,
      appendFailures: 0,
      appendP50Ms: null,
      appendP99Ms: null,
    },
    replay: { durationMs: null, appliedEntries: 0, skippedEntries: 0 },
    snapshotAgeSeconds: null,
    reconciliation: { runs: 0, failedRuns: 0, lastDurationMs: null, findings: [] },
    commandQueueDepth: 0,
  };
  return {
    ...base,
    at: now,
    engineUp: false,
    engineState: 'DOWN',
    uptimeSeconds: 0,
    venues: base.venues.map((v) => ({ ...v, state: 'UNKNOWN', connected: false })),
  };
}
