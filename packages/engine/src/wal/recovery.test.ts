import { describe, expect, it } from 'vitest';
import type { OrderEvent, OrderRequest } from '../domain/order';
import { OrderStore } from '../store/order-store';
import { createMemoryStorage } from '../testing/memory-storage';
import { orderEventEntry } from './entries';
import { recover } from './recovery';

const request = (id: string): OrderRequest => ({
  clientOrderId: id,
  account: 'acc',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '2',
  price: '100',
});

function lifecycle(id: string, ts: number): OrderEvent[] {
  return [
    { type: 'ORDER_SUBMITTED', clientOrderId: id, ts, order: request(id) },
    { type: 'ORDER_ACCEPTED', clientOrderId: id, ts: ts + 1, venueOrderId: `v-${id}` },
    {
      type: 'ORDER_FILLED',
      clientOrderId: id,
      ts: ts + 2,
      fill: { fillId: `f-${id}`, quantity: '1', price: '100', timestamp: ts + 2 },
    },
  ];
}

async function journal(events: OrderEvent[]) {
  const storage = createMemoryStorage();
  const lease = await storage.wal.acquireLease('test');
  await storage.wal.append(lease, events.map(orderEventEntry));
  return storage;
}

function fold(events: OrderEvent[]): OrderStore {
  const store = new OrderStore();
  events.forEach((e, i) => store.apply(e, i + 1));
  return store;
}

describe('recover', () => {
  it('rebuilds the same store as folding the events, with a full replay', async () => {
    const events = [...lifecycle('a', 1), ...lifecycle('b', 10)];
    const storage = await journal(events);
    const progress: number[] = [];
    const { store, report } = await recover(storage, { batchSize: 2, onProgress: (n) => progress.push(n) });
    expect(store.toSnapshot()).toEqual(fold(events).toSnapshot());
    expect(report).toMatchObject({
      snapshotSeq: null,
      entriesApplied: 6,
      entriesSkipped: 0,
      gaps: [],
      lastSeq: 6,
    });
    expect(progress).toEqual([2, 4, 6]);
  });

  it('starts from the newest valid snapshot and falls back past a corrupt one', async () => {
    const events = [...lifecycle('a', 1), ...lifecycle('b', 10), ...lifecycle('c', 20)];
    const storage = await journal(events);
    await storage.snapshots.save(3, fold(events.slice(0, 3)).toSnapshot());
    await storage.snapshots.save(6, fold(events.slice(0, 6)).toSnapshot());
    storage.corruptSnapshot(6);
    const { store, report } = await recover(storage);
    expect(report.snapshotSeq).toBe(3);
    expect(report.snapshotsRejected).toEqual([{ seq: 6, reason: expect.stringContaining('checksum') }]);
    expect(report.entriesApplied).toBe(6);
    expect(store.toSnapshot()).toEqual(fold(events).toSnapshot());
  });

  it('skips and reports corrupt entries, refused events, unknown types and versions, and gaps', async () => {
    const events = [...lifecycle('a', 1), ...lifecycle('b', 10)];
    const storage = createMemoryStorage();
    const lease = await storage.wal.acquireLease('test');
    await storage.wal.append(lease, [
      ...events.map(orderEventEntry), // 1..6
      { type: 'MYSTERY', version: 1, payload: {} }, // 7
      { type: 'ORDER_CANCELED', version: 99, payload: { type: 'ORDER_CANCELED', clientOrderId: 'a', ts: 1 } }, // 8
      orderEventEntry({ type: 'ORDER_ACCEPTED', clientOrderId: 'b', ts: 50, venueOrderId: 'x' }), // 9: illegal
      orderEventEntry({ type: 'ORDER_CANCELED', clientOrderId: 'ghost', ts: 51 }), // 10: unknown order
      { type: 'HEARTBEAT', version: 1, payload: {} }, // 11: known non-order type
    ]);
    storage.corrupt(5, 'CHECKSUM');
    await storage.wal.trim(3); // no snapshot covers 1..2: a gap at the head
    const seen: string[] = [];
    const { store, report } = await recover(storage, {
      knownTypes: ['HEARTBEAT'],
      onEntry: (e) => seen.push(e.type),
    });
    expect(report.gaps).toEqual([{ fromSeq: 1, toSeq: 2 }]);
    expect(report.missingEntries).toBe(2);
    expect(report.corruptionCounts).toEqual({
      GAP: 1,
      CHECKSUM: 1,
      UNKNOWN_TYPE: 1,
      UNKNOWN_VERSION: 1,
      REFUSED: 3,
    });
    expect(report.corruptions.map((c) => [c.reason, c.seq])).toEqual([
      ['GAP', 1],
      ['REFUSED', 3], // the fill of "a", whose submission was trimmed away
      ['CHECKSUM', 5],
      ['UNKNOWN_TYPE', 7],
      ['UNKNOWN_VERSION', 8],
      ['REFUSED', 9],
      ['REFUSED', 10],
    ]);
    expect(report.entriesSkipped).toBe(6);
    expect(report.entriesIgnored).toBe(1);
    expect(report.entriesApplied).toBe(2); // b's submission (4) and fill (6)
    expect(report.lastSeq).toBe(11);
    expect(store.lastSeq).toBe(11);
    expect(seen.at(-1)).toBe('HEARTBEAT');
    expect(store.has('a')).toBe(false);
    expect(store.get('b')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '1', seq: 6 });
  });
});
