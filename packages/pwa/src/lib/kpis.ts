/**
 * Order flow and latency from the engine's typed KPI snapshots (pure). Order counters are totals since
 * the engine started, sampled once a second; rates per minute are differences over a trailing window.
 */
import type { KpiSnapshotPoint } from '../graphql/operations';

/** The part of a KPI snapshot the dashboard keeps (small: it is cached on the device). */
export interface KpiPoint {
  /** Epoch ms. */
  at: number;
  submitted: number;
  filled: number;
  rejected: number;
  p50: number | null;
  p99: number | null;
}

/** One point of the order-flow and latency series. */
export interface FlowPoint {
  at: number;
  submittedPerMin: number;
  filledPerMin: number;
  rejectedPerMin: number;
  p50: number | null;
  p99: number | null;
}

/**
 * A KPI snapshot as a point. While the engine is down the counters are the last known (no flow) and
 * there is no current latency, so p50/p99 are null.
 */
export function toKpiPoint(k: KpiSnapshotPoint): KpiPoint {
  return {
    at: k.at,
    submitted: k.orders.submitted,
    filled: k.orders.filled,
    rejected: k.orders.rejected,
    p50: k.engineUp ? k.ackLatency.p50Ms : null,
    p99: k.engineUp ? k.ackLatency.p99Ms : null,
  };
}

/** Add a point to a history kept in time order, without duplicates, bounded to `max` points. */
export function addKpiPoint(history: readonly KpiPoint[], p: KpiPoint, max: number): KpiPoint[] {
  if (history.some((h) => h.at === p.at)) return [...history];
  const next = [...history, p].sort((a, b) => a.at - b.at);
  return next.length > max ? next.slice(next.length - max) : next;
}

/**
 * Per-minute rates at each point over the trailing `windowMs` (default one minute). A counter that went
 * down (the engine restarted) restarts the window at that point. The first point has no rate and is
 * left out.
 */
export function flowSeries(points: readonly KpiPoint[], windowMs = 60_000): FlowPoint[] {
  const out: FlowPoint[] = [];
  let start = 0;
  for (let i = 1; i < points.length; i++) {
    const cur = points[i]!;
    const prev = points[i - 1]!;
    if (cur.submitted < prev.submitted || cur.filled < prev.filled || cur.rejected < prev.rejected) {
      start = i;
      continue;
    }
    while (start < i - 1 && cur.at - points[start]!.at > windowMs) start++;
    const base = points[start]!;
    const dt = cur.at - base.at;
    if (dt <= 0) continue;
    const perMin = (a: number, b: number) => ((a - b) * 60_000) / dt;
    out.push({
      at: cur.at,
      submittedPerMin: perMin(cur.submitted, base.submitted),
      filledPerMin: perMin(cur.filled, base.filled),
      rejectedPerMin: perMin(cur.rejected, base.rejected),
      p50: cur.p50,
      p99: cur.p99,
    });
  }
  return out;
}
