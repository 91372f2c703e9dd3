import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { OrderStore, type OrderEvent, type OrderRequest } from '@veloz/engine';
import {
  decodeSnapshot,
  encodeSnapshot,
  encodeSnapshotAsync,
  SNAPSHOT_CHUNK,
  SNAPSHOT_TABLE_FORMAT,
} from './codec';
import { decodeOrderTable, encodeOrderTable, STRING_TABLE_CAP } from './order-table';

const HEADER = 21;
const ts = 1_764_000_000_000;

const request = (id: string, over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: id,
  account: 'acct-1',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '2',
  price: '42000.5',
  ...over,
});

/**
 * A book with every shape the reducer makes: resting with and without a venue id, market orders (no
 * price), partly and fully filled (average price, one and several fills), canceled, rejected by risk
 * (a reject reason, no venue id) and by the venue, a refused cancel, multi-byte UTF-8 strings.
 */
function book(n: number): OrderStore {
  const store = new OrderStore();
  let seq = 0;
  const apply = (e: OrderEvent) => store.apply(e, ++seq);
  for (let i = 0; i < n; i++) {
    const id = `ord-${i}`;
    const kind = i % 9;
    const over: Partial<OrderRequest> =
      kind === 1
        ? { type: 'MARKET', price: undefined, timeInForce: 'IOC', side: 'SELL' }
        : kind === 2
          ? { symbol: 'ÉTH-€UR 🚀', quantity: `${1 + (i % 7)}.25` }
          : {};
    const order = request(id, over);
    if (order.price === undefined) delete order.price;
    if (kind === 3) {
      apply({ type: 'ORDER_REJECTED', clientOrderId: id, ts, reason: 'risk: notional over límite', order });
      continue;
    }
    apply({ type: 'ORDER_SUBMITTED', clientOrderId: id, ts: ts + i, order });
    if (kind === 0) continue; // PENDING_NEW
    if (kind === 4) {
      apply({ type: 'ORDER_REJECTED', clientOrderId: id, ts, reason: 'venue: unknown symbol' });
      continue;
    }
    apply({ type: 'ORDER_ACCEPTED', clientOrderId: id, ts: ts + i + 1, venueOrderId: `v-${i}` });
    const fill = (k: number, quantity: string, price: string) =>
      apply({
        type: 'ORDER_FILLED',
        clientOrderId: id,
        ts: ts + i + 2 + k,
        fill: { fillId: `f-${i}-${k}`, quantity, price, timestamp: ts + k },
      });
    if (kind === 5) fill(0, '0.5', '42000.5');
    if (kind === 6) {
      fill(0, '0.5', '42000.5');
      fill(1, '1.5', '41999.25');
    }
    if (kind === 7) {
      apply({ type: 'CANCEL_REQUESTED', clientOrderId: id, ts });
      apply({ type: 'ORDER_CANCELED', clientOrderId: id, ts, reason: 'user' });
    }
    if (kind === 8) {
      apply({ type: 'CANCEL_REQUESTED', clientOrderId: id, ts });
      apply({ type: 'CANCEL_REJECTED', clientOrderId: id, ts, reason: 'too late' });
    }
  }
  return store;
}

/** `buf` with its checksum made right again: what a decoder sees from a buggy writer, not from a bit flip. */
function resealed(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt32LE(crc32(out.subarray(5)), 1);
  return out;
}

