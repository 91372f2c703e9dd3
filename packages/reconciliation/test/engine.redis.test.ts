/** Reconciliation wired to the real engine (createEngine + storage:redis + venue:sim), as docs/reconciliation.md shows. */
import { createEngine, isOrderEventEntry, type Engine, type OrderEvent } from '@veloz/engine';
import { createRedisStorage } from '@veloz/storage-redis';
import { createSimVenue, spawnSimExchange } from '@veloz/venue-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { createReconciliation } from '../src/index';
import { cleanupAccount, REDIS_URL, restingBuy, uniqueAccount } from './harness';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('reconciliation beside the engine', () => {
  it('journals its corrections through the engine into the WAL', async () => {
    const account = uniqueAccount('engine');
    cleanups.push(() => cleanupAccount(account));
    const sim = await spawnSimExchange(['--tick-ms', '0', '--admin-port', '0']);
    cleanups.push(() => sim.kill());
    const storage = createRedisStorage({ account, redisUrl: REDIS_URL });
    const venue = createSimVenue({ url: sim.url });
    const engine: Engine = createEngine({ account }, { storage, venues: [venue], risk: { priceBandBps: 0 } });
    cleanups.push(() => engine.stop());
    await engine.start();

    const recon = createReconciliation(
      { connection: REDIS_URL, account, schedule: false, graceMs: 0, policy: { ORPHANED: 'adopt' } },
      {
        venues: [venue],
        getOrders: () => engine.orders(),
        journal: async (events: OrderEvent[]) => {
          for (const e of events) await engine.applyEvent(e);
        },
      },
    );
    cleanups.push(() => recon.stop());
    await recon.start();

    const placed = await engine.placeOrder(restingBuy(account, 'eng-1'));
    expect(placed, JSON.stringify(placed)).toMatchObject({ ok: true, order: { status: 'NEW' } });
    await sim.admin('cancel', { clientOrderId: 'eng-1', push: false });
    await sim.admin('orphan', {
      symbol: 'BTC-USD',
      side: 'BUY',
      quantity: '0.01',
      clientOrderId: 'eng-orphan',
      push: false,
    });

    const report = await recon.runNow();
    expect(
      Object.fromEntries(report.findings.map((f) => [f.clientOrderId, [f.kind, f.resolution.status]])),
    ).toEqual({
      'eng-1': ['MISSING', 'applied'],
      'eng-orphan': ['ORPHANED', 'applied'],
    });
    expect(engine.getOrder('eng-1')!.status).toBe('CANCELED');
    expect(engine.getOrder('eng-orphan')).toMatchObject({ status: 'NEW', account });

    const fromReconciliation: string[] = [];
    for await (const batch of storage.wal.read(1)) {
      for (const item of batch) {
        if (item.ok && isOrderEventEntry(item.entry) && item.entry.payload.source === 'reconciliation')
          fromReconciliation.push(`${item.entry.payload.clientOrderId}:${item.entry.type}`);
      }
    }
    expect(fromReconciliation.sort()).toEqual([
      'eng-1:ORDER_CANCELED',
      'eng-orphan:ORDER_ACCEPTED',
      'eng-orphan:ORDER_SUBMITTED',
    ]);
    expect((await recon.runNow()).findings).toEqual([]);
  });
});
