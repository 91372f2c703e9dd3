import { OrderStore, type Order, type OrderRequest, type VenueOrderReport } from '@veloz/engine';
import { describe, expect, it } from 'vitest';
import { plan } from './plan';
import { ordersToLookUp, reconcile } from './reconcile';
import { DEFAULT_POLICY, type Correction, type ReconciliationPolicy } from './types';

const NOW = 1_700_000_000_000;
const T0 = NOW - 60_000;

function request(id: string, overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId: id,
    account: 'acc',
    venue: 'sim',
    symbol: 'BTC-USD',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '2',
    price: '100',
    ...overrides,
  };
}

/** A store with orders built through the real reducer. */
function book(): OrderStore {
  return new OrderStore();
}
function submit(store: OrderStore, id: string, overrides: Partial<OrderRequest> = {}): Order {
  return store.apply({ type: 'ORDER_SUBMITTED', clientOrderId: id, order: request(id, overrides), ts: T0 });
}
function accept(store: OrderStore, id: string): Order {
  submit(store, id);
  return store.apply({ type: 'ORDER_ACCEPTED', clientOrderId: id, venueOrderId: `v-${id}`, ts: T0 });
}
function fill(store: OrderStore, id: string, fillId: string, quantity: string, price: string): Order {
  return store.apply({
    type: 'ORDER_FILLED',
    clientOrderId: id,
    fill: { fillId, quantity, price, timestamp: T0 },
    ts: T0,
  });
}

function venue(id: string, overrides: Partial<VenueOrderReport> = {}): VenueOrderReport {
  return {
    clientOrderId: id,
    venueOrderId: `v-${id}`,
    symbol: 'BTC-USD',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '2',
    price: '100',
    filledQuantity: '0',
    status: 'NEW',
    updatedAt: T0,
    ...overrides,
  };
}

function run(
  store: OrderStore,
  open: VenueOrderReport[],
  lookups: [string, VenueOrderReport | undefined][] = [],
  policy: ReconciliationPolicy = DEFAULT_POLICY,
) {
  const { findings, deferred } = reconcile([...store.all()], open, new Map(lookups), {
    venue: 'sim',
    now: NOW,
  });
  const corrections = plan(findings, policy, { account: 'acc', now: NOW, order: (id) => store.get(id) });
  return { findings, deferred, corrections };
}

/** Apply every journal correction to the store, as the WAL would. */
function applyAll(store: OrderStore, corrections: Correction[]): void {
  for (const c of corrections) if (c.action === 'journal') for (const e of c.events) store.apply(e);
}