describe('order table snapshots (format 2)', () => {
  it('restores a book of every order shape exactly, in the reducer key order', () => {
    const store = book(400);
    const state = store.toSnapshot();
    const buf = encodeSnapshot(store.lastSeq, 1234, state);
    expect(buf[0]).toBe(SNAPSHOT_TABLE_FORMAT);
    const back = decodeSnapshot(buf, store.lastSeq);
    expect(back).toEqual({ ok: true, state, seq: store.lastSeq, takenAt: 1234 });
    const orders = (back as { state: typeof state }).state.orders;
    for (let i = 0; i < orders.length; i++) {
      expect(Object.keys(orders[i]!)).toEqual(Object.keys(state.orders[i]!));
      expect(Object.keys(orders[i]!.fills[0] ?? {})).toEqual(Object.keys(state.orders[i]!.fills[0] ?? {}));
    }
    // The restored book goes on like the original: same answers to the same next events.
    const restored = OrderStore.fromSnapshot((back as { state: typeof state }).state);
    for (const s of [store, restored]) {
      s.apply(
        {
          type: 'ORDER_FILLED',
          clientOrderId: 'ord-5',
          ts,
          fill: { fillId: 'x', quantity: '1.5', price: '1', timestamp: 1 },
        },
        9_000,
      );
      s.apply({ type: 'ORDER_ACCEPTED', clientOrderId: 'ord-0', ts, venueOrderId: 'v-0' }, 9_001);
    }
    expect([...restored.all()]).toEqual([...store.all()]);
    expect(restored.openOrderCount).toBe(store.openOrderCount);
  });

  it('writes each repeating value once: the table is a fraction of the MessagePack snapshot', () => {
    const state = book(5000).toSnapshot();
    const table = encodeSnapshot(1, 1, state);
    const packed = new Packr({ useRecords: true, moreTypes: false }).pack(state);
    expect(table.length).toBeLessThan(packed.length * 0.6);
  });

  it('packs a large book a chunk per event-loop turn into the bytes of a single pass', async () => {
    const state = book(2 * SNAPSHOT_CHUNK + 500).toSnapshot();
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const chunked = await encodeSnapshotAsync(7, 5, state);
    ticking = false;
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(chunked.equals(encodeSnapshot(7, 5, state))).toBe(true);
    expect(decodeSnapshot(chunked, 7)).toEqual({ ok: true, state, seq: 7, takenAt: 5 });
  });

  it('writes more distinct values than the table holds inline, and still restores them', () => {
    const n = STRING_TABLE_CAP + 100;
    const base = book(1).toSnapshot().orders[0]!;
    // Every order with a price and a quantity of its own: the table fills up, the rest goes inline.
    const orders = Array.from({ length: n }, (_, i) => ({
      ...base,
      clientOrderId: `o${i}`,
      quantity: `${i}.5`,
      price: `${i}.25`,
    }));
    const state = { version: 1 as const, lastSeq: n, orders };
    const back = decodeOrderTable(encodeOrderTable(state)!, 0);
    expect(back).toEqual(state);
  });

  it('keeps MessagePack (format 1) for any state the table does not carry exactly', () => {
    const order = book(6).toSnapshot().orders[5]!; // filled: has fills
    const cases: unknown[] = [
      { version: 1, lastSeq: 1, orders: [{ ...order, note: 'extra field' }] },
      { version: 1, lastSeq: 1, orders: [{ ...order, price: undefined }] },
      { version: 1, lastSeq: 1, orders: [{ ...order, quantity: 2 }] },
      { version: 1, lastSeq: 1, orders: [{ ...order, seq: '3' }] },
      { version: 1, lastSeq: 1, orders: [{ ...order, fills: [{ ...order.fills[0]!, liquidity: 'maker' }] }] },
      { version: 1, lastSeq: 1, orders: [{ ...order, fills: [{ ...order.fills[0]!, timestamp: '1' }] }] },
      { version: 1, lastSeq: 1, orders: [{ ...order, fills: {} }] },
      { version: 1, lastSeq: 1, orders: [null] },
      { version: 2, lastSeq: 1, orders: [order] },
      { version: 1, lastSeq: 1, orders: [order], extra: true },
      { version: 1, lastSeq: '1', orders: [order] },
      [order],
      'text',
    ];
    for (const state of cases) {
      const buf = encodeSnapshot(3, 4, state);
      expect(buf[0]).toBe(1);
      expect(decodeSnapshot(buf, 3)).toEqual({ ok: true, state, seq: 3, takenAt: 4 });
    }
  });

  it('refuses a table cut anywhere or carrying trailing bytes, even with a matching checksum', () => {
    const buf = encodeSnapshot(9, 1, book(12).toSnapshot());
    for (let cut = HEADER; cut < buf.length; cut++) {
      const res = decodeSnapshot(resealed(buf.subarray(0, cut)), 9);
      expect(res, `cut at ${cut}`).toMatchObject({
        ok: false,
        reason: expect.stringContaining('undecodable'),
      });
    }
    const longer = resealed(Buffer.concat([buf, Buffer.from([0])]));
    expect(decodeSnapshot(longer, 9)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('after the last'),
    });
  });

  it('never throws on damaged bytes: a wrong table reference, bad flags, any byte changed', () => {
    const buf = encodeSnapshot(9, 1, book(12).toSnapshot());
    for (let at = HEADER; at < buf.length; at++) {
      for (const v of [0x00, 0x7f, 0xff]) {
        const bad = Buffer.from(buf);
        bad[at] = v;
        const res = decodeSnapshot(resealed(bad), 9);
        expect(typeof res.ok).toBe('boolean');
      }
    }
    // The first order's flags byte (after lastSeq and the count) set beyond the four flags.
    const flags = Buffer.from(buf);
    flags[HEADER + 8 + 1] = 0x30;
    expect(decodeSnapshot(resealed(flags), 9)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('flags'),
    });
  });
});
