import { Subject, type Observable } from 'rxjs';
import type { EngineMetrics } from './engine-metrics';
import { kpiFromFigures, type KpiSnapshot } from './kpi';

export interface KpiSamplerOptions {
  /** Account of the engine (carried in each sample). */
  account: string;
  /** Sampling period, ms (default 1 000). */
  intervalMs?: number;
  /** Samples kept in memory for `history()` (default 3 600: one hour at one a second). */
  historySize?: number;
}

/** Samples the engine's KPIs on a timer. */
export interface KpiSampler {
  /** Every sample taken on the timer. Hot; completes on `stop`. */
  readonly samples$: Observable<KpiSnapshot>;
  /** Take a sample now (not emitted on `samples$`, not kept in history). */
  sample(): KpiSnapshot;
  /** Samples kept, oldest first. */
  history(): KpiSnapshot[];
  /** Sample now and every interval after. Idempotent. */
  start(): void;
  /** Stop the timer and complete `samples$`. Idempotent. */
  stop(): void;
}

/**
 * Create a KPI sampler over the engine's metrics. It reads `metrics.figures()` — the same figures the
 * Prometheus registry exposes, so the `kpis` query and `/metrics` never disagree — and adds nothing to
 * the order path. The engine service publishes each sample to Redis (see the package README).
 */
export function createKpiSampler(metrics: EngineMetrics, options: KpiSamplerOptions): KpiSampler {
  const intervalMs = options.intervalMs ?? 1000;
  const historySize = options.historySize ?? 3600;
  if (!(intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
  const subject = new Subject<KpiSnapshot>();
  const kept: KpiSnapshot[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const sample = () => kpiFromFigures(options.account, metrics.figures());
  const tick = () => {
    const s = sample();
    kept.push(s);
    if (kept.length > historySize) kept.splice(0, kept.length - historySize);
    subject.next(s);
  };

  return {
    samples$: subject.asObservable(),
    sample,
    history: () => [...kept],
    start() {
      if (timer || stopped) return;
      timer = setInterval(tick, intervalMs);
      tick();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      subject.complete();
    },
  };
}
