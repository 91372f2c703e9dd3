import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../domain/order';
import { checkRisk, createRateWindow, parseRiskLimits, type RiskContext } from './risk';

const req = (patch: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: 'c1',
  account: 'a',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '1',
  price: '100',
  ...patch,
});
const ctx = (patch: Partial<RiskContext> = {}): RiskContext => ({
  lastPrice: '100',
  openOrders: 0,
  recentOrders: 0,
  duplicate: false,
  symbols: new Set(['BTC-USD', 'ETH-USD']),
  ...patch,
});

describe('parseRiskLimits', () => {
  it('applies defaults', () => {
    expect(parseRiskLimits()).toEqual({
      maxOpenOrders: 1000,
      maxOrdersPerSecond: 100,
      priceBandBps: 1000,
      perSymbol: {},
    });
  });
  it('rejects bad limits naming the field', () => {
    expect(() => parseRiskLimits({ maxQuantity: '-1' })).toThrow(/maxQuantity/);
    expect(() => parseRiskLimits({ maxOpenOrders: 0 })).toThrow(/maxOpenOrders/);
    expect(() => parseRiskLimits({ perSymbol: { X: { maxNotional: 'abc' } } })).toThrow(/maxNotional/);
  });
});

describe('checkRisk', () => {
  const limits = parseRiskLimits({
    maxQuantity: '10',
    maxNotional: '1000',
    maxOpenOrders: 3,
    maxOrdersPerSecond: 5,
  });

  it('passes an order inside every limit', () => {
    expect(checkRisk(req(), ctx(), limits)).toEqual({ ok: true });
  });

  it('MAX_QUANTITY: rejects above, passes at the limit', () => {
    expect(checkRisk(req({ quantity: '10.0001', price: '1' }), ctx({ lastPrice: '1' }), limits)).toEqual({
      ok: false,
      code: 'MAX_QUANTITY',
      reason: 'quantity 10.0001 exceeds max 10 for BTC-USD',
    });
    expect(checkRisk(req({ quantity: '10', price: '1' }), ctx({ lastPrice: '1' }), limits).ok).toBe(true);
  });

  it('MAX_NOTIONAL: rejects above, passes at the limit, MARKET valued at last price', () => {
    const r = checkRisk(req({ quantity: '10', price: '100.01' }), ctx(), limits);
    expect(r).toEqual({
      ok: false,
      code: 'MAX_NOTIONAL',
      reason: 'notional 1000.1 exceeds max 1000 for BTC-USD',
    });
    expect(checkRisk(req({ quantity: '10', price: '100' }), ctx(), limits).ok).toBe(true);
    const market = req({ type: 'MARKET', timeInForce: 'IOC', price: undefined, quantity: '10' });
    expect(checkRisk(market, ctx({ lastPrice: '100.1' }), limits)).toMatchObject({ code: 'MAX_NOTIONAL' });
    expect(checkRisk(market, ctx({ lastPrice: '100' }), limits).ok).toBe(true);
  });

  it('PRICE_BAND: rejects beyond the band either side, passes on its edge', () => {
    const band = parseRiskLimits({ priceBandBps: 100 }); // 1%
    expect(checkRisk(req({ price: '101.01' }), ctx(), band)).toEqual({
      ok: false,
      code: 'PRICE_BAND',
      reason: 'price 101.01 is 101 bps from last 100 for BTC-USD, max 100 bps',
    });
    expect(checkRisk(req({ price: '98.99' }), ctx(), band)).toMatchObject({ code: 'PRICE_BAND' });
    expect(checkRisk(req({ price: '101' }), ctx(), band).ok).toBe(true);
    expect(checkRisk(req({ price: '99' }), ctx(), band).ok).toBe(true);
  });

  it('NO_REFERENCE_PRICE when the band is on and no price was seen; nothing when the band is off', () => {
    expect(checkRisk(req(), ctx({ lastPrice: undefined }), parseRiskLimits())).toMatchObject({
      ok: false,
      code: 'NO_REFERENCE_PRICE',
    });
    expect(checkRisk(req(), ctx({ lastPrice: undefined }), parseRiskLimits({ priceBandBps: 0 })).ok).toBe(
      true,
    );
    const market = req({ type: 'MARKET', timeInForce: 'IOC', price: undefined });
    expect(
      checkRisk(
        market,
        ctx({ lastPrice: undefined }),
        parseRiskLimits({ priceBandBps: 0, maxNotional: '5' }),
      ),
    ).toMatchObject({ code: 'NO_REFERENCE_PRICE' });
  });

  it('MAX_OPEN_ORDERS: rejects at the limit, passes just below', () => {
    expect(checkRisk(req(), ctx({ openOrders: 3 }), limits)).toEqual({
      ok: false,
      code: 'MAX_OPEN_ORDERS',
      reason: '3 open orders, max 3',
    });
    expect(checkRisk(req(), ctx({ openOrders: 2 }), limits).ok).toBe(true);
  });

  it('RATE_LIMIT: rejects at the limit, passes just below', () => {
    expect(checkRisk(req(), ctx({ recentOrders: 5 }), limits)).toMatchObject({
      ok: false,
      code: 'RATE_LIMIT',
    });
    expect(checkRisk(req(), ctx({ recentOrders: 4 }), limits).ok).toBe(true);
  });

  it('DUPLICATE_CLIENT_ORDER_ID and UNKNOWN_SYMBOL', () => {
    expect(checkRisk(req(), ctx({ duplicate: true }), limits)).toEqual({
      ok: false,
      code: 'DUPLICATE_CLIENT_ORDER_ID',
      reason: 'client order id c1 was already used',
    });
    expect(checkRisk(req({ symbol: 'DOGE-USD' }), ctx(), limits)).toEqual({
      ok: false,
      code: 'UNKNOWN_SYMBOL',
      reason: 'symbol DOGE-USD is not traded on venue sim',
    });
    expect(checkRisk(req({ symbol: 'DOGE-USD' }), ctx({ symbols: undefined }), limits).ok).toBe(true);
  });

  it('per-symbol overrides win over the account limits', () => {
    const l = parseRiskLimits({ maxQuantity: '10', perSymbol: { 'ETH-USD': { maxQuantity: '2' } } });
    expect(checkRisk(req({ symbol: 'ETH-USD', quantity: '3' }), ctx(), l)).toMatchObject({
      code: 'MAX_QUANTITY',
      reason: 'quantity 3 exceeds max 2 for ETH-USD',
    });
    expect(checkRisk(req({ symbol: 'BTC-USD', quantity: '3' }), ctx(), l).ok).toBe(true);
  });
});

describe('createRateWindow', () => {
  it('counts events in a sliding window on the injected clock', () => {
    let now = 10_000;
    const w = createRateWindow({ now: () => now }, 1_000);
    w.record();
    now += 500;
    w.record();
    w.record();
    expect(w.count()).toBe(3);
    now += 499; // first event is 999 ms old
    expect(w.count()).toBe(3);
    now += 1; // first is exactly 1000 ms old: out
    expect(w.count()).toBe(2);
    now += 500;
    expect(w.count()).toBe(0);
    for (let i = 0; i < 5000; i++) {
      w.record();
      now += 1;
    }
    // events at t..t+4999, now = t+5000: those after t+4000 remain
    expect(w.count()).toBe(999);
  });
});
