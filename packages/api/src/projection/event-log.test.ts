import type { OrderEvent, OrderRequest } from '@veloz/engine';
import { describe, expect, it } from 'vitest';
import { CursorExpiredError, EventLog } from './event-log';

const request = (id: string): OrderRequest => ({
  clientOrderId: id,
  account: 'a',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '1',
  price: '100',
});
const submitted = (id: string): OrderEvent => ({
  type: 'ORDER_SUBMITTED',
  clientOrderId: id,
  ts: 1,
  order: request(id),
});
const accepted = (id: string): OrderEvent => ({
  type: 'ORDER_ACCEPTED',
  clientOrderId: id,
  ts: 2,
  venueOrderId: `v-${id}`,
});

describe('EventLog', () => {
  it('folds events with the engine reducer and keeps each order history', () => {
    const log = new EventLog(100);
    log.applyEvent(1, 10, submitted('o1'));
    log.skip(2, 'other');
    log.applyEvent(3, 11, accepted('o1'));
    expect(log.store.get('o1')).toMatchObject({ status: 'NEW', venueOrderId: 'v-o1', seq: 3 });
    expect(log.history('o1').map((e) => [e.seq, e.event.type, e.order.status])).toEqual([
      [1, 'ORDER_SUBMITTED', 'PENDING_NEW'],
      [3, 'ORDER_ACCEPTED', 'NEW'],
    ]);
    expect(log.lastSeq).toBe(3);
    expect(log.counters).toMatchObject({ applied: 2, other: 1, gaps: 0 });
  });

  it('counts refused events and gaps without stopping', () => {
    const log = new EventLog(100);
    expect(log.applyEvent(1, 0, accepted('ghost'))).toBeUndefined();
    log.applyEvent(5, 0, submitted('o1'));
    expect(log.counters).toMatchObject({ refused: 1, gaps: 1, applied: 1 });
    expect(log.lastSeq).toBe(5);
  });

  it('serves cursors, and expires those older than what it keeps', () => {
    const log = new EventLog(10);
    for (let i = 1; i <= 12; i++) log.applyEvent(i, 0, submitted(`o${i}`));
    // Capacity 10, 12 events: the oldest were dropped in a chunk.
    expect(() => log.after(0)).toThrow(CursorExpiredError);
    const from = log.oldestCursor;
    expect(log.after(from).map((e) => e.seq)).toEqual(
      Array.from({ length: 12 - from }, (_, i) => from + 1 + i),
    );
    expect(log.after(10, 1).map((e) => e.seq)).toEqual([11]);
    expect(log.after(12)).toEqual([]);
  });
});
