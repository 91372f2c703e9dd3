/**
 * Values observed over the last `windowMs`, for quantiles (p50/p99 of ack latency in KPI snapshots).
 * A fixed-size ring: recording is O(1) and allocation-free (it sits on the order path); quantiles sort
 * a copy of the values in the window, once per KPI sample.
 */
export interface SlidingWindow {
  /** Record `value` observed at `at` (ms; any monotonic or epoch clock, used consistently). */
  add(value: number, at: number): void;
  /**
   * The q-quantile (0..1, nearest rank) of the values observed in (now - windowMs, now], or undefined
   * when there is none.
   */
  quantile(q: number, now: number): number | undefined;
  /** Several quantiles from one sort, in the order asked. */
  quantiles(qs: readonly number[], now: number): (number | undefined)[];
  /** Number of values in the window. */
  count(now: number): number;
  readonly windowMs: number;
}

export interface SlidingWindowOptions {
  /** Window length in ms (default 60 000). */
  windowMs?: number;
  /** Values kept at most; the oldest are forgotten first (default 10 000). */
  capacity?: number;
}

/** Nearest-rank quantile of sorted values (q in [0, 1]). Pure. */
export function quantileOfSorted(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not within [0, 1]`);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

export function createSlidingWindow(options: SlidingWindowOptions = {}): SlidingWindow {
  const windowMs = options.windowMs ?? 60_000;
  const capacity = options.capacity ?? 10_000;
  if (!(windowMs > 0)) throw new RangeError('windowMs must be > 0');
  if (!(Number.isInteger(capacity) && capacity > 0))
    throw new RangeError('capacity must be a positive integer');
  const values = new Float64Array(capacity);
  const times = new Float64Array(capacity);
  let next = 0;
  let size = 0;

  const inWindow = (now: number): number[] => {
    const out: number[] = [];
    const from = now - windowMs;
    for (let i = 0; i < size; i++) {
      const idx = (next - 1 - i + capacity) % capacity;
      const t = times[idx]!;
      if (t <= from) break; // newer first: everything after is older
      if (t <= now) out.push(values[idx]!);
    }
    return out;
  };

  return {
    windowMs,
    add(value, at) {
      values[next] = value;
      times[next] = at;
      next = (next + 1) % capacity;
      if (size < capacity) size++;
    },
    quantile(q, now) {
      return this.quantiles([q], now)[0];
    },
    quantiles(qs, now) {
      const sorted = inWindow(now).sort((a, b) => a - b);
      return qs.map((q) => quantileOfSorted(sorted, q));
    },
    count: (now) => inWindow(now).length,
  };
}
