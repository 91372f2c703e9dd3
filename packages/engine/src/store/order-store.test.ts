import { describe, expect, it } from 'vitest';
import {
  isOpenStatus,
  OPEN_STATUSES,
  ORDER_STATUSES,
  type OrderEvent,
  type OrderRequest,
} from '../domain/order';
import { div, mul } from '../domain/decimal';
import { IllegalTransitionError } from '../domain/state-machine';
import { seededRandom } from '../testing/fixtures';
import { OrderEventError, OrderStore, reduceOrder } from './order-store';

const request: OrderRequest = {
  clientOrderId: 'o1',
  account: 'a',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '1',
  price: '101',
};
const submitted = (q = '1', id = 'o1'): OrderEvent => ({
  type: 'ORDER_SUBMITTED',
  clientOrderId: id,
  ts: 1,
  order: { ...request, clientOrderId: id, quantity: q },
});
const accepted = (id = 'o1'): OrderEvent => ({
  type: 'ORDER_ACCEPTED',
  clientOrderId: id,
  ts: 2,
  venueOrderId: 'v1',
});
let n = 0;
const fill = (quantity: string, price: string, fillId = `f${++n}`, id = 'o1'): OrderEvent => ({
  type: 'ORDER_FILLED',
  clientOrderId: id,
  ts: 3,
  fill: { fillId, quantity, price, timestamp: 3 },
});

function storeWith(...events: OrderEvent[]): OrderStore {
  const s = new OrderStore();
  events.forEach((e, i) => s.apply(e, i + 1));
  return s;
}

