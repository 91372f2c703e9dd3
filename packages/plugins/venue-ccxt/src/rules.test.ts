import type { MarketInterface } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { checkOrder, marketRules, toInstrumentSpec, type MarketRules } from './rules';

const market = {
  symbol: 'BTC/USDT',
  precision: { amount: 0.00001, price: 0.01 },
  limits: { amount: { min: 0.00001, max: 9000 }, cost: { min: 5 }, price: { min: 0.01, max: 1_000_000 } },
} as unknown as MarketInterface;

const rules: MarketRules = marketRules(market, 4);
const limit = (quantity: string, price: string) => ({ type: 'LIMIT' as const, quantity, price });

describe('marketRules', () => {
  it('reads TICK_SIZE precision and limits as decimals', () => {
    expect(rules).toEqual({
      symbol: 'BTC/USDT',
      amountStep: '0.00001',
      priceTick: '0.01',
      minAmount: '0.00001',
      maxAmount: '9000',
      minCost: '5',
      minPrice: '0.01',
      maxPrice: '1000000',
    });
    expect(toInstrumentSpec(rules)).toEqual({
      symbol: 'BTC/USDT',
      quantityStep: '0.00001',
      tickSize: '0.01',
      minQuantity: '0.00001',
      minNotional: '5',
    });
  });

  it('turns DECIMAL_PLACES precision into steps', () => {
    const r = marketRules({ ...market, precision: { amount: 3, price: 1 } } as unknown as MarketInterface, 2);
    expect(r.amountStep).toBe('0.001');
    expect(r.priceTick).toBe('0.1');
  });
});

describe('checkOrder', () => {
  it('accepts an order within the rules', () => {
    expect(checkOrder(limit('0.001', '30000.01'), rules)).toBeUndefined();
  });
  it('rejects a quantity off the step', () => {
    expect(checkOrder(limit('0.000015', '30000'), rules)?.code).toBe('INVALID_QUANTITY');
  });
  it('rejects a quantity below the minimum', () => {
    const r = marketRules(
      { ...market, limits: { ...market.limits, amount: { min: 0.001 } } } as MarketInterface,
      4,
    );
    expect(checkOrder(limit('0.0005', '30000'), r)).toEqual({
      code: 'INVALID_QUANTITY',
      reason: 'quantity 0.0005 is below the minimum 0.001',
    });
  });
  it('rejects a notional below the minimum cost', () => {
    const v = checkOrder(limit('0.0001', '30000'), rules);
    expect(v?.code).toBe('INVALID_QUANTITY');
    expect(v?.reason).toMatch(/notional 3 .* minimum 5/);
  });
  it('rejects a price off the tick or out of range', () => {
    expect(checkOrder(limit('0.001', '30000.005'), rules)?.code).toBe('INVALID_PRICE');
    expect(checkOrder(limit('0.001', '2000000'), rules)?.code).toBe('INVALID_PRICE');
    expect(checkOrder({ type: 'LIMIT', quantity: '0.001' }, rules)?.code).toBe('INVALID_PRICE');
  });
  it('checks a MARKET order notional only when a reference price is known', () => {
    expect(checkOrder({ type: 'MARKET', quantity: '0.0001' }, rules)).toBeUndefined();
    expect(checkOrder({ type: 'MARKET', quantity: '0.0001' }, rules, '30000')?.code).toBe('INVALID_QUANTITY');
  });
});
