import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineMetrics, type ReconciliationRunLike } from './engine-metrics';
import { ENGINE_DEFAULT_PREFIX, ENGINE_METRICS } from './catalog';
import { parseExposition, sampleValue } from './exposition';
import { promtoolCheckMetrics } from './promtool';
import { order, startRig, waitFor, type Rig } from './test-kit';

const rigs: Rig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});
async function rig(opts: Parameters<typeof startRig>[0] = {}) {
  const r = await startRig(opts);
  rigs.push(r);
  return r;
}

describe('createEngineMetrics with a real engine', () => {
  it('order counters match the orders placed, and the exposition passes promtool check metrics', async () => {
    const { engine, metrics, venue } = await rig({ risk: { maxQuantity: '10' } });
    const placed = { accepted: 0, riskRejected: 0, venueRejected: 0 };
    for (let i = 0; i < 7; i++) {
      const r = await engine.placeOrder(order(`ok-${i}`));
      expect(r.ok).toBe(true);
      placed.accepted++;
    }
    for (let i = 0; i < 3; i++) {
      const r = await engine.placeOrder(order(`big-${i}`, { quantity: '11' }));
      expect(r.ok).toBe(false);
      placed.riskRejected++;
    }
    venue.setSubmitBehavior({ kind: 'reject', reason: 'insufficient funds' });
    for (let i = 0; i < 2; i++) {
      const r = await engine.placeOrder(order(`vr-${i}`));
      expect(r).toMatchObject({ ok: false, code: 'VENUE_REJECTED' });
      placed.venueRejected++;
    }
    venue.setSubmitBehavior({ kind: 'accept' });
    venue.fill('ok-0', '1', '100');
    venue.fill('ok-1', '1', '100');
    expect((await engine.cancelOrder('ok-2')).ok).toBe(true);
    await waitFor(() => engine.getOrder('ok-1')?.status === 'FILLED', 'fills journaled');
    await waitFor(() => engine.getOrder('ok-2')?.status === 'CANCELED', 'cancel journaled');

    const text = await metrics.metrics();
    const check = await promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    expect(check.ok).toBe(true);

    const f = parseExposition(text);
    // Submitted: accepted ones and venue-rejected ones were journaled as submitted; risk rejections never became orders.
    expect(sampleValue(f, 'veloz_orders_submitted_total')).toBe(placed.accepted + placed.venueRejected);
    expect(sampleValue(f, 'veloz_orders_accepted_total')).toBe(placed.accepted);
    expect(sampleValue(f, 'veloz_orders_rejected_total', { reason: 'MAX_QUANTITY' })).toBe(
      placed.riskRejected,
    );
    expect(sampleValue(f, 'veloz_orders_rejected_total', { reason: 'VENUE_REJECTED' })).toBe(
      placed.venueRejected,
    );
    expect(sampleValue(f, 'veloz_orders_filled_total')).toBe(2);
    expect(sampleValue(f, 'veloz_orders_canceled_total')).toBe(1);
    expect(sampleValue(f, 'veloz_open_orders')).toBe(placed.accepted - 3);
    expect(sampleValue(f, 'veloz_order_ack_latency_seconds_count')).toBe(placed.accepted);
    expect(sampleValue(f, 'veloz_engine_up')).toBe(1);
    expect(sampleValue(f, 'veloz_engine_state', { state: 'READY' })).toBe(1);
    expect(sampleValue(f, 'veloz_venue_connected', { venue: 'test' })).toBe(1);
    // WAL: what the engine journaled is what the storage holds.
    const walLast = engine.status().wal.lastSeq;
    expect(sampleValue(f, 'veloz_wal_last_seq')).toBe(walLast);
    expect(sampleValue(f, 'veloz_wal_appended_entries_total')).toBe(walLast);
    // The in-memory storage keeps objects and reports no bytes (the Redis plugin's count is tested in
    // redis-storage.redis.test.ts).
    expect(sampleValue(f, 'veloz_wal_appended_bytes_total')).toBe(0);
    expect(sampleValue(f, 'veloz_wal_append_duration_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(f, 'veloz_replay_skipped_entries', { reason: 'CHECKSUM' })).toBe(0);

    // Every engine metric of the catalog is in the exposition, with its type and help.
    for (const d of Object.values(ENGINE_METRICS)) {
      const fam = f.find((x) => x.name === d.name);
      expect(fam, d.name).toBeDefined();
      expect(fam!.type).toBe(d.type);
      expect(fam!.help).toBe(d.help);
    }
    // prom-client defaults are kept under the veloz_engine_ prefix, minus the gauges promtool rejects.
    const names = f.map((x) => x.name);
    expect(names).toContain(`${ENGINE_DEFAULT_PREFIX}process_cpu_seconds_total`);
    expect(names).toContain(`${ENGINE_DEFAULT_PREFIX}nodejs_active_handles`);
    expect(names).not.toContain(`${ENGINE_DEFAULT_PREFIX}nodejs_active_handles_total`);
    expect(names.every((n) => n.startsWith('veloz_'))).toBe(true);
    for (const fam of f)
      if (fam.type !== 'counter') expect(fam.name.endsWith('_total'), fam.name).toBe(false);

    const k = metrics.figures();
    expect(k.orders).toMatchObject({
      submitted: 9,
      accepted: 7,
      rejected: 5,
      filled: 2,
      canceled: 1,
      open: 4,
    });
    expect(k.ackLatency.samples).toBe(7);
    expect(k.ackLatency.p50Ms).toBeGreaterThan(0);
    expect(k.ackLatency.p99Ms!).toBeGreaterThanOrEqual(k.ackLatency.p50Ms!);
  });

  it('a venue disconnect and reconnect increments veloz_reconnect_count_total{venue}', async () => {
    const { metrics, venue } = await rig();
    const before = sampleValue(parseExposition(await metrics.metrics()), 'veloz_reconnect_count_total', {
      venue: 'test',
    });
    expect(before).toBe(0);
    venue.setConnection({ state: 'RECONNECTING', lastError: 'socket closed' });
    let f = parseExposition(await metrics.metrics());
    expect(sampleValue(f, 'veloz_venue_connected', { venue: 'test' })).toBe(0);
    expect(sampleValue(f, 'veloz_venue_connection_state', { venue: 'test', state: 'RECONNECTING' })).toBe(1);
    venue.setConnection({ state: 'CONNECTED', reconnectCount: 1 });
    f = parseExposition(await metrics.metrics());
    expect(sampleValue(f, 'veloz_reconnect_count_total', { venue: 'test' })).toBe(1);
    expect(sampleValue(f, 'veloz_venue_connected', { venue: 'test' })).toBe(1);
    expect(metrics.figures().venues).toEqual([
      { venue: 'test', state: 'CONNECTED', connected: true, reconnectCount: 1 },
    ]);
  });

  it('counts reconciliation runs and findings, snapshot age and command queue depth', async () => {
    let now = 5_000_000;
    const { metrics, storage } = await rig({ now: () => now });
    metrics.recordReconciliation({
      status: 'completed',
      durationMs: 120,
      counts: { ORPHANED: 1, MISSING: 2, STATUS_MISMATCH: 0, FILL_MISMATCH: 0 },
    });
    metrics.recordReconciliation({ status: 'failed', durationMs: 3000, counts: {} });
    metrics.setCommandQueueDepth(17);
    let f = parseExposition(await metrics.metrics());
    expect(sampleValue(f, 'veloz_snapshot_age_seconds')).toBeNaN();
    expect(sampleValue(f, 'veloz_reconciliation_runs_total', { status: 'completed' })).toBe(1);
    expect(sampleValue(f, 'veloz_reconciliation_runs_total', { status: 'failed' })).toBe(1);
    expect(sampleValue(f, 'veloz_reconciliation_findings_total', { kind: 'MISSING' })).toBe(2);
    expect(sampleValue(f, 'veloz_reconciliation_findings_total', { kind: 'FILL_MISMATCH' })).toBe(0);
    expect(sampleValue(f, 'veloz_reconciliation_duration_seconds_count')).toBe(2);
    expect(sampleValue(f, 'veloz_command_queue_depth')).toBe(17);

    // A snapshot saved through the instrumented storage dates the snapshot age.
    const wrapped = metrics.instrumentStorage(storage);
    await wrapped.snapshots.save(1, { version: 1, lastSeq: 1, orders: [] });
    const takenAt = (await storage.snapshots.list())[0]!.takenAt;
    now = takenAt + 42_000;
    f = parseExposition(await metrics.metrics());
    expect(sampleValue(f, 'veloz_snapshot_age_seconds')).toBeCloseTo(42, 3);
    expect(metrics.figures().reconciliation).toMatchObject({ runs: 2, failedRuns: 1, lastDurationMs: 3000 });
  });

  it('counts failed WAL appends and shows the engine down once stopped', async () => {
    const r = await rig();
    r.storage.failWith(new Error('redis down'));
    const res = await r.engine.placeOrder(order('x-1'));
    expect(res).toMatchObject({ ok: false, code: 'STORAGE_UNAVAILABLE' });
    let f = parseExposition(await r.metrics.metrics());
    expect(sampleValue(f, 'veloz_wal_append_failures_total')).toBe(1);
    r.storage.failWith(undefined);
    await r.engine.stop();
    f = parseExposition(await r.metrics.metrics());
    expect(sampleValue(f, 'veloz_engine_up')).toBe(0);
    expect(sampleValue(f, 'veloz_engine_state', { state: 'STOPPED' })).toBe(1);
  });

  it('trackReconciliation counts every report until stop', async () => {
    const metrics = createEngineMetrics({ defaultMetrics: false });
    const reports = new Subject<ReconciliationRunLike>();
    metrics.trackReconciliation(reports);
    reports.next({ status: 'completed', durationMs: 10, counts: { ORPHANED: 2 } });
    reports.next({ status: 'completed', durationMs: 20, counts: { ORPHANED: 1, MISSING: 1 } });
    let f = parseExposition(await metrics.metrics());
    expect(sampleValue(f, 'veloz_reconciliation_findings_total', { kind: 'ORPHANED' })).toBe(3);
    expect(sampleValue(f, 'veloz_reconciliation_runs_total', { status: 'completed' })).toBe(2);
    // Without an engine: down, and still a clean exposition.
    expect(sampleValue(f, 'veloz_engine_up')).toBe(0);
    expect((await promtoolCheckMetrics(await metrics.metrics())).ok).toBe(true);
    metrics.stop();
    reports.next({ status: 'failed', durationMs: 5, counts: { ORPHANED: 9 } });
    f = parseExposition(await metrics.metrics());
    expect(sampleValue(f, 'veloz_reconciliation_findings_total', { kind: 'ORPHANED' })).toBe(3);
    expect(metrics.figures().engineState).toBe('DETACHED');
  });
});