describe('reduceOrder / OrderStore', () => {
  it('folds fills into exact filled quantity and average price', () => {
    const s = storeWith(
      submitted('0.6'),
      accepted(),
      fill('0.1', '100.1'),
      fill('0.2', '100.2'),
      fill('0.3', '100.3'),
    );
    const o = s.get('o1')!;
    expect(o.status).toBe('FILLED');
    expect(o.filledQuantity).toBe('0.6');
    // (10.01 + 20.04 + 30.09) / 0.6 = 60.14 / 0.6
    expect(o.averageFillPrice).toBe('100.233333333333333333');
    expect(o.seq).toBe(5);
    expect(s.lastSeq).toBe(5);
    expect(s.openOrderCount).toBe(0);
  });

  it("a first fill's average price is the division's answer, whatever the price's spelling", () => {
    for (const [quantity, price] of [
      ['1', '42000.5'],
      ['0.3', '42000.50'],
      ['0.25', '007.10'],
      ['0.5', '0.000000000000000001'],
      ['1', '12345678901234567890.123456789012345678'],
      ['0.7', '3'],
    ]) {
      const o = storeWith(submitted('1'), accepted(), fill(quantity!, price!)).get('o1')!;
      expect(o.averageFillPrice, price).toBe(div(mul(price!, quantity!), quantity!));
    }
  });

  it('a new order shares one frozen empty fill list; a fill gives it its own', () => {
    const s = storeWith(submitted('1', 'a'), submitted('1', 'b'));
    expect(s.get('a')!.fills).toEqual([]);
    expect(Object.isFrozen(s.get('a')!.fills)).toBe(true);
    s.apply(accepted('a'), 3);
    s.apply(fill('0.5', '10', 'fx', 'a'), 4);
    expect(s.get('a')!.fills).toHaveLength(1);
    expect(s.get('b')!.fills).toEqual([]);
  });

  it('ten fills of 0.1 sum to exactly "1", no float drift', () => {
    const events = [submitted('1'), accepted()];
    for (let i = 0; i < 10; i++) events.push(fill('0.1', `100.${i}`));
    const o = storeWith(...events).get('o1')!;
    expect(o.filledQuantity).toBe('1');
    expect(o.status).toBe('FILLED');
    expect(o.averageFillPrice).toBe('100.45');
    // what binary floats would have given
    expect(Array.from({ length: 10 }).reduce((a: number) => a + 0.1, 0)).not.toBe(1);
  });

  it('partial fills keep PARTIALLY_FILLED and the open count', () => {
    const s = storeWith(submitted('1'), accepted(), fill('0.4', '10'));
    expect(s.get('o1')).toMatchObject({
      status: 'PARTIALLY_FILLED',
      filledQuantity: '0.4',
      averageFillPrice: '10',
    });
    expect(s.openOrderCount).toBe(1);
  });

  it('ignores a duplicate fillId (same object back, store unchanged)', () => {
    const s = storeWith(submitted('1'), accepted(), fill('0.4', '10', 'dup'));
    const before = s.get('o1');
    const after = s.apply(fill('0.4', '10', 'dup'), 4);
    expect(after).toBe(before);
    expect(s.get('o1')!.filledQuantity).toBe('0.4');
    expect(s.get('o1')!.fills).toHaveLength(1);
  });

  it('throws on overfill and leaves the store unchanged', () => {
    const s = storeWith(submitted('1'), accepted(), fill('0.7', '10'));
    const before = JSON.stringify(s.toSnapshot());
    expect(() => s.apply(fill('0.4', '10'), 4)).toThrow(OrderEventError);
    try {
      s.apply(fill('0.4', '10'), 4);
    } catch (e) {
      expect((e as OrderEventError).code).toBe('OVERFILL');
    }
    expect(JSON.stringify(s.toSnapshot())).toBe(before);
    expect(s.lastSeq).toBe(3);
  });

  it('books a late fill after cancel (stays CANCELED, or FILLED when it completes)', () => {
    const cancel: OrderEvent = { type: 'ORDER_CANCELED', clientOrderId: 'o1', ts: 4 };
    const s = storeWith(submitted('1'), accepted(), fill('0.5', '10'), cancel, fill('0.2', '11'));
    expect(s.get('o1')).toMatchObject({ status: 'CANCELED', filledQuantity: '0.7' });
    expect(s.openOrderCount).toBe(0);
    s.apply(fill('0.3', '12'), 6);
    expect(s.get('o1')).toMatchObject({ status: 'FILLED', filledQuantity: '1' });
    expect(s.openOrderCount).toBe(0);
  });

  it('leaves the store unchanged after an illegal event', () => {
    const s = storeWith(submitted('1'), accepted(), fill('1', '10'));
    const before = JSON.stringify(s.toSnapshot());
    expect(() => s.apply({ type: 'CANCEL_REQUESTED', clientOrderId: 'o1', ts: 5 }, 4)).toThrow(
      IllegalTransitionError,
    );
    expect(() => s.apply(accepted(), 4)).toThrow(IllegalTransitionError);
    expect(() => s.apply(submitted('1'), 4)).toThrow(OrderEventError);
    expect(() => s.apply(accepted('ghost'), 4)).toThrow(/no order ghost/);
    expect(JSON.stringify(s.toSnapshot())).toBe(before);
  });

  it('journals a pre-trade rejection as a REJECTED order with its reason', () => {
    const s = storeWith({
      type: 'ORDER_REJECTED',
      clientOrderId: 'r1',
      ts: 1,
      reason: 'MAX_QUANTITY',
      order: { ...request, clientOrderId: 'r1' },
    });
    expect(s.get('r1')).toMatchObject({
      status: 'REJECTED',
      rejectReason: 'MAX_QUANTITY',
      filledQuantity: '0',
    });
    expect(s.openOrderCount).toBe(0);
  });

  it('CANCEL_REJECTED returns to NEW or PARTIALLY_FILLED', () => {
    const req: OrderEvent = { type: 'CANCEL_REQUESTED', clientOrderId: 'o1', ts: 4 };
    const rej: OrderEvent = { type: 'CANCEL_REJECTED', clientOrderId: 'o1', ts: 5, reason: 'too late' };
    expect(storeWith(submitted(), accepted(), req, rej).get('o1')).toMatchObject({
      status: 'NEW',
      rejectReason: 'too late',
    });
    expect(storeWith(submitted(), accepted(), fill('0.5', '1'), req, rej).get('o1')!.status).toBe(
      'PARTIALLY_FILLED',
    );
  });

  it('does not mutate its input', () => {
    const o = reduceOrder(undefined, submitted('1'));
    const frozen = JSON.stringify(o);
    reduceOrder(o, accepted());
    expect(JSON.stringify(o)).toBe(frozen);
  });

  it('round-trips through a snapshot (via JSON) to an equal store', () => {
    const s = storeWith(
      submitted('1'),
      accepted(),
      fill('0.3', '100.5'),
      submitted('2', 'o2'),
      { type: 'ORDER_REJECTED', clientOrderId: 'o2', ts: 5, reason: 'x' },
      submitted('3', 'o3'),
    );
    const copy = OrderStore.fromSnapshot(JSON.parse(JSON.stringify(s.toSnapshot())));
    expect(copy.toSnapshot()).toEqual(s.toSnapshot());
    expect(copy.openOrderCount).toBe(s.openOrderCount);
    expect(copy.openOrderCount).toBe(2);
    expect(copy.lastSeq).toBe(6);
    copy.apply(fill('0.7', '100', 'fx'), 7);
    expect(copy.get('o1')!.status).toBe('FILLED');
    expect(s.get('o1')!.status).toBe('PARTIALLY_FILLED');
    expect(() => OrderStore.fromSnapshot({ version: 2 as 1, lastSeq: 0, orders: [] })).toThrow(
      /snapshot version/,
    );
  });
});

