// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { addKpiPoint, flowSeries, toKpiPoint, type KpiPoint } from './kpis';

const p = (at: number, submitted: number, filled = 0, rejected = 0): KpiPoint => ({
  at,
  submitted,
  filled,
  rejected,
  p50: 1,
  p99: 2,
});

describe('KPI samples', () => {
  it('reads a typed KPI snapshot; no current latency while the engine is down', () => {
    const k = {
      at: 5,
      engineUp: true,
      orders: { submitted: 10, filled: 7, rejected: 3 },
      ackLatency: { p50Ms: 1.5, p99Ms: null },
    };
    expect(toKpiPoint(k)).toEqual({ at: 5, submitted: 10, filled: 7, rejected: 3, p50: 1.5, p99: null });
    expect(toKpiPoint({ ...k, engineUp: false, ackLatency: { p50Ms: 1.5, p99Ms: 9 } })).toEqual({
      at: 5,
      submitted: 10,
      filled: 7,
      rejected: 3,
      p50: null,
      p99: null,
    });
  });

  it('keeps the history ordered, unique and bounded', () => {
    let h: KpiPoint[] = [];
    for (const at of [3000, 1000, 2000, 2000, 4000]) h = addKpiPoint(h, p(at, at / 1000), 3);
    expect(h.map((x) => x.at)).toEqual([2000, 3000, 4000]);
  });

  it('computes per-minute rates over the trailing minute', () => {
    // 2 orders a second for 90 s, sampled every 10 s: 120 per minute.
    const pts = Array.from({ length: 10 }, (_, i) => p(i * 10_000, i * 20, i * 19, i));
    const series = flowSeries(pts);
    expect(series).toHaveLength(9);
    expect(series.at(-1)).toMatchObject({ submittedPerMin: 120, filledPerMin: 114, rejectedPerMin: 6 });
    expect(series[0]).toMatchObject({ submittedPerMin: 120 });
  });

  it('restarts the window when the engine restarted (counters went down)', () => {
    const series = flowSeries([p(0, 100), p(1000, 110), p(2000, 1), p(3000, 3)]);
    expect(series.map((s) => s.submittedPerMin)).toEqual([600, 120]);
  });
});

describe('estimateNextRun', () => {
  it('adds the spacing of the last two scheduled runs to the newest', async () => {
    const { estimateNextRun } = await import('./next-run');
    expect(
      estimateNextRun([
        { reason: 'on-demand', startedAt: 95_000 },
        { reason: 'scheduled', startedAt: 90_000 },
        { reason: 'scheduled', startedAt: 60_000 },
      ]),
    ).toBe(120_000);
    expect(estimateNextRun([{ reason: 'scheduled', startedAt: 1 }])).toBeUndefined();
  });
});
