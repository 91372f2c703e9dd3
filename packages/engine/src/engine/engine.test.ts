import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../bus/event-bus';
import { createMemoryStorage, type MemoryStorage } from '../testing/memory-storage';
import { order, setup, stopEnginesAfterEach, waitFor, walTypes } from './engine-test-kit';

stopEnginesAfterEach();

describe('placeOrder', () => {
  it('journals ORDER_SUBMITTED before the venue sees the order, then ACCEPTED', async () => {
    let walAtSubmit: string[] = [];
    let storage!: MemoryStorage;
    const s = await setup({
      venue: { onSubmit: () => void (walAtSubmit = walTypes(storage)) },
      storage: (storage = createMemoryStorage()),
    });
    const events: EngineEvent[] = [];
    s.engine.events$.subscribe((e) => events.push(e));
    const r = await s.engine.placeOrder(order('o1', { quantity: '0.50' }));
    expect(walAtSubmit).toEqual(['ORDER_SUBMITTED:o1']);
    expect(r).toMatchObject({
      ok: true,
      order: { status: 'NEW', quantity: '0.5', venueOrderId: 'test-1', seq: 2 },
    });
    expect(walTypes(s.storage)).toEqual(['ORDER_SUBMITTED:o1', 'ORDER_ACCEPTED:o1']);
    expect(s.storage.entries()[1]!.payload).toMatchObject({ source: 'venue', venueOrderId: 'test-1' });
    expect(events.map((e) => [e.seq, e.event.type, e.order.status])).toEqual([
      [1, 'ORDER_SUBMITTED', 'PENDING_NEW'],
      [2, 'ORDER_ACCEPTED', 'NEW'],
    ]);
    expect(s.engine.status().wal.lastSeq).toBe(2);
    const stats = s.engine.stats();
    expect(stats).toMatchObject({ submitted: 1, accepted: 1 });
    expect(stats.ackLatencyMs).toHaveLength(1);
  });

  it('books fills from executions$, ignores a duplicate fill, counts FILLED', async () => {
    const s = await setup();
    await s.engine.placeOrder(order('f1', { quantity: '0.6' }));
    const f = s.venue.fill('f1', '0.1', '100.1');
    s.venue.emit({ kind: 'FILL', clientOrderId: 'f1', venueOrderId: 'test-1', fill: f, ts: 1 });
    s.venue.fill('f1', '0.2', '100.2');
    s.venue.fill('f1', '0.3', '100.3');
    await waitFor(() => s.engine.getOrder('f1')?.status === 'FILLED', 'FILLED');
    const o = s.engine.getOrder('f1')!;
    expect(o.filledQuantity).toBe('0.6');
    expect(o.averageFillPrice).toBe('100.233333333333333333');
    expect(o.fills).toHaveLength(3);
    await waitFor(() => s.engine.stats().duplicateReports === 1, 'duplicate counted');
    expect(s.storage.entries().filter((e) => e.type === 'ORDER_FILLED')).toHaveLength(3);
    expect(s.engine.stats().filled).toBe(1);
  });

  it.each([
    ['MAX_QUANTITY', { maxQuantity: '5' }, { quantity: '6' }],
    ['MAX_NOTIONAL', { maxNotional: '500' }, { quantity: '5.01' }],
    ['PRICE_BAND', { priceBandBps: 100 }, { price: '102' }],
    ['NO_REFERENCE_PRICE', {}, { symbol: 'ETH-USD' }],
    ['UNKNOWN_SYMBOL', {}, { symbol: 'DOGE-USD' }],
    ['UNKNOWN_VENUE', {}, { venue: 'nowhere' }],
  ])('journals a %s rejection with its reason and never sends it', async (code, risk, patch) => {
    const s = await setup({ risk });
    const r = await s.engine.placeOrder(order('r1', patch));
    expect(r).toMatchObject({ ok: false, code, order: { status: 'REJECTED', clientOrderId: 'r1' } });
    const [entry] = s.storage.entries();
    expect(entry).toMatchObject({
      type: 'ORDER_REJECTED',
      payload: { source: 'engine', order: { clientOrderId: 'r1' } },
    });
    expect((entry!.payload as { reason: string }).reason).toBe(
      `${code}: ${(r as { reason: string }).reason}`,
    );
    expect(s.venue.submitted).toHaveLength(0);
    expect(s.engine.stats().rejected[code]).toBe(1);
  });

  it('MAX_OPEN_ORDERS and RATE_LIMIT use the book and the injected clock', async () => {
    const s = await setup({ risk: { maxOpenOrders: 2, maxOrdersPerSecond: 3 } });
    expect((await s.engine.placeOrder(order('a'))).ok).toBe(true);
    expect((await s.engine.placeOrder(order('b'))).ok).toBe(true);
    expect(await s.engine.placeOrder(order('c'))).toMatchObject({ ok: false, code: 'MAX_OPEN_ORDERS' });
    s.venue.cancel('a');
    await waitFor(() => s.engine.getOrder('a')?.status === 'CANCELED', 'a canceled');
    expect((await s.engine.placeOrder(order('d'))).ok).toBe(true); // third order in this second
    s.venue.cancel('d');
    await waitFor(() => s.engine.getOrder('d')?.status === 'CANCELED', 'd canceled');
    expect(await s.engine.placeOrder(order('e'))).toMatchObject({ ok: false, code: 'RATE_LIMIT' });
    s.clock.t += 1_000;
    expect(await s.engine.placeOrder(order('f'))).toMatchObject({ ok: true });
  });

  it('returns a duplicate client order id with the existing order, without journaling', async () => {
    const s = await setup();
    await s.engine.placeOrder(order('d1'));
    const before = s.storage.entries().length;
    const [r1, r2] = await Promise.all([s.engine.placeOrder(order('d2')), s.engine.placeOrder(order('d2'))]);
    expect([r1.ok, r2.ok].sort()).toEqual([false, true]);
    const again = await s.engine.placeOrder(order('d1', { quantity: '9' }));
    expect(again).toMatchObject({ ok: false, code: 'DUPLICATE_CLIENT_ORDER_ID', order: { quantity: '1' } });
    expect(s.storage.entries().length).toBe(before + 2);
    expect(s.venue.submitted.map((o) => o.clientOrderId)).toEqual(['d1', 'd2']);
  });

  it.each([
    ['not an object', 'hello', '(root)'],
    ['negative quantity', order('x', { quantity: '-1' }), 'quantity'],
    ['NaN price', order('x', { price: Number.NaN }), 'price'],
    ['MARKET with price', order('x', { type: 'MARKET', timeInForce: 'IOC' }), 'price'],
    ['MARKET GTC', order('x', { type: 'MARKET', price: undefined }), 'timeInForce'],
    ['malformed id', order('x y'), 'clientOrderId'],
    ['other account', order('x', { account: 'acc-2' }), 'account'],
  ])('rejects bad input (%s) without journaling and leaves the book intact', async (_l, input, field) => {
    const s = await setup();
    await s.engine.placeOrder(order('keep'));
    const entries = s.storage.entries().length;
    const r = await s.engine.placeOrder(input);
    expect(r).toMatchObject({ ok: false, code: 'ORDER_INVALID', field });
    expect(s.storage.entries().length).toBe(entries);
    expect(s.engine.orders().map((o) => o.clientOrderId)).toEqual(['keep']);
    expect(s.venue.submitted).toHaveLength(1);
  });

  it('journals a venue rejection', async () => {
    const s = await setup();
    s.venue.setSubmitBehavior({ kind: 'reject', reason: 'insufficient balance' });
    const r = await s.engine.placeOrder(order('v1'));
    expect(r).toMatchObject({
      ok: false,
      code: 'VENUE_REJECTED',
      reason: 'insufficient balance',
      order: { status: 'REJECTED' },
    });
    expect(s.storage.entries().at(-1)).toMatchObject({
      type: 'ORDER_REJECTED',
      payload: { source: 'venue' },
    });
    expect(s.engine.stats().rejected).toEqual({ VENUE_REJECTED: 1 });
    // a later asynchronous REJECTED report for the same order is a duplicate, not a second rejection
    s.venue.emit({ kind: 'REJECTED', clientOrderId: 'v1', reason: 'again', ts: 1 });
    await waitFor(() => s.engine.stats().duplicateReports === 1, 'duplicate');
    expect(s.engine.stats().rejected).toEqual({ VENUE_REJECTED: 1 });
  });

  it('leaves an outcome-unknown order PENDING_NEW and resolves it after the venue reconnects', async () => {
    const s = await setup();
    s.venue.setSubmitBehavior({ kind: 'network', received: true });
    const r = await s.engine.placeOrder(order('n1'));
    expect(r).toMatchObject({ ok: true, order: { status: 'PENDING_NEW' } });
    expect(s.engine.stats().outcomeUnknown).toBe(1);
    s.venue.setConnection({ state: 'RECONNECTING' });
    s.venue.setConnection({ state: 'CONNECTED', reconnectCount: 1 });
    await waitFor(() => s.engine.getOrder('n1')?.status === 'NEW', 'resolved NEW');
    expect(s.engine.status().venues.test?.reconnectCount).toBe(1);
    expect(s.engine.stats().pendingResolved).toBe(1);
  });

  it('answers PENDING_NEW after submitTimeoutMs and books the late ack', async () => {
    const s = await setup({ config: { submitTimeoutMs: 30 } });
    s.venue.setSubmitBehavior({ kind: 'hang' });
    const r = await s.engine.placeOrder(order('h1'));
    expect(r).toMatchObject({ ok: true, order: { status: 'PENDING_NEW' } });
    s.venue.releaseHung();
    await waitFor(() => s.engine.getOrder('h1')?.status === 'NEW', 'late ack');
  });

  it('ack JOURNALED answers PENDING_NEW once ORDER_SUBMITTED is journaled; the venue answer follows', async () => {
    const s = await setup({ config: { submitTimeoutMs: 5_000 } });
    s.venue.setSubmitBehavior({ kind: 'hang' });
    const r = await s.engine.placeOrder(order('j1'), { ack: 'JOURNALED' });
    expect(r).toMatchObject({ ok: true, order: { status: 'PENDING_NEW', seq: 1 } });
    expect(walTypes(s.storage)).toEqual(['ORDER_SUBMITTED:j1']);
    await waitFor(() => s.venue.submitted.length === 1, 'venue asked');
    let answered = false;
    const venueAnswer = s.engine.venueAnswer('j1').then(() => (answered = true));
    // Orders whose submission is in flight are left to it by the pending-order resolution.
    expect(await s.engine.resolvePending()).toEqual({ resolved: 0, unresolved: 0 });
    expect(answered).toBe(false);
    s.venue.releaseHung();
    await venueAnswer;
    expect(s.engine.getOrder('j1')).toMatchObject({ status: 'NEW', venueOrderId: 'test-1' });
    expect(walTypes(s.storage)).toEqual(['ORDER_SUBMITTED:j1', 'ORDER_ACCEPTED:j1']);
    await s.engine.venueAnswer('nope'); // nothing in flight: at once
  });

  it('ack JOURNALED answers risk rejections and bad input as VENUE does', async () => {
    const s = await setup({ risk: { maxQuantity: '5' } });
    expect(await s.engine.placeOrder(order('j2', { quantity: '6' }), { ack: 'JOURNALED' })).toMatchObject({
      ok: false,
      code: 'MAX_QUANTITY',
      order: { status: 'REJECTED' },
    });
    expect(await s.engine.placeOrder(order('j3', { quantity: '-1' }), { ack: 'JOURNALED' })).toMatchObject({
      ok: false,
      code: 'ORDER_INVALID',
    });
    s.venue.setSubmitBehavior({ kind: 'reject', reason: 'insufficient balance' });
    expect(await s.engine.placeOrder(order('j4'), { ack: 'JOURNALED' })).toMatchObject({
      ok: true,
      order: { status: 'PENDING_NEW' },
    });
    // The venue's rejection is journaled after the answer.
    await s.engine.venueAnswer('j4');
    expect(s.engine.getOrder('j4')).toMatchObject({
      status: 'REJECTED',
      rejectReason: 'insufficient balance',
    });
    expect(s.venue.submitted.map((o) => o.clientOrderId)).toEqual(['j4']);
  });

  it('a cancel right after a JOURNALED answer waits for the venue to have the order', async () => {
    const s = await setup({ config: { submitTimeoutMs: 5_000 } });
    s.venue.setSubmitBehavior({ kind: 'hang' });
    await s.engine.placeOrder(order('j5'), { ack: 'JOURNALED' });
    const cancel = s.engine.cancelOrder('j5');
    await waitFor(() => s.venue.submitted.length === 1, 'venue asked');
    expect(walTypes(s.storage)).toEqual(['ORDER_SUBMITTED:j5']);
    s.venue.releaseHung();
    expect(await cancel).toMatchObject({ ok: true });
    await waitFor(() => s.engine.getOrder('j5')?.status === 'CANCELED', 'CANCELED');
    expect(walTypes(s.storage)).toEqual([
      'ORDER_SUBMITTED:j5',
      'ORDER_ACCEPTED:j5',
      'CANCEL_REQUESTED:j5',
      'ORDER_CANCELED:j5',
    ]);
  });

  it('stop journals the venue answers of orders answered JOURNALED', async () => {
    const s = await setup({ config: { submitTimeoutMs: 5_000 } });
    s.venue.setSubmitBehavior({ kind: 'hang' });
    await s.engine.placeOrder(order('j6'), { ack: 'JOURNALED' });
    await waitFor(() => s.venue.submitted.length === 1, 'venue asked');
    const stopped = s.engine.stop();
    s.venue.releaseHung();
    await stopped;
    expect(walTypes(s.storage)).toEqual(['ORDER_SUBMITTED:j6', 'ORDER_ACCEPTED:j6']);
  });

  it('does not take effect when the WAL append fails', async () => {
    const s = await setup();
    s.storage.failWith(new Error('redis down'));
    const r = await s.engine.placeOrder(order('s1'));
    expect(r).toMatchObject({ ok: false, code: 'STORAGE_UNAVAILABLE' });
    expect(s.engine.getOrder('s1')).toBeUndefined();
    expect(s.venue.submitted).toHaveLength(0);
    expect(s.engine.state()).toBe('READY');
    s.storage.failWith(undefined);
    expect(await s.engine.placeOrder(order('s1'))).toMatchObject({ ok: true });
  });

  it('group-commits concurrent orders; WAL order equals apply order', async () => {
    const s = await setup();
    const seqs: number[] = [];
    s.engine.events$.subscribe((e) => seqs.push(e.seq));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => s.engine.placeOrder(order(`g${i}`))),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(seqs).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(s.storage.appendCalls).toBeLessThan(80);
    expect(s.engine.orders().every((o) => o.status === 'NEW')).toBe(true);
  });
});

