import type { EngineStats, EngineStatus } from '@veloz/engine';
import { describe, expect, it } from 'vitest';
import { buildKpiSample, percentile, renderMetrics } from './kpi';

const status: EngineStatus = {
  state: 'READY',
  account: 'a1',
  venues: { sim: { state: 'CONNECTED', reconnectCount: 2, lastConnectedAt: 5 } },
  wal: { lastSeq: 42 },
  recovery: undefined,
  openOrders: 3,
  startedAt: 1,
};
const stats: EngineStats = {
  submitted: 10,
  accepted: 8,
  rejected: { MAX_QUANTITY: 2 },
  filled: 5,
  canceled: 1,
  unknownReports: 0,
  duplicateReports: 0,
  stateViolations: 0,
  journalFailures: 0,
  outcomeUnknown: 0,
  pendingResolved: 0,
  ackLatencyMs: [5, 1, 3, 2, 4, 100],
};
const commands = { processed: 7, failed: 1, deferred: 0, claimed: 0, errors: 0 };

describe('percentile', () => {
  it('is the nearest-rank percentile', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 99)).toBe(5);
    expect(percentile([7], 1)).toBe(7);
  });
});

describe('buildKpiSample', () => {
  it('summarises status, counters and latency', () => {
    const s = buildKpiSample(status, stats, commands, 1234);
    expect(s).toEqual({
      account: 'a1',
      at: 1234,
      state: 'READY',
      orders: {
        submitted: 10,
        accepted: 8,
        rejected: { MAX_QUANTITY: 2 },
        filled: 5,
        canceled: 1,
        unknownReports: 0,
        duplicateReports: 0,
        stateViolations: 0,
        journalFailures: 0,
        outcomeUnknown: 0,
        pendingResolved: 0,
      },
      openOrders: 3,
      venues: { sim: { state: 'CONNECTED', reconnectCount: 2 } },
      wal: { lastSeq: 42 },
      ackLatencyMs: { p50: 3, p99: 100, samples: 6 },
      commands,
    });
  });
});

describe('renderMetrics', () => {
  it('writes Prometheus text with the contract counter per venue', () => {
    const text = renderMetrics(buildKpiSample(status, stats, commands, 1));
    expect(text).toContain('# TYPE veloz_reconnect_count_total counter');
    expect(text).toContain('veloz_reconnect_count_total{account="a1",venue="sim"} 2');
    expect(text).toContain('veloz_engine_orders_rejected_total{account="a1",code="MAX_QUANTITY"} 2');
    expect(text).toContain('veloz_engine_order_ack_latency_seconds{account="a1",quantile="0.99"} 0.1');
    expect(text).toContain('veloz_engine_ready{account="a1"} 1');
    for (const line of text.trim().split('\n'))
      expect(line).toMatch(/^(# (HELP|TYPE) veloz_\w+ .+|veloz_\w+\{[^}]*\} [\d.e-]+)$/);
  });
});
