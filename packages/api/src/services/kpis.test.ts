import { engineDownKpi } from '@veloz/metrics';
import { describe, expect, it } from 'vitest';
import { historyWindowMs, kpiView } from './kpis';

const sample = {
  ...engineDownKpi('acc', undefined, 1_000),
  engineUp: true,
  engineState: 'READY',
  venues: [{ venue: 'sim', state: 'CONNECTED', connected: true, reconnectCount: 2 }],
  reconnectCount: 2,
};

describe('kpiView', () => {
  it('serves the sample while the heartbeat is fresh', () => {
    expect(kpiView('acc', sample, { connected: true }, 5_000)).toBe(sample);
  });

  it('marks the engine DOWN and its venues UNKNOWN without heartbeat, keeping the last counters', () => {
    const k = kpiView(
      'acc',
      { ...sample, orders: { ...sample.orders, submitted: 7 } },
      { connected: false },
      5_000,
    );
    expect(k).toMatchObject({ engineUp: false, engineState: 'DOWN', at: 5_000, reconnectCount: 2 });
    expect(k.orders.submitted).toBe(7);
    expect(k.venues).toEqual([{ venue: 'sim', state: 'UNKNOWN', connected: false, reconnectCount: 2 }]);
    expect(kpiView('acc', undefined, { connected: false }, 5_000)).toMatchObject({
      engineUp: false,
      account: 'acc',
    });
  });

  it('an engine up without a sample yet shows up with zero figures and its heartbeat state', () => {
    const k = kpiView('acc', undefined, { connected: true, heartbeat: { state: 'RECOVERING' } }, 5_000);
    expect(k).toMatchObject({ engineUp: true, engineState: 'RECOVERING', venues: [] });
    expect(k.orders.submitted).toBe(0);
  });
});

describe('historyWindowMs', () => {
  it('accepts the KPI_HISTORY_WINDOWS names only', () => {
    expect(historyWindowMs('1m')).toBe(60_000);
    expect(historyWindowMs('1h')).toBe(3_600_000);
    expect(() => historyWindowMs('2h')).toThrow(/not one of 1m, 5m, 15m, 1h/);
    expect(() => historyWindowMs('60000')).toThrow(RangeError);
  });
});
