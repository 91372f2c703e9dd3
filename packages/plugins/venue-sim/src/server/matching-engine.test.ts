import { describe, expect, it } from 'vitest';
import type { ExecutionReport } from '@veloz/engine';
import { MatchingEngine, type SimOrderInput } from './matching-engine';

const BTC = {
  symbol: 'BTC-USD',
  tickSize: '0.5',
  quantityStep: '0.001',
  minQuantity: '0.001',
  initialPrice: '100',
};

function engine(
  opts: { fillFraction?: string; balance?: string; liquidity?: string; minNotional?: string } = {},
) {
  return new MatchingEngine({
    instruments: [
      {
        ...BTC,
        ...(opts.liquidity ? { liquidity: opts.liquidity } : {}),
        ...(opts.minNotional ? { minNotional: opts.minNotional } : {}),
      },
    ],
    fillFraction: opts.fillFraction ?? '1',
    ...(opts.balance ? { balance: opts.balance } : {}),
  });
}

let n = 0;
const order = (patch: Partial<SimOrderInput> = {}): SimOrderInput => ({
  clientOrderId: `o-${++n}`,
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '1',
  price: '90',
  ...patch,
});
const kinds = (reports: ExecutionReport[]) => reports.map((r) => r.kind);
const fillQty = (reports: ExecutionReport[]) =>
  reports.flatMap((r) => (r.kind === 'FILL' ? [r.fill.quantity] : []));

