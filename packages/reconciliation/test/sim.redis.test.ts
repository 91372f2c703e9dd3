/**
 * Acceptance tests against the real sim-exchange process and a real Redis: the OMS stand-in journals to a
 * Redis WAL (storage:redis), reconciliation runs as BullMQ jobs.
 */
import { OrderStore, type VenuePlugin } from '@veloz/engine';
import { createSimVenue, spawnSimExchange, type SpawnedSimExchange } from '@veloz/venue-sim';
import { firstValueFrom, filter, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createReconciliation,
  type Reconciliation,
  type ReconciliationConfigInput,
  type ReconciliationReport,
} from '../src/index';
import {
  cleanupAccount,
  createTestOms,
  pluginContext,
  REDIS_URL,
  restingBuy,
  uniqueAccount,
  waitFor,
  type TestOms,
} from './harness';

interface World {
  account: string;
  sim: SpawnedSimExchange;
  venue: VenuePlugin;
  oms: TestOms;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Newest first: reconciliation before the OMS before the venue before the exchange process.
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function world(tag: string, simArgs: string[] = []): Promise<World> {
  const account = uniqueAccount(tag);
  cleanups.push(() => cleanupAccount(account));
  const sim = await spawnSimExchange(['--tick-ms', '0', '--admin-port', '0', ...simArgs]);
  cleanups.push(() => sim.kill());
  const venue = createSimVenue({
    url: sim.url,
    backoff: { initialMs: 50, maxMs: 200, multiplier: 2, jitter: 'full' },
  });
  await venue.start(pluginContext(account));
  cleanups.push(() => venue.stop());
  const oms = await createTestOms(account);
  cleanups.push(() => oms.stop());
  oms.followExecutions(venue);
  return { account, sim, venue, oms };
}

async function reconciliation(
  w: World,
  config: Partial<ReconciliationConfigInput> = {},
): Promise<Reconciliation> {
  const recon = createReconciliation(
    { connection: REDIS_URL, account: w.account, graceMs: 0, backoffMs: 100, schedule: false, ...config },
    {
      venues: [w.venue],
      getOrders: () => [...w.oms.store.all()],
      journal: (events) => w.oms.journal(events),
    },
  );
  cleanups.push(() => recon.stop());
  await recon.start();
  return recon;
}

function next(reports$: Observable<ReconciliationReport>, predicate: (r: ReconciliationReport) => boolean) {
  return firstValueFrom(reports$.pipe(filter(predicate)));
}

function kinds(report: ReconciliationReport): Record<string, string> {
  return Object.fromEntries(report.findings.map((f) => [f.clientOrderId, f.kind]));
}

describe('reconciliation against the sim exchange', () => {
  it('detects an orphan injected at the exchange as ORPHANED within one scheduled run', async () => {
    const w = await world('orphan');
    const recon = await reconciliation(w, { schedule: true, intervalMs: 300 });
    await w.sim.admin('orphan', {
      symbol: 'BTC-USD',
      side: 'SELL',
      quantity: '0.02',
      clientOrderId: 'orph-1',
      push: false,
    });
    // Taken once the exchange holds the orphan: a run that started while the admin call was still in
    // flight (slow on a loaded machine) may have listed the venue's orders before it existed.
    const injectedAt = Date.now();
    const report = await next(recon.reports$, (r) => r.reason === 'scheduled' && r.startedAt > injectedAt);
    expect(kinds(report)).toEqual({ 'orph-1': 'ORPHANED' });
    expect(report.findings[0]).toMatchObject({
      severity: 'critical',
      before: null,
      after: { status: 'NEW', side: 'SELL', quantity: '0.02' },
      resolution: { action: 'report', status: 'reported' },
    });
    expect(report.counts).toEqual({ ORPHANED: 1, MISSING: 0, STATUS_MISMATCH: 0, FILL_MISMATCH: 0 });
    // One scheduler per account, with the configured interval.
    const queue = recon.queue()!;
    expect(await queue.getJobSchedulersCount()).toBe(1);
    expect(await queue.getJobScheduler(`reconcile-${w.account}`)).toMatchObject({ every: 300 });
  });

  it('keeps job history and reports bounded, and stops idempotently', async () => {
    const w = await world('bounded');
    const recon = await reconciliation(w, { startupRun: false, keepCompleted: 2, historyLimit: 3 });
    for (let i = 0; i < 5; i++) await recon.runNow();
    expect(await recon.queue()!.getJobCountByTypes('completed')).toBe(2);
    expect(await recon.reports(10)).toHaveLength(3);
    await recon.stop();
    await recon.stop();
    await expect(recon.runNow()).rejects.toMatchObject({ code: 'NOT_STARTED' });
  });

  it('adopts an orphan through the WAL, or cancels it at the venue, as the policy says', async () => {
    const w = await world('adopt');
    await w.sim.admin('orphan', {
      symbol: 'BTC-USD',
      side: 'BUY',
      quantity: '0.03',
      clientOrderId: 'orph-a',
      push: false,
    });
    const recon = await reconciliation(w, { policy: { ORPHANED: 'adopt' } });
    const [startup] = await recon.reports(1);
    expect(startup).toMatchObject({
      reason: 'startup',
      corrected: 1,
      findings: [{ kind: 'ORPHANED', resolution: { status: 'applied' } }],
    });
    expect(w.oms.store.get('orph-a')).toMatchObject({
      status: 'NEW',
      venueOrderId: expect.any(String),
      quantity: '0.03',
    });
    const wal = await w.oms.walEvents();
    expect(wal.map((e) => [e.type, e.source])).toEqual([
      ['ORDER_SUBMITTED', 'reconciliation'],
      ['ORDER_ACCEPTED', 'reconciliation'],
    ]);
    await recon.stop();

    await w.sim.admin('orphan', {
      symbol: 'BTC-USD',
      side: 'BUY',
      quantity: '0.01',
      clientOrderId: 'orph-c',
      push: false,
    });
    const cancelling = await reconciliation(w, { policy: { ORPHANED: 'cancel' } });
    const [second] = await cancelling.reports(1);
    expect(second!.findings).toMatchObject([
      {
        clientOrderId: 'orph-c',
        kind: 'ORPHANED',
        resolution: { action: 'cancel-at-venue', status: 'applied' },
      },
    ]);
    expect((await w.venue.openOrders()).map((o) => o.clientOrderId)).toEqual(['orph-a']);
  });

  it('corrects orders canceled and filled behind the OMS back through the WAL', async () => {
    const w = await world('behind');
    await w.oms.place(restingBuy(w.account, 'c-1'));
    await w.oms.place(restingBuy(w.account, 'f-1', '15000', '0.02'));
    await waitFor(() => w.oms.store.get('f-1')?.status === 'NEW', 5_000, 'f-1 acknowledged');
    const recon = await reconciliation(w);
    await w.sim.admin('cancel', { clientOrderId: 'c-1', push: false });
    await w.sim.admin('fill', { clientOrderId: 'f-1', price: '14999.5', push: false });
    expect(w.oms.store.get('c-1')!.status).toBe('NEW');

    const report = await recon.runNow();
    expect(kinds(report)).toEqual({ 'c-1': 'MISSING', 'f-1': 'MISSING' });
    expect(report.findings.every((f) => f.resolution.status === 'applied')).toBe(true);
    expect(w.oms.store.get('c-1')!.status).toBe('CANCELED');
    expect(w.oms.store.get('f-1')).toMatchObject({
      status: 'FILLED',
      filledQuantity: '0.02',
      averageFillPrice: '14999.5',
    });

    const corrections = (await w.oms.walEvents()).filter((e) => e.source === 'reconciliation');
    expect(corrections.map((e) => [e.clientOrderId, e.type])).toEqual([
      ['c-1', 'ORDER_CANCELED'],
      ['f-1', 'ORDER_FILLED'],
    ]);
    // The fill booked is the venue's own trade (its id from recentFills), not a synthesized one.
    const fill = corrections[1]!.type === 'ORDER_FILLED' ? corrections[1]!.fill : undefined;
    expect(fill?.fillId).not.toMatch(/^recon:/);
    // Replaying the WAL rebuilds the corrected book.
    const replayed = new OrderStore();
    for (const e of await w.oms.walEvents()) replayed.apply(e, e.seq);
    expect(replayed.get('c-1')!.status).toBe('CANCELED');
    expect(replayed.get('f-1')!.status).toBe('FILLED');
    expect((await recon.runNow()).findings).toEqual([]);
  });

  it('applies a fill the OMS missed while disconnected in the reconnect run', async () => {
    const w = await world('reconnect');
    await w.oms.place(restingBuy(w.account, 'r-1', '15000', '0.04'));
    await waitFor(() => w.oms.store.get('r-1')?.status === 'NEW', 5_000, 'r-1 acknowledged');
    const recon = await reconciliation(w);
    const reconnectReport = next(recon.reports$, (r) => r.reason === 'reconnect');
    const before = w.venue.connectionStatus().reconnectCount;

    // Refuse connections until told otherwise, fill while the OMS is cut off, then let it reconnect.
    await w.sim.admin('refuse-connections', { seconds: 600 });
    await waitFor(() => w.venue.connectionStatus().state !== 'CONNECTED', 5_000, 'disconnect');
    await w.sim.admin('fill', { clientOrderId: 'r-1', quantity: '0.01', price: '15000', push: false });
    await w.sim.admin('refuse-connections', { seconds: 0 });

    const report = await reconnectReport;
    expect(w.venue.connectionStatus().reconnectCount).toBeGreaterThan(before);
    expect(report.findings).toMatchObject([
      {
        clientOrderId: 'r-1',
        kind: 'FILL_MISMATCH',
        severity: 'critical',
        resolution: { status: 'applied' },
      },
    ]);
    expect(w.oms.store.get('r-1')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '0.01' });
    const last = (await w.oms.walEvents()).at(-1)!;
    expect(last).toMatchObject({ type: 'ORDER_FILLED', clientOrderId: 'r-1', source: 'reconciliation' });
  });

  it('resolves PENDING_NEW orders at restart, before start() resolves', async () => {
    const w = await world('restart');
    // An engine that crashed mid-submit: three orders journaled PENDING_NEW; the venue never saw "lost",
    // accepted "acked", accepted and filled "done".
    await w.oms.submitOnly(restingBuy(w.account, 'lost'));
    await w.oms.submitOnly(restingBuy(w.account, 'acked'));
    await w.oms.submitOnly(restingBuy(w.account, 'done'));
    await w.oms.stop();
    await w.venue.submitOrder(restingBuy(w.account, 'acked'));
    await w.venue.submitOrder(restingBuy(w.account, 'done'));
    await w.sim.admin('fill', { clientOrderId: 'done', price: '15000', push: false });

    // Restart: a new OMS recovers its book from the WAL; reconciliation's startup run resolves it.
    const oms = await createTestOms(w.account);
    cleanups.push(() => oms.stop());
    expect([...oms.store.all()].map((o) => o.status)).toEqual(['PENDING_NEW', 'PENDING_NEW', 'PENDING_NEW']);
    const restarted: World = { ...w, oms };
    const recon = await reconciliation(restarted);
    expect(oms.store.get('lost')!.status).toBe('REJECTED');
    expect(oms.store.get('acked')).toMatchObject({ status: 'NEW', venueOrderId: expect.any(String) });
    expect(oms.store.get('done')).toMatchObject({ status: 'FILLED', filledQuantity: '0.01' });
    const [startup] = await recon.reports(1);
    expect(startup!.reason).toBe('startup');
    expect(kinds(startup!)).toEqual({ lost: 'MISSING', acked: 'STATUS_MISMATCH', done: 'MISSING' });
  });

  it('lists every finding with the right kind in the report stored in Redis', async () => {
    const w = await world('kinds');
    await w.oms.place(restingBuy(w.account, 'gone'));
    await w.oms.place(restingBuy(w.account, 'part', '15000', '0.04'));
    await w.oms.place(restingBuy(w.account, 'stuck'));
    await waitFor(
      () => w.oms.store.get('part')?.status === 'NEW' && w.oms.store.get('stuck')?.status === 'NEW',
      5_000,
      'acks',
    );
    // A cancel request the venue never received: the OMS holds PENDING_CANCEL, the venue NEW.
    await w.oms.journal([
      { type: 'CANCEL_REQUESTED', clientOrderId: 'stuck', ts: Date.now(), source: 'engine' },
    ]);
    const recon = await reconciliation(w, { startupRun: false, policy: { ORPHANED: 'report' } });
    await w.sim.admin('orphan', {
      symbol: 'BTC-USD',
      side: 'BUY',
      quantity: '0.01',
      clientOrderId: 'stranger',
      push: false,
    });
    await w.sim.admin('cancel', { clientOrderId: 'gone', push: false });
    await w.sim.admin('fill', { clientOrderId: 'part', quantity: '0.01', price: '15000', push: false });

    const report = await recon.runNow();
    expect(kinds(report)).toEqual({
      stranger: 'ORPHANED',
      gone: 'MISSING',
      stuck: 'STATUS_MISMATCH',
      part: 'FILL_MISMATCH',
    });
    expect(report.counts).toEqual({ ORPHANED: 1, MISSING: 1, STATUS_MISMATCH: 1, FILL_MISMATCH: 1 });
    expect(report).toMatchObject({
      corrected: 3,
      unresolved: 1,
      venues: [{ venue: 'sim', venueOpen: 3, lookups: 1 }],
    });
    expect(w.oms.store.get('stuck')!.status).toBe('NEW');
    expect(w.oms.store.get('gone')!.status).toBe('CANCELED');
    expect(w.oms.store.get('part')!.filledQuantity).toBe('0.01');
    for (const f of report.findings) {
      expect(f.after).not.toBeNull();
      if (f.kind !== 'ORPHANED') expect(f.resolution.result ?? f.before).toBeTruthy();
    }
    const [stored] = await recon.reports(1);
    expect(stored).toEqual(report);
  });

  it('halts new orders on a venue after repeated unresolved findings until an operator resumes', async () => {
    const w = await world('halt');
    await w.sim.admin('orphan', { symbol: 'BTC-USD', side: 'BUY', quantity: '0.01', push: false });
    const recon = await reconciliation(w, { startupRun: false, haltAfterRuns: 2 });
    expect((await recon.runNow()).halted).toEqual([]);
    expect(recon.halted('sim')).toBe(false);
    expect((await recon.runNow()).halted).toEqual(['sim']);
    expect(recon.halted('sim')).toBe(true);
    await recon.resume('sim');
    expect(recon.halted('sim')).toBe(false);
  });

  it('retries venue errors with backoff, then fails the job with a clear reason', async () => {
    const w = await world('errors');
    const recon = await reconciliation(w, { startupRun: false, attempts: 3, backoffMs: 100 });
    await w.sim.admin('fail-next', { count: 2, status: 503 });
    const recovered = await recon.runNow();
    expect(recovered).toMatchObject({ status: 'completed', attempt: 3 });

    await w.sim.admin('fail-next', { count: 1000, status: 503 });
    const started = Date.now();
    const failure = await recon.runNow().then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(failure?.code).toBe('RUN_FAILED');
    expect(failure?.message).toMatch(
      /gave up after 3 attempt\(s\): venue sim: openOrders failed: .*\(VENUE_UNAVAILABLE\)/,
    );
    // Exponential backoff: 100 ms then 200 ms between the three attempts.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const [stored] = await recon.reports(1);
    expect(stored).toMatchObject({ status: 'failed', attempt: 3 });
    expect(stored!.error).toContain('VENUE_UNAVAILABLE');
  });
});