describe('cancelOrder', () => {
  it('journals CANCEL_REQUESTED, then the venue CANCELED report', async () => {
    const s = await setup();
    await s.engine.placeOrder(order('c1'));
    const r = await s.engine.cancelOrder('c1');
    expect(r.ok).toBe(true);
    await waitFor(() => s.engine.getOrder('c1')?.status === 'CANCELED', 'CANCELED');
    expect(walTypes(s.storage).slice(2)).toEqual(['CANCEL_REQUESTED:c1', 'ORDER_CANCELED:c1']);
    expect(await s.engine.cancelOrder('c1')).toMatchObject({ ok: false, code: 'ORDER_NOT_OPEN' });
    expect(await s.engine.cancelOrder('nope')).toMatchObject({ ok: false, code: 'ORDER_NOT_FOUND' });
    expect(s.engine.stats().canceled).toBe(1);
  });

  it('journals CANCEL_REJECTED when the venue does not know the order', async () => {
    const s = await setup();
    await s.engine.placeOrder(order('c2'));
    s.venue.book.get('c2')!.status = 'FILLED';
    const r = await s.engine.cancelOrder('c2');
    expect(r).toMatchObject({ ok: false, code: 'CANCEL_REJECTED', order: { status: 'NEW' } });
    expect(walTypes(s.storage).slice(-2)).toEqual(['CANCEL_REQUESTED:c2', 'CANCEL_REJECTED:c2']);
  });
});

