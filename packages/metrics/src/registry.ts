import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { MetricDef } from './catalog';

/** What the code observes into: prom-client's Histogram or a `FastHistogram`. */
export interface HistogramMetric {
  observe(value: number): void;
  observe(labels: Record<string, string>, value: number): void;
}

/**
 * An unlabelled histogram that costs one binary search and two additions per observation (prom-client's
 * Histogram pays label hashing on every call): used on the order path. Registered in a prom-client
 * registry as a custom collector with the same exposition.
 */
export class FastHistogram implements HistogramMetric {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(a: number | Record<string, string>, b?: number): void {
    if (typeof a !== 'number') throw new TypeError(`${this.name} has no labels`);
    const v = b ?? a;
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= this.bounds[mid]!) hi = mid;
      else lo = mid + 1;
    }
    this.counts[lo]!++;
    this.sum += v;
    this.count++;
  }
  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
  /** The collector protocol of prom-client's registry. */
  async get() {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    let acc = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      acc += this.counts[i]!;
      values.push({
        value: acc,
        labels: { le: i < this.bounds.length ? this.bounds[i]! : '+Inf' },
        metricName: `${this.name}_bucket`,
      });
    }
    values.push({ value: this.sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: this.count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

/** A prom-client metric for each definition of a catalog, keyed like the catalog. */
export type MetricsOf<C extends Record<string, MetricDef>> = {
  [K in keyof C]: C[K]['type'] extends 'counter'
    ? Counter<string>
    : C[K]['type'] extends 'gauge'
      ? Gauge<string>
      : HistogramMetric;
};

/**
 * Register every definition of `catalog` in `registry`. `collect` (optional) is attached to the first
 * metric: prom-client starts every metric's collection synchronously in registration order, so a
 * synchronous `collect` there refreshes the figures every other metric of the scrape reads.
 */
export function registerCatalog<C extends Record<string, MetricDef>>(
  registry: Registry,
  catalog: C,
  collect?: () => void,
): MetricsOf<C> {
  const out: Record<string, Counter<string> | Gauge<string> | HistogramMetric> = {};
  let first = true;
  for (const [key, d] of Object.entries(catalog)) {
    const withCollect = first && collect !== undefined;
    const base = {
      name: d.name,
      help: d.help,
      labelNames: [...d.labels],
      registers: [registry],
      ...(withCollect ? { collect } : {}),
    };
    first = false;
    if (d.type === 'counter') out[key] = new Counter(base);
    else if (d.type === 'gauge') out[key] = new Gauge(base);
    else if (d.labels.length === 0 && !withCollect) {
      const h = new FastHistogram(d.name, d.help, d.buckets ?? []);
      registry.registerMetric(h as unknown as Parameters<Registry['registerMetric']>[0]);
      out[key] = h;
    } else out[key] = new Histogram({ ...base, buckets: [...(d.buckets ?? [])] });
  }
  return out as MetricsOf<C>;
}

/** Default metrics of this process, by prefix: created once (see `registerDefaultMetrics`). */
const processDefaults = new Map<string, { metrics: Metric[]; dropped: string[] }>();

/**
 * prom-client's default Node.js process metrics under `prefix`, minus those `promtool check metrics`
 * rejects: gauges named `*_total` (`nodejs_active_handles_total`, `_requests_total`,
 * `_resources_total`; their per-type gauges without the suffix stay, and sum to the same figure).
 * Returns the names that were dropped.
 *
 * They describe the process, so they are created once per process and prefix and the same metric
 * objects are registered in every registry asking for them. prom-client's collectors are never
 * stopped: each set adds an event-loop delay monitor and a GC observer called on every collection
 * (78 sets made an allocation-heavy loop 1.3-2x slower, 2026-11-27), which a process creating one
 * metrics object per engine (tests, the overhead benchmark) would otherwise pile up.
 */
export function registerDefaultMetrics(registry: Registry, prefix: string): string[] {
  let defaults = processDefaults.get(prefix);
  if (!defaults) {
    const own = new Registry();
    collectDefaultMetrics({ register: own, prefix });
    const dropped: string[] = [];
    for (const m of own.getMetricsAsArray()) {
      const { name, type } = m as unknown as { name: string; type: string };
      if (name.startsWith(prefix) && type !== 'counter' && name.endsWith('_total')) {
        own.removeSingleMetric(name);
        dropped.push(name);
      }
    }
    const metrics = own.getMetricsAsArray().map((m) => own.getSingleMetric(m.name)!);
    defaults = { metrics, dropped };
    processDefaults.set(prefix, defaults);
  }
  for (const m of defaults.metrics) registry.registerMetric(m);
  return [...defaults.dropped];
}

/**
 * Bring a counter up to `value`, a cumulative figure read from its source (the engine's stats). A
 * value below the last one means the source restarted (a new engine): it counts from zero again.
 */
export function createCounterSync() {
  const last = new Map<string, number>();
  return (counter: Counter<string>, value: number, labels?: Record<string, string>): void => {
    const key = `${(counter as unknown as { name: string }).name}${labels ? JSON.stringify(labels) : ''}`;
    const prev = last.get(key) ?? 0;
    const delta = value >= prev ? value - prev : value;
    last.set(key, value);
    if (labels) counter.inc(labels, delta);
    else counter.inc(delta);
  };
}
