import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { MetricsError } from './errors';
import { decodeKpi, encodeKpi, engineDownKpi, kpiFromFigures } from './kpi';
import { createKpiSampler, type KpiSampler } from './kpi-sampler';
import { ACCOUNT, order, startRig, type Rig } from './test-kit';

const rigs: Rig[] = [];
const samplers: KpiSampler[] = [];
afterEach(async () => {
  for (const s of samplers.splice(0)) s.stop();
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

describe('KPI snapshots', () => {
  it('samples a real engine on the timer, and a sample survives encode/decode', async () => {
    const rig = await startRig();
    rigs.push(rig);
    for (let i = 0; i < 3; i++) expect((await rig.engine.placeOrder(order(`k-${i}`))).ok).toBe(true);
    rig.venue.setConnection({ state: 'CONNECTED', reconnectCount: 2 });
    const sampler = createKpiSampler(rig.metrics, { account: ACCOUNT, intervalMs: 50, historySize: 3 });
    samplers.push(sampler);
    const three = firstValueFrom(sampler.samples$.pipe(take(3), toArray()));
    sampler.start();
    sampler.start(); // idempotent: one timer
    const got = await three;
    for (let i = 1; i < got.length; i++) expect(got[i]!.at).toBeGreaterThanOrEqual(got[i - 1]!.at);
    const k = got[2]!;
    expect(k).toMatchObject({
      account: ACCOUNT,
      engineUp: true,
      engineState: 'READY',
      reconnectCount: 2,
      orders: { submitted: 3, accepted: 3, rejected: 0, open: 3 },
    });
    expect(k.ackLatency.samples).toBe(3);
    expect(k.wal.appendedEntries).toBe(6);
    expect(decodeKpi(encodeKpi(k))).toEqual(k);
    await new Promise<void>((resolve) => {
      const sub = sampler.samples$.subscribe(() => {
        if (sampler.history().length === 3) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    expect(sampler.history()).toHaveLength(3);
    sampler.stop();
    sampler.stop();
  });

  it('decodeKpi names the bad field', () => {
    const base = kpiFromFigures('a', {
      at: 1,
      engineUp: false,
      engineState: 'DETACHED',
      uptimeSeconds: 0,
      eventLoopLagP99Ms: 0,
      eventLoopLagMaxMs: 0,
      venues: [],
      orders: {
        submitted: 0,
        accepted: 0,
        rejected: 0,
        rejectedByReason: [],
        filled: 0,
        canceled: 0,
        open: 0,
      },
      ackLatency: { p50Ms: null, p99Ms: null, samples: 0, windowMs: 60_000 },
      wal: {
        lastSeq: 0,
        appendedEntries: 0,
        appendedBytes: 0,
        appendFailures: 0,
        appendP50Ms: null,
        appendP99Ms: null,
      },
      replay: { durationMs: null, appliedEntries: 0, skippedEntries: 0 },
      snapshotAgeSeconds: null,
      reconciliation: { runs: 0, failedRuns: 0, lastDurationMs: null, findings: [] },
      commandQueueDepth: 0,
    });
    expect(decodeKpi(encodeKpi(base))).toEqual(base);
    expect(() => decodeKpi('{')).toThrow(MetricsError);
    const bad = JSON.stringify({ ...base, orders: { ...base.orders, accepted: -1 } });
    expect(() => decodeKpi(bad)).toThrow(/orders\.accepted/);
  });

  it('engineDownKpi keeps the last counters and shows the engine and venues down', () => {
    const none = engineDownKpi('a', undefined, 10);
    expect(none).toMatchObject({ account: 'a', at: 10, engineUp: false, engineState: 'DOWN', venues: [] });
    const last = {
      ...none,
      engineUp: true,
      engineState: 'READY',
      uptimeSeconds: 50,
      reconnectCount: 4,
      venues: [{ venue: 'sim', state: 'CONNECTED', connected: true, reconnectCount: 4 }],
    };
    const down = engineDownKpi('a', last, 99);
    expect(down).toMatchObject({
      at: 99,
      engineUp: false,
      engineState: 'DOWN',
      uptimeSeconds: 0,
      reconnectCount: 4,
    });
    expect(down.venues).toEqual([{ venue: 'sim', state: 'UNKNOWN', connected: false, reconnectCount: 4 }]);
  });
});
