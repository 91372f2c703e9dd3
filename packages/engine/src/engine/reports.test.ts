import { describe, expect, it } from 'vitest';
import type { Order } from '../domain/order';
import type { VenueOrderReport } from '../plugins/venue';
import { eventFromExecution, eventsFromVenueReport } from './reports';

const order = (patch: Partial<Order> = {}): Order => ({
  clientOrderId: 'o1',
  account: 'a',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '1',
  price: '100',
  status: 'PENDING_NEW',
  filledQuantity: '0',
  fills: [],
  createdAt: 0,
  updatedAt: 0,
  seq: 1,
  ...patch,
});
const report = (patch: Partial<VenueOrderReport> = {}): VenueOrderReport => ({
  clientOrderId: 'o1',
  venueOrderId: 'v1',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '1',
  price: '100',
  filledQuantity: '0',
  status: 'NEW',
  updatedAt: 5,
  ...patch,
});

describe('eventFromExecution', () => {
  const fill = { fillId: 'f1', quantity: '0.5', price: '100', timestamp: 1 };
  it('maps each report kind, as a venue event', () => {
    expect(
      eventFromExecution({ kind: 'ACCEPTED', clientOrderId: 'o1', venueOrderId: 'v1', ts: 1 }, order()),
    ).toEqual({
      event: { type: 'ORDER_ACCEPTED', clientOrderId: 'o1', ts: 1, source: 'venue', venueOrderId: 'v1' },
    });
    expect(
      eventFromExecution({ kind: 'FILL', clientOrderId: 'o1', venueOrderId: 'v1', fill, ts: 1 }, order()),
    ).toMatchObject({
      event: { type: 'ORDER_FILLED', fill, venueOrderId: 'v1' },
    });
    expect(
      eventFromExecution(
        { kind: 'CANCELED', clientOrderId: 'o1', venueOrderId: 'v1', ts: 1, reason: 'user' },
        order({ status: 'NEW' }),
      ),
    ).toMatchObject({
      event: { type: 'ORDER_CANCELED', reason: 'user' },
    });
    expect(
      eventFromExecution({ kind: 'EXPIRED', clientOrderId: 'o1', venueOrderId: 'v1', ts: 1 }, order()),
    ).toMatchObject({
      event: { type: 'ORDER_EXPIRED' },
    });
    expect(
      eventFromExecution({ kind: 'REJECTED', clientOrderId: 'o1', reason: 'no', ts: 1 }, order()),
    ).toMatchObject({
      event: { type: 'ORDER_REJECTED', reason: 'no' },
    });
  });

  it('skips unknown orders and duplicates', () => {
    expect(
      eventFromExecution({ kind: 'ACCEPTED', clientOrderId: 'x', venueOrderId: 'v', ts: 1 }, undefined),
    ).toEqual({ skip: 'UNKNOWN_ORDER' });
    expect(
      eventFromExecution(
        { kind: 'ACCEPTED', clientOrderId: 'o1', venueOrderId: 'v1', ts: 1 },
        order({ status: 'NEW', venueOrderId: 'v1' }),
      ),
    ).toEqual({ skip: 'DUPLICATE' });
    expect(
      eventFromExecution(
        { kind: 'FILL', clientOrderId: 'o1', venueOrderId: 'v1', fill, ts: 1 },
        order({ fills: [fill] }),
      ),
    ).toEqual({ skip: 'DUPLICATE' });
    expect(
      eventFromExecution(
        { kind: 'CANCELED', clientOrderId: 'o1', venueOrderId: 'v1', ts: 1 },
        order({ status: 'CANCELED' }),
      ),
    ).toEqual({ skip: 'DUPLICATE' });
    // an ack racing a cancel request still records the venue order id once
    expect(
      eventFromExecution(
        { kind: 'ACCEPTED', clientOrderId: 'o1', venueOrderId: 'v1', ts: 1 },
        order({ status: 'PENDING_CANCEL' }),
      ),
    ).toHaveProperty('event');
  });
});

describe('eventsFromVenueReport', () => {
  it('never seen by the venue: REJECTED "not received by venue"', () => {
    expect(eventsFromVenueReport(order(), undefined, [], 9)).toEqual([
      {
        type: 'ORDER_REJECTED',
        clientOrderId: 'o1',
        ts: 9,
        source: 'venue',
        reason: 'not received by venue',
      },
    ]);
  });

  it('NEW: one ACCEPTED; still PENDING_NEW at the venue: nothing', () => {
    expect(eventsFromVenueReport(order(), report(), [], 9).map((e) => e.type)).toEqual(['ORDER_ACCEPTED']);
    expect(eventsFromVenueReport(order(), report({ status: 'PENDING_NEW' }), [], 9)).toEqual([]);
  });

  it('filled with listed fills, plus a synthetic remainder priced to match the venue average', () => {
    const fills = [{ fillId: 'a', quantity: '0.4', price: '99', timestamp: 2 }];
    const events = eventsFromVenueReport(
      order(),
      report({ status: 'FILLED', filledQuantity: '1', averageFillPrice: '99.6' }),
      fills,
      9,
    );
    expect(events.map((e) => e.type)).toEqual(['ORDER_ACCEPTED', 'ORDER_FILLED', 'ORDER_FILLED']);
    const last = events[2] as Extract<(typeof events)[number], { type: 'ORDER_FILLED' }>;
    // 99.6 * 1 - 99 * 0.4 = 60; 60 / 0.6 = 100
    expect(last.fill).toEqual({ fillId: 'resolve:o1:1', quantity: '0.6', price: '100', timestamp: 5 });
  });

  it('canceled after a partial fill: ACCEPTED, the fill, CANCELED; fills beyond the report are left out', () => {
    const fills = [
      { fillId: 'a', quantity: '0.3', price: '100', timestamp: 2 },
      { fillId: 'b', quantity: '0.3', price: '100', timestamp: 3 },
    ];
    const events = eventsFromVenueReport(
      order(),
      report({ status: 'CANCELED', filledQuantity: '0.3', averageFillPrice: '100' }),
      fills,
      9,
    );
    expect(events.map((e) => e.type)).toEqual(['ORDER_ACCEPTED', 'ORDER_FILLED', 'ORDER_CANCELED']);
  });

  it('REJECTED at the venue', () => {
    expect(eventsFromVenueReport(order(), report({ status: 'REJECTED' }), [], 9)).toMatchObject([
      { type: 'ORDER_REJECTED' },
    ]);
  });
});