describe('reconcile (pure)', () => {
  it('finds nothing when both sides agree', () => {
    const store = book();
    accept(store, 'a');
    accept(store, 'b');
    fill(store, 'b', 'f1', '1', '100');
    const open = [
      venue('a'),
      venue('b', { status: 'PARTIALLY_FILLED', filledQuantity: '1', averageFillPrice: '100.0' }),
    ];
    expect(run(store, open).findings).toEqual([]);
  });

  it('ignores orders of other venues and final orders the venue does not list', () => {
    const store = book();
    submit(store, 'x', { venue: 'other' });
    accept(store, 'c');
    store.apply({ type: 'ORDER_CANCELED', clientOrderId: 'c', ts: T0 });
    expect(run(store, []).findings).toEqual([]);
  });

  it('reports an unknown venue order as ORPHANED (critical), with no OMS view', () => {
    const store = book();
    const { findings, corrections } = run(store, [venue('orphan-1', { side: 'SELL' })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: 'ORPHANED',
      severity: 'critical',
      clientOrderId: 'orphan-1',
      venueOrderId: 'v-orphan-1',
      before: null,
      after: { status: 'NEW', side: 'SELL' },
    });
    expect(corrections[0]).toMatchObject({ action: 'report', reason: 'policy ORPHANED=report' });
  });

  it('adopts an orphan with its fills, through legal events', () => {
    const store = book();
    const policy = { ...DEFAULT_POLICY, ORPHANED: 'adopt' as const };
    const orphan = venue('orphan-2', {
      status: 'PARTIALLY_FILLED',
      filledQuantity: '0.5',
      averageFillPrice: '99.5',
    });
    const { corrections } = run(store, [orphan], [], policy);
    expect(corrections[0]!.action).toBe('journal');
    applyAll(store, corrections);
    const adopted = store.get('orphan-2')!;
    expect(adopted).toMatchObject({
      status: 'PARTIALLY_FILLED',
      venueOrderId: 'v-orphan-2',
      filledQuantity: '0.5',
      averageFillPrice: '99.5',
      account: 'acc',
    });
    expect(run(store, [orphan]).findings).toEqual([]);
  });

  it('plans a venue cancel for an orphan when the policy says cancel', () => {
    const store = book();
    const { corrections } = run(store, [venue('orphan-3')], [], { ...DEFAULT_POLICY, ORPHANED: 'cancel' });
    expect(corrections[0]).toMatchObject({ action: 'cancel-at-venue', finding: { kind: 'ORPHANED' } });
  });

  it('resolves a MISSING order canceled behind the OMS back', () => {
    const store = book();
    accept(store, 'm1');
    const lookup = venue('m1', { status: 'CANCELED', updatedAt: T0 + 5 });
    expect(ordersToLookUp([...store.all()], [], 'sim', NOW).map((o) => o.clientOrderId)).toEqual(['m1']);
    const { findings, corrections } = run(store, [], [['m1', lookup]]);
    expect(findings).toMatchObject([{ kind: 'MISSING', severity: 'warning', after: { status: 'CANCELED' } }]);
    expect(corrections[0]).toMatchObject({ action: 'journal', expected: { status: 'CANCELED' } });
    applyAll(store, corrections);
    expect(store.get('m1')!.status).toBe('CANCELED');
  });

  it('resolves a MISSING order filled behind the OMS back with a fill at the venue average', () => {
    const store = book();
    accept(store, 'm2');
    fill(store, 'm2', 'f1', '0.5', '100');
    const lookup = venue('m2', { status: 'FILLED', filledQuantity: '2', averageFillPrice: '101.5' });
    const { findings, corrections } = run(store, [], [['m2', lookup]]);
    expect(findings).toMatchObject([{ kind: 'MISSING', severity: 'critical' }]);
    applyAll(store, corrections);
    const order = store.get('m2')!;
    expect(order.status).toBe('FILLED');
    expect(order.filledQuantity).toBe('2');
    expect(order.averageFillPrice).toBe('101.5');
    // The synthesized fill (1.5 at 102) has a deterministic id, so a replayed correction books nothing.
    expect(order.fills.at(-1)).toMatchObject({ fillId: 'recon:v-m2:2', quantity: '1.5', price: '102' });
    applyAll(store, corrections);
    expect(store.get('m2')!.fills).toHaveLength(2);
  });

  it('books the venue fills (with their ids) when the venue fill history is given', () => {
    const store = book();
    accept(store, 'f');
    const report = venue('f', {
      status: 'PARTIALLY_FILLED',
      filledQuantity: '1.5',
      averageFillPrice: '100.5',
    });
    const fills = [
      { fillId: 'T1', quantity: '1', price: '100', timestamp: T0 + 1 },
      { fillId: 'T2', quantity: '0.5', price: '101.5', timestamp: T0 + 2 },
    ];
    const { findings } = reconcile([...store.all()], [report], new Map(), {
      venue: 'sim',
      now: NOW,
      venueFills: new Map([['f', fills]]),
    });
    expect(findings).toMatchObject([{ kind: 'FILL_MISMATCH', severity: 'critical', venueFills: fills }]);
    const corrections = plan(findings, DEFAULT_POLICY, {
      account: 'acc',
      now: NOW,
      order: (id) => store.get(id),
    });
    applyAll(store, corrections);
    expect(store.get('f')!.fills.map((x) => x.fillId)).toEqual(['T1', 'T2']);
    expect(store.get('f')!).toMatchObject({
      status: 'PARTIALLY_FILLED',
      filledQuantity: '1.5',
      averageFillPrice: '100.5',
    });
  });

  it('reports (does not rewrite) an average price mismatch with equal quantities, and OMS over-fills', () => {
    const store = book();
    accept(store, 'p');
    fill(store, 'p', 'f1', '1', '100');
    accept(store, 'q');
    fill(store, 'q', 'f2', '1', '100');
    const open = [
      venue('p', { status: 'PARTIALLY_FILLED', filledQuantity: '1', averageFillPrice: '100.7' }),
      venue('q', { status: 'NEW', filledQuantity: '0' }),
    ];
    const { findings, corrections } = run(store, open);
    expect(findings.map((f) => [f.clientOrderId, f.kind, f.severity])).toEqual([
      ['p', 'FILL_MISMATCH', 'warning'],
      ['q', 'FILL_MISMATCH', 'critical'],
    ]);
    expect(corrections.map((c) => c.action)).toEqual(['report', 'report']);
  });

  it('acknowledges a PENDING_NEW order the venue lists (STATUS_MISMATCH, info)', () => {
    const store = book();
    submit(store, 'pn');
    const { findings, corrections } = run(store, [venue('pn')]);
    expect(findings).toMatchObject([{ kind: 'STATUS_MISMATCH', severity: 'info' }]);
    applyAll(store, corrections);
    expect(store.get('pn')).toMatchObject({ status: 'NEW', venueOrderId: 'v-pn' });
  });

  it('rejects a PENDING_NEW order the venue never saw, and resolves one the venue filled', () => {
    const store = book();
    submit(store, 'lost');
    submit(store, 'done');
    const filled = venue('done', { status: 'FILLED', filledQuantity: '2', averageFillPrice: '100' });
    const { findings, corrections } = run(
      store,
      [],
      [
        ['lost', undefined],
        ['done', filled],
      ],
    );
    expect(findings.map((f) => [f.clientOrderId, f.kind, f.venueNeverSaw ?? false])).toEqual([
      ['lost', 'MISSING', true],
      ['done', 'MISSING', false],
    ]);
    applyAll(store, corrections);
    expect(store.get('lost')!.status).toBe('REJECTED');
    expect(store.get('done')).toMatchObject({
      status: 'FILLED',
      venueOrderId: 'v-done',
      filledQuantity: '2',
    });
  });

  it('reports an acknowledged order the venue forgot, and an order whose status was not looked up', () => {
    const store = book();
    accept(store, 'gone');
    accept(store, 'unlooked');
    const { findings, corrections } = run(store, [], [['gone', undefined]]);
    expect(findings.map((f) => [f.clientOrderId, f.severity])).toEqual([
      ['gone', 'critical'],
      ['unlooked', 'warning'],
    ]);
    expect(corrections.map((c) => c.action)).toEqual(['report', 'report']);
  });

  it('flags an order the venue still works but the OMS holds final (critical, not reopened)', () => {
    const store = book();
    accept(store, 'z');
    store.apply({ type: 'ORDER_CANCELED', clientOrderId: 'z', ts: T0 });
    const { findings, corrections } = run(store, [venue('z')]);
    expect(findings).toMatchObject([{ kind: 'STATUS_MISMATCH', severity: 'critical' }]);
    expect(corrections[0]!.action).toBe('report');
  });

  it('returns a PENDING_CANCEL order to open when the venue did not apply the cancel', () => {
    const store = book();
    accept(store, 'pc');
    store.apply({ type: 'CANCEL_REQUESTED', clientOrderId: 'pc', ts: T0 });
    const { findings, corrections } = run(store, [venue('pc')]);
    expect(findings).toMatchObject([{ kind: 'STATUS_MISMATCH', severity: 'warning' }]);
    applyAll(store, corrections);
    expect(store.get('pc')!.status).toBe('NEW');
  });

  it('marks every correction event as coming from reconciliation', () => {
    const store = book();
    submit(store, 'a');
    accept(store, 'b');
    const { corrections } = run(store, [venue('a'), venue('o')], [['b', venue('b', { status: 'EXPIRED' })]], {
      ...DEFAULT_POLICY,
      ORPHANED: 'adopt',
    });
    const events = corrections.flatMap((c) => (c.action === 'journal' ? c.events : []));
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(['reconciliation']));
    applyAll(store, corrections);
    expect(store.get('b')!.status).toBe('EXPIRED');
  });

  it('leaves recently changed orders to the next run (grace period)', () => {
    const store = book();
    store.apply({ type: 'ORDER_SUBMITTED', clientOrderId: 'young', order: request('young'), ts: NOW - 100 });
    const { findings, deferred } = reconcile(
      [...store.all()],
      [venue('young'), venue('o', { updatedAt: NOW - 50 })],
      new Map(),
      {
        venue: 'sim',
        now: NOW,
        graceMs: 1_000,
      },
    );
    expect(findings).toEqual([]);
    expect(deferred).toBe(2);
    expect(ordersToLookUp([...store.all()], [], 'sim', NOW, 1_000)).toEqual([]);
  });

  it('reports instead of journaling a correction the state machine forbids', () => {
    const store = book();
    accept(store, 'nr');
    // The venue claims it rejected an order it had acknowledged: REJECT from NEW is illegal.
    const { findings, corrections } = run(store, [], [['nr', venue('nr', { status: 'REJECTED' })]]);
    expect(findings).toMatchObject([{ kind: 'MISSING' }]);
    expect(corrections[0]).toMatchObject({
      action: 'report',
      reason: expect.stringMatching(/^no legal correction: illegal order transition: REJECT from NEW/),
    });
    expect(store.get('nr')!.status).toBe('NEW');
  });

  it('plans only report corrections when every kind is set to report', () => {
    const store = book();
    accept(store, 'r1');
    submit(store, 'r2');
    const all: ReconciliationPolicy = {
      ORPHANED: 'report',
      MISSING: 'report',
      STATUS_MISMATCH: 'report',
      FILL_MISMATCH: 'report',
    };
    const { findings, corrections } = run(
      store,
      [venue('r2'), venue('o')],
      [['r1', venue('r1', { status: 'CANCELED' })]],
      all,
    );
    expect(findings).toHaveLength(3);
    expect(corrections.every((c) => c.action === 'report')).toBe(true);
  });
});
