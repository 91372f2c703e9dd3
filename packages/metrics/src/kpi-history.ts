import { setTimeout as delay } from 'node:timers/promises';
import { MetricsError } from './errors';
import type { KpiSnapshot } from './kpi';

/** Windows `kpiHistory(window)` accepts, in ms. */
export const KPI_HISTORY_WINDOWS = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
} as const;
export type KpiHistoryWindow = keyof typeof KPI_HISTORY_WINDOWS;

/** Window length in ms of a window name ("5m") or a number of ms (1 s to 1 h). */
export function kpiWindowMs(window: string | number): number {
  if (typeof window === 'number') {
    if (Number.isInteger(window) && window >= 1000 && window <= 3_600_000) return window;
    throw new MetricsError('CONFIG_INVALID', `KPI window ${window} ms is not within 1 s .. 1 h`);
  }
  const ms = (KPI_HISTORY_WINDOWS as Record<string, number>)[window];
  if (ms === undefined)
    throw new MetricsError(
      'CONFIG_INVALID',
      `KPI window "${window}" is not one of ${Object.keys(KPI_HISTORY_WINDOWS).join(', ')}`,
    );
  return ms;
}

const maxOrNull = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * Reduce samples to at most `points` for a sparkline: the span [from, to] is cut into equal buckets and
 * each non-empty bucket gives its last sample (counters and gauges as of the bucket's end) with the
 * bucket's worst p99 latencies and event-loop lag, so a spike between two points is not lost. Pure;
 * input in any order, output oldest first.
 */
export function downsampleKpis(
  samples: readonly KpiSnapshot[],
  opts: { from: number; to: number; points: number },
): KpiSnapshot[] {
  const { from, to, points } = opts;
  if (!(Number.isInteger(points) && points > 0)) throw new RangeError('points must be a positive integer');
  if (!(to >= from)) throw new RangeError('to must be >= from');
  const width = Math.max(1, (to - from) / points);
  const buckets = new Map<number, KpiSnapshot>();
  const sorted = samples.filter((s) => s.at >= from && s.at <= to).sort((a, b) => a.at - b.at);
  for (const s of sorted) {
    const b = Math.min(points - 1, Math.floor((s.at - from) / width));
    const prev = buckets.get(b);
    buckets.set(
      b,
      prev
        ? {
            ...s,
            eventLoopLagP99Ms: Math.max(prev.eventLoopLagP99Ms, s.eventLoopLagP99Ms),
            eventLoopLagMaxMs: Math.max(prev.eventLoopLagMaxMs, s.eventLoopLagMaxMs),
            ackLatency: { ...s.ackLatency, p99Ms: maxOrNull(prev.ackLatency.p99Ms, s.ackLatency.p99Ms) },
            wal: { ...s.wal, appendP99Ms: maxOrNull(prev.wal.appendP99Ms, s.wal.appendP99Ms) },
            // Down at any time in the bucket shows as down.
            engineUp: prev.engineUp && s.engineUp,
          }
        : s,
    );
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

/** `kpiHistory(window)`: the samples of the last `window` before `now`, downsampled to `points` (default 60). */
export function kpiHistory(
  samples: readonly KpiSnapshot[],
  opts: { window: string | number; now: number; points?: number },
): KpiSnapshot[] {
  const ms = kpiWindowMs(opts.window);
  return downsampleKpis(samples, { from: opts.now - ms, to: opts.now, points: opts.points ?? 60 });
}

/** Fastest `kpis(intervalMs)` subscription period allowed. */
export const MIN_KPI_INTERVAL_MS = 250;

/**
 * The `kpis(intervalMs)` subscription's source: `read()` now, then every `intervalMs` on a fixed
 * schedule (no drift from slow reads; a read slower than the interval skips the missed ticks).
 * Stops when the consumer returns (GraphQL unsubscribes) or `signal` aborts. A failing `read` ends the
 * iteration with its error.
 */
export async function* kpiTicks(
  read: () => Promise<KpiSnapshot>,
  opts: { intervalMs: number; signal?: AbortSignal },
): AsyncGenerator<KpiSnapshot> {
  const { intervalMs, signal } = opts;
  if (!(Number.isFinite(intervalMs) && intervalMs >= MIN_KPI_INTERVAL_MS && intervalMs <= 3_600_000))
    throw new MetricsError('CONFIG_INVALID', `intervalMs must be within ${MIN_KPI_INTERVAL_MS} .. 3600000`);
  const t0 = performance.now();
  let k = 0;
  while (!signal?.aborted) {
    yield await read();
    k = Math.max(k + 1, Math.ceil((performance.now() - t0) / intervalMs));
    const wait = t0 + k * intervalMs - performance.now();
    try {
      await delay(Math.max(0, wait), undefined, signal ? { signal } : undefined);
    } catch {
      return; // aborted
    }
  }
}