describe('execution reports the book refuses', () => {
  it('counts unknown orders and state machine violations and keeps running', async () => {
    const s = await setup();
    await s.engine.placeOrder(order('k1', { quantity: '1' }));
    s.venue.emit({ kind: 'ACCEPTED', clientOrderId: 'ghost', venueOrderId: 'x', ts: 1 });
    s.venue.fill('k1', '1', '100');
    await waitFor(() => s.engine.getOrder('k1')?.status === 'FILLED', 'FILLED');
    const entries = s.storage.entries().length;
    s.venue.emit({ kind: 'REJECTED', clientOrderId: 'k1', reason: 'late', ts: 2 }); // FILLED → REJECT: illegal
    s.venue.emit({
      kind: 'FILL',
      clientOrderId: 'k1',
      venueOrderId: 'test-1',
      fill: { fillId: 'extra', quantity: '0.5', price: '100', timestamp: 3 },
      ts: 3,
    }); // over-fill
    await waitFor(() => s.engine.stats().stateViolations === 2, 'violations counted');
    expect(s.engine.stats().unknownReports).toBe(1);
    expect(s.storage.entries().length).toBe(entries);
    expect(s.engine.getOrder('k1')).toMatchObject({ status: 'FILLED', filledQuantity: '1' });
    expect(s.engine.state()).toBe('READY');
    expect((await s.engine.placeOrder(order('k2'))).ok).toBe(true);
  });
});
