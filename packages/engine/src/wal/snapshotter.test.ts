import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../domain/order';
import { OrderStore } from '../store/order-store';
import { createMemoryStorage } from '../testing/memory-storage';
import { orderEventEntry } from './entries';
import { recover } from './recovery';
import { createSnapshotter } from './snapshotter';

const submitted = (id: string, ts: number): OrderEvent => ({
  type: 'ORDER_SUBMITTED',
  clientOrderId: id,
  ts,
  order: {
    clientOrderId: id,
    account: 'acc',
    venue: 'sim',
    symbol: 'BTC-USD',
    side: 'SELL',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '1',
    price: '10',
  },
});

describe('createSnapshotter', () => {
  it('snapshots every K entries, trims below the oldest kept, and recovery starts from the newest', async () => {
    const storage = createMemoryStorage({ snapshotKeep: 2 });
    const lease = await storage.wal.acquireLease('t');
    const store = new OrderStore();
    const snapshotter = createSnapshotter({ storage, store, everyEntries: 10, everyMs: 0 });
    snapshotter.start();
    for (let i = 1; i <= 45; i++) {
      const event = submitted(`o${i}`, i);
      const [seq] = await storage.wal.append(lease, [orderEventEntry(event)]);
      store.apply(event, seq);
      snapshotter.notify(seq!);
    }
    await snapshotter.stop();
    const kept = (await storage.snapshots.list()).map((s) => s.seq);
    expect(snapshotter.stats.taken).toBeGreaterThanOrEqual(3);
    expect(kept).toHaveLength(2);
    expect(kept[0]).toBe(snapshotter.stats.lastSeq);
    expect(kept[0]).toBeGreaterThanOrEqual(40);
    // Everything a kept snapshot covers is gone from the WAL; the tail after the oldest remains.
    expect(storage.entries()[0]!.seq).toBe(kept[1]! + 1);
    expect(snapshotter.stats.trimmed).toBe(kept[1]);
    const { store: rebuilt, report } = await recover(storage);
    expect(report.snapshotSeq).toBe(kept[0]);
    expect(report.gaps).toEqual([]);
    expect(rebuilt.toSnapshot()).toEqual(store.toSnapshot());
    expect(await snapshotter.snapshotNow()).toMatchObject({ seq: 45 }); // on demand, at the store's seq
    expect(await snapshotter.snapshotNow()).toBeUndefined(); // nothing new since
  });

  it('counts and logs failures instead of throwing', async () => {
    const storage = createMemoryStorage();
    const lease = await storage.wal.acquireLease('t');
    const store = new OrderStore();
    const event = submitted('x', 1);
    store.apply(event, (await storage.wal.append(lease, [orderEventEntry(event)]))[0]);
    const snapshotter = createSnapshotter({ storage, store, logger: pino({ level: 'silent' }) });
    storage.failWith(new Error('storage down'));
    await expect(snapshotter.snapshotNow()).resolves.toBeUndefined();
    expect(snapshotter.stats.failed).toBe(1);
    storage.failWith(undefined);
    expect(await snapshotter.snapshotNow()).toBeUndefined(); // the snapshot itself was saved before trim failed
    await snapshotter.stop();
    await snapshotter.stop();
  });

  it('starts counting from fromSeq and ignores notify after stop', async () => {
    const storage = createMemoryStorage();
    const lease = await storage.wal.acquireLease('t');
    const store = new OrderStore();
    const snapshotter = createSnapshotter({ storage, store, everyEntries: 5, everyMs: 0, fromSeq: 3 });
    for (let i = 1; i <= 7; i++) {
      const event = submitted(`f${i}`, i);
      const [seq] = await storage.wal.append(lease, [orderEventEntry(event)]);
      store.apply(event, seq);
      snapshotter.notify(seq!);
    }
    // 7 - 3 < 5: nothing due yet.
    expect(snapshotter.stats.taken).toBe(0);
    await snapshotter.stop();
    snapshotter.notify(100);
    expect(await storage.snapshots.list()).toEqual([]);
    expect(snapshotter.stats.taken).toBe(0);
  });
});