describe('isOpenStatus', () => {
  it('agrees with OPEN_STATUSES for every status', () => {
    for (const s of ORDER_STATUSES) expect(isOpenStatus(s), s).toBe(OPEN_STATUSES.has(s));
  });
});

describe('order objects', () => {
  /** The order's keys in the canonical order (base fields, then each optional one when present). */
  const BASE = [
    'clientOrderId',
    'account',
    'venue',
    'symbol',
    'side',
    'type',
    'timeInForce',
    'quantity',
    'status',
    'filledQuantity',
    'fills',
    'createdAt',
    'updatedAt',
    'seq',
  ];
  const OPTIONAL = ['price', 'venueOrderId', 'averageFillPrice', 'rejectReason'];

  it('have the same keys, in the same order, whichever optional fields they carry (random event streams)', () => {
    const rnd = seededRandom(20261127);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const store = new OrderStore();
    let seq = 0;
    const shapes = new Set<string>();
    for (let n = 0; n < 3000; n++) {
      const id = `o-${n}`;
      const limit = rnd() < 0.7;
      const order: OrderRequest = {
        ...request,
        clientOrderId: id,
        type: limit ? 'LIMIT' : 'MARKET',
        quantity: '3',
      };
      if (!limit) delete order.price;
      const first: OrderEvent =
        rnd() < 0.1
          ? { type: 'ORDER_REJECTED', clientOrderId: id, ts: seq, reason: 'risk', order }
          : { type: 'ORDER_SUBMITTED', clientOrderId: id, ts: seq, order };
      const events: OrderEvent[] = [first];
      for (let k = 0; k < 6; k++) {
        const ts = seq + k + 1;
        events.push(
          pick<OrderEvent>([
            { type: 'ORDER_ACCEPTED', clientOrderId: id, ts, venueOrderId: `v-${n}` },
            {
              type: 'ORDER_FILLED',
              clientOrderId: id,
              ts,
              fill: { fillId: `f-${n}-${k}`, quantity: pick(['1', '2', '3']), price: '100.5', timestamp: ts },
              ...(rnd() < 0.5 ? { venueOrderId: `v-${n}` } : {}),
            },
            { type: 'CANCEL_REQUESTED', clientOrderId: id, ts },
            { type: 'CANCEL_REJECTED', clientOrderId: id, ts, reason: 'too late' },
            { type: 'ORDER_CANCELED', clientOrderId: id, ts },
            { type: 'ORDER_REJECTED', clientOrderId: id, ts, reason: 'venue said no' },
            { type: 'ORDER_EXPIRED', clientOrderId: id, ts },
          ]),
        );
      }
      for (const e of events) {
        let o;
        try {
          o = store.apply(e, ++seq);
        } catch {
          continue; // illegal for the order's state: the store is unchanged
        }
        const fields = o as unknown as Record<string, unknown>;
        const keys = Object.keys(fields);
        const expected = [...BASE, ...OPTIONAL.filter((k) => fields[k] !== undefined)];
        expect(keys).toEqual(expected);
        for (const k of keys) expect(fields[k]).not.toBeUndefined();
        shapes.add(keys.slice(BASE.length).join(','));
      }
    }
    // Every combination the reducer can make was seen (MARKET orders have no price).
    expect([...shapes].sort()).toEqual(
      [
        '',
        'averageFillPrice',
        'averageFillPrice,rejectReason',
        'price',
        'price,averageFillPrice',
        'price,averageFillPrice,rejectReason',
        'price,rejectReason',
        'price,venueOrderId',
        'price,venueOrderId,averageFillPrice',
        'price,venueOrderId,averageFillPrice,rejectReason',
        'price,venueOrderId,rejectReason',
        'rejectReason',
        'venueOrderId',
        'venueOrderId,averageFillPrice',
        'venueOrderId,averageFillPrice,rejectReason',
        'venueOrderId,rejectReason',
      ].sort(),
    );
  });
});
