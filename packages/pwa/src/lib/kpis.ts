/**
 * Order flow and latency from the engine's KPI samples (pure). The engine publishes totals since it
 * started, once a second; rates per minute are differences over a trailing window.
 */

/** The part of an engine KPI sample the dashboard uses (kept small: it is cached on the device). */
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

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Read a KPI sample's `data` JSON as the engine writes it; undefined when it has no order counters. */
export function toKpiPoint(at: number, data: unknown): KpiPoint | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as { orders?: Record<string, unknown>; ackLatencyMs?: Record<string, unknown> };
  if (!d.orders) return undefined;
  const rejected = d.orders.rejected;
  const rejectedTotal =
    typeof rejected === 'object' && rejected !== null
      ? Object.values(rejected).reduce((sum: number, v) => sum + num(v), 0)
      : num(rejected);
  return {
    at,
    submitted: num(d.orders.submitted),
    filled: num(d.orders.filled),
    rejected: rejectedTotal,
    p50: numOrNull(d.ackLatencyMs?.p50),
    p99: numOrNull(d.ackLatencyMs?.p99),
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