describe('MatchingEngine', () => {
  it('rests a GTC limit order that does not cross, and fills it when the price crosses', () => {
    const m = engine();
    const out = m.submit(order({ clientOrderId: 'a' }), 1);
    expect(out.ok && out.order.status).toBe('NEW');
    expect(kinds(out.reports)).toEqual(['ACCEPTED']);
    expect(m.openOrders().map((o) => o.clientOrderId)).toEqual(['a']);
    expect(m.setPrice('BTC-USD', '95', 2)).toEqual([]);
    const fills = m.setPrice('BTC-USD', '89.5', 3)!;
    expect(kinds(fills)).toEqual(['FILL']);
    // A resting order fills at its own limit price.
    expect(fills[0]).toMatchObject({
      kind: 'FILL',
      clientOrderId: 'a',
      fill: { quantity: '1', price: '90', timestamp: 3 },
    });
    expect(m.get('a')).toMatchObject({ status: 'FILLED', filledQuantity: '1', averageFillPrice: '90' });
    expect(m.openOrders()).toEqual([]);
  });

  it('fills a crossing limit order at once at the current price', () => {
    const m = engine();
    const out = m.submit(order({ side: 'SELL', price: '99.5', quantity: '0.3' }), 1);
    expect(kinds(out.reports)).toEqual(['ACCEPTED', 'FILL']);
    expect(out.ok && out.order).toMatchObject({
      status: 'FILLED',
      filledQuantity: '0.3',
      averageFillPrice: '100',
    });
  });

  it('fills MARKET orders at the current price', () => {
    const m = engine();
    const { price: _p, ...rest } = order({ type: 'MARKET', timeInForce: 'IOC', quantity: '2' });
    const out = m.submit(rest, 1);
    expect(out.ok && out.order).toMatchObject({
      status: 'FILLED',
      filledQuantity: '2',
      averageFillPrice: '100',
    });
  });

  it('partially fills a resting order by the configured fraction per tick, summing exactly', () => {
    const m = engine({ fillFraction: '0.5' });
    m.submit(order({ clientOrderId: 'p', quantity: '0.1' }), 1);
    const all: string[] = [];
    for (let t = 2; m.get('p')!.status !== 'FILLED'; t++) {
      expect(t).toBeLessThan(50);
      all.push(...fillQty(m.setPrice('BTC-USD', '90', t)!));
      if (m.get('p')!.status !== 'FILLED') expect(m.get('p')!.status).toBe('PARTIALLY_FILLED');
    }
    expect(all).toEqual(['0.05', '0.025', '0.012', '0.006', '0.003', '0.002', '0.001', '0.001']);
    expect(m.get('p')).toMatchObject({ filledQuantity: '0.1', averageFillPrice: '90' });
  });

  it('keeps exact decimals across many small fills (no float drift)', () => {
    const m = engine();
    m.submit(order({ clientOrderId: 'd', quantity: '0.3', price: '90' }), 1);
    for (let i = 0; i < 3; i++) expect(m.forceFill('d', 2, '0.1', '0.5').ok).toBe(true);
    expect(m.get('d')).toMatchObject({ status: 'FILLED', filledQuantity: '0.3', averageFillPrice: '0.5' });
    expect(m.forceFill('d', 3, '0.001').ok).toBe(false);
  });

  it('IOC fills what the liquidity allows and expires the rest; a non-crossing IOC expires', () => {
    const m = engine({ liquidity: '0.4' });
    const out = m.submit(order({ timeInForce: 'IOC', price: '100', quantity: '1' }), 1);
    expect(kinds(out.reports)).toEqual(['ACCEPTED', 'FILL', 'EXPIRED']);
    expect(fillQty(out.reports)).toEqual(['0.4']);
    expect(out.ok && out.order).toMatchObject({ status: 'EXPIRED', filledQuantity: '0.4' });
    const far = m.submit(order({ timeInForce: 'IOC', price: '50' }), 2);
    expect(kinds(far.reports)).toEqual(['ACCEPTED', 'EXPIRED']);
    expect(m.openOrders()).toEqual([]);
  });

  it('FOK fills whole or expires without any fill', () => {
    const m = engine({ liquidity: '1' });
    const big = m.submit(order({ timeInForce: 'FOK', price: '100', quantity: '1.5' }), 1);
    expect(kinds(big.reports)).toEqual(['ACCEPTED', 'EXPIRED']);
    expect(big.ok && big.order.filledQuantity).toBe('0');
    const ok = m.submit(order({ timeInForce: 'FOK', price: '100', quantity: '1' }), 2);
    expect(kinds(ok.reports)).toEqual(['ACCEPTED', 'FILL']);
    expect(ok.ok && ok.order.status).toBe('FILLED');
    const far = m.submit(order({ timeInForce: 'FOK', price: '10' }), 3);
    expect(far.ok && far.order.status).toBe('EXPIRED');
  });

  it('GTC crossing more than the liquidity fills part now and rests the rest', () => {
    const m = engine({ liquidity: '0.25' });
    const out = m.submit(order({ clientOrderId: 'g', price: '100', quantity: '1' }), 1);
    expect(out.ok && out.order).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '0.25' });
    expect(m.openOrders().map((o) => o.clientOrderId)).toEqual(['g']);
    expect(fillQty(m.setPrice('BTC-USD', '99', 2)!)).toEqual(['0.75']);
    expect(m.get('g')!.status).toBe('FILLED');
  });

  it('cancels open orders; unknown or final orders are NOT_FOUND', () => {
    const m = engine();
    m.submit(order({ clientOrderId: 'c' }), 1);
    const out = m.cancel('c', 2);
    expect(out.ok && out.order.status).toBe('CANCELED');
    expect(out.ok && kinds(out.reports)).toEqual(['CANCELED']);
    expect(m.cancel('c', 3)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(m.cancel('nope', 3)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(m.setPrice('BTC-USD', '1', 4)).toEqual([]);
  });

  it('is idempotent by clientOrderId: a resend returns the existing order and changes nothing', () => {
    const m = engine();
    const first = m.submit(order({ clientOrderId: 'i' }), 1);
    const again = m.submit(order({ clientOrderId: 'i', quantity: '5', price: '100' }), 2);
    expect(again).toMatchObject({ ok: true, duplicate: true, reports: [] });
    expect(again.ok && first.ok && again.order.venueOrderId).toBe(first.ok && first.order.venueOrderId);
    expect(m.get('i')).toMatchObject({ quantity: '1', price: '90', status: 'NEW' });
    expect(m.openOrders()).toHaveLength(1);
  });

  it('rejects orders that break the instrument rules with the matching code', () => {
    const m = engine({ minNotional: '1' });
    expect(m.submit(order({ symbol: 'NOPE' }), 1)).toMatchObject({ ok: false, code: 'UNKNOWN_SYMBOL' });
    expect(m.submit(order({ price: '90.2' }), 1)).toMatchObject({ ok: false, code: 'INVALID_PRICE' });
    expect(m.submit(order({ price: undefined }), 1)).toMatchObject({ ok: false, code: 'INVALID_PRICE' });
    expect(m.submit(order({ quantity: '0.0015' }), 1)).toMatchObject({ ok: false, code: 'INVALID_QUANTITY' });
    expect(m.submit(order({ quantity: '0' }), 1)).toMatchObject({ ok: false, code: 'INVALID_QUANTITY' });
    expect(m.submit(order({ quantity: '0.001' }), 1)).toMatchObject({ ok: false, code: 'INVALID_QUANTITY' });
    expect(m.submit(order({ clientOrderId: 'bad id!' }), 1)).toMatchObject({ ok: false, code: 'REJECTED' });
    const rejected = m.submit(order({ clientOrderId: 'r', price: '90.1' }), 1);
    expect(kinds(rejected.reports)).toEqual(['REJECTED']);
    expect(m.get('r')).toBeUndefined();
    expect(m.openOrders()).toEqual([]);
  });

  it('enforces the balance over open notional', () => {
    const m = engine({ balance: '100' });
    expect(m.submit(order({ price: '60', quantity: '1' }), 1).ok).toBe(true);
    expect(m.submit(order({ price: '50', quantity: '1' }), 1)).toMatchObject({
      ok: false,
      code: 'INSUFFICIENT_FUNDS',
    });
    expect(m.submit(order({ price: '40', quantity: '1' }), 1).ok).toBe(true);
  });

  it('rejects the next submissions on request (fault injection)', () => {
    const m = engine();
    m.rejectNext('INSUFFICIENT_FUNDS', 'no money', 2);
    expect(m.submit(order(), 1)).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS', reason: 'no money' });
    expect(m.submit(order(), 1)).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
    expect(m.submit(order(), 1).ok).toBe(true);
  });

  it('records fills for recent-fill queries, oldest first', () => {
    const m = engine();
    m.submit(order({ clientOrderId: 'f1', price: '100' }), 10);
    m.submit(order({ clientOrderId: 'f2', price: '100' }), 20);
    expect(m.fills(0).map((f) => f.clientOrderId)).toEqual(['f1', 'f2']);
    expect(m.fills(15).map((f) => f.clientOrderId)).toEqual(['f2']);
    expect(m.fills(0, 'ETH-USD')).toEqual([]);
  });
});
