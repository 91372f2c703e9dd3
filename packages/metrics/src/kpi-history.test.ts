import { describe, expect, it } from 'vitest';
import { MetricsError } from './errors';
import { engineDownKpi, type KpiSnapshot } from './kpi';
import { downsampleKpis, kpiHistory, kpiTicks, kpiWindowMs } from './kpi-history';

const sample = (at: number, patch: Partial<KpiSnapshot> = {}): KpiSnapshot => ({
  ...engineDownKpi('a', undefined, at),
  engineUp: true,
  ...patch,
});

describe('kpiHistory', () => {
  it('keeps the last sample per bucket with the bucket worst p99 and down-ness', () => {
    const samples = Array.from({ length: 60 }, (_, i) =>
      sample(1000 * i, {
        orders: { ...sample(0).orders, submitted: i },
        ackLatency: { p50Ms: 1, p99Ms: i === 7 ? 500 : 2, samples: 1, windowMs: 60_000 },
        engineUp: i !== 13,
      }),
    );
    const out = downsampleKpis([...samples].reverse(), { from: 0, to: 59_999, points: 6 });
    expect(out).toHaveLength(6);
    expect(out.map((s) => s.orders.submitted)).toEqual([9, 19, 29, 39, 49, 59]);
    expect(out.map((s) => s.ackLatency.p99Ms)).toEqual([500, 2, 2, 2, 2, 2]);
    expect(out.map((s) => s.engineUp)).toEqual([true, false, true, true, true, true]);
  });

  it('selects the window before now and accepts names or ms', () => {
    const samples = Array.from({ length: 600 }, (_, i) => sample(1000 * i));
    const out = kpiHistory(samples, { window: '1m', now: 599_000, points: 60 });
    expect(out).toHaveLength(60);
    expect(out[0]!.at).toBeGreaterThanOrEqual(539_000);
    expect(out.at(-1)!.at).toBe(599_000);
    expect(kpiWindowMs('1h')).toBe(3_600_000);
    expect(kpiWindowMs(30_000)).toBe(30_000);
    expect(() => kpiWindowMs('2d')).toThrow(MetricsError);
    expect(() => kpiWindowMs(5)).toThrow(MetricsError);
    expect(kpiHistory([], { window: '5m', now: 1 })).toEqual([]);
  });
});

describe('kpiTicks', () => {
  it('delivers at the requested interval until the consumer returns', async () => {
    let reads = 0;
    const at: number[] = [];
    const intervalMs = 300;
    for await (const k of kpiTicks(async () => sample(++reads), { intervalMs })) {
      at.push(performance.now());
      expect(k.at).toBe(reads);
      if (at.length === 5) break;
    }
    expect(reads).toBe(5);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // A fixed schedule: about one interval per gap (a late tick is followed by a shorter gap, so only
    // the total is bounded below; a busy 2-core CI gets slack above).
    for (const g of gaps) expect(g).toBeLessThan(intervalMs * 2);
    const total = at.at(-1)! - at[0]!;
    expect(total).toBeGreaterThanOrEqual(4 * intervalMs - 15);
    expect(total).toBeLessThan(4 * intervalMs + 400);
  });

  it('stops on abort and refuses intervals below the minimum', async () => {
    const ac = new AbortController();
    let n = 0;
    for await (const _ of kpiTicks(async () => sample(n++), { intervalMs: 250, signal: ac.signal })) {
      if (n === 2) ac.abort();
    }
    expect(n).toBe(2);
    await expect(kpiTicks(async () => sample(0), { intervalMs: 10 }).next()).rejects.toThrow(MetricsError);
  });
});
