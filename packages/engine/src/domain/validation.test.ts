import { describe, expect, it } from 'vitest';
import { OrderValidationError } from '../errors';
import { validateOrderRequest } from './validation';

const base = {
  clientOrderId: 'c-1',
  account: 'acc1',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.10',
  price: '27350.50',
};

function fieldOf(input: unknown): string {
  try {
    validateOrderRequest(input);
  } catch (e) {
    expect(e).toBeInstanceOf(OrderValidationError);
    expect((e as OrderValidationError).code).toBe('ORDER_INVALID');
    return (e as OrderValidationError).field;
  }
  throw new Error('expected a validation error');
}

describe('validateOrderRequest', () => {
  it('accepts a LIMIT order and canonicalises decimals, dropping unknown fields', () => {
    expect(validateOrderRequest({ ...base, extra: 'x', status: 'FILLED' })).toEqual({
      clientOrderId: 'c-1',
      account: 'acc1',
      venue: 'sim',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.1',
      price: '27350.5',
    });
  });

  it('accepts numbers as decimals and defaults timeInForce by type', () => {
    const limit = validateOrderRequest({ ...base, quantity: 0.3, price: 100, timeInForce: undefined });
    expect(limit).toMatchObject({ quantity: '0.3', price: '100', timeInForce: 'GTC' });
    const { price: _p, ...noPrice } = base;
    const market = validateOrderRequest({ ...noPrice, type: 'MARKET', timeInForce: undefined });
    expect(market.timeInForce).toBe('IOC');
    expect(market.price).toBeUndefined();
    expect(validateOrderRequest({ ...noPrice, type: 'MARKET', timeInForce: 'FOK' }).timeInForce).toBe('FOK');
  });

  it.each([
    ['zero quantity', { quantity: '0' }, 'quantity'],
    ['negative quantity', { quantity: '-1' }, 'quantity'],
    ['negative numeric quantity', { quantity: -1 }, 'quantity'],
    ['NaN quantity', { quantity: Number.NaN }, 'quantity'],
    ['Infinity quantity', { quantity: Number.POSITIVE_INFINITY }, 'quantity'],
    ['exponent quantity', { quantity: '1e3' }, 'quantity'],
    ['text quantity', { quantity: 'ten' }, 'quantity'],
    ['hex quantity', { quantity: '0x10' }, 'quantity'],
    ['too many places', { quantity: '0.0000000000000000001' }, 'quantity'],
    ['huge quantity', { quantity: '9'.repeat(31) }, 'quantity'],
    ['missing quantity', { quantity: undefined }, 'quantity'],
    ['boolean quantity', { quantity: true }, 'quantity'],
    ['zero price', { price: '0.000' }, 'price'],
    ['negative price', { price: '-5' }, 'price'],
    ['missing LIMIT price', { price: undefined }, 'price'],
    ['price on MARKET', { type: 'MARKET', timeInForce: 'IOC' }, 'price'],
    ['MARKET GTC', { type: 'MARKET', price: undefined, timeInForce: 'GTC' }, 'timeInForce'],
    ['bad side', { side: 'HOLD' }, 'side'],
    ['bad type', { type: 'STOP' }, 'type'],
    ['bad tif', { timeInForce: 'DAY' }, 'timeInForce'],
    ['empty clientOrderId', { clientOrderId: '' }, 'clientOrderId'],
    ['long clientOrderId', { clientOrderId: 'a'.repeat(65) }, 'clientOrderId'],
    ['clientOrderId with space', { clientOrderId: 'a b' }, 'clientOrderId'],
    ['clientOrderId injection', { clientOrderId: "x';DROP" }, 'clientOrderId'],
    ['numeric clientOrderId', { clientOrderId: 12 }, 'clientOrderId'],
    ['long symbol', { symbol: 'B'.repeat(33) }, 'symbol'],
    ['symbol starting with dash', { symbol: '-BTC' }, 'symbol'],
    ['missing account', { account: undefined }, 'account'],
    ['venue with space', { venue: 'si m' }, 'venue'],
    ['oversized string', { account: 'x'.repeat(100_000) }, 'account'],
  ])('rejects %s', (_label, patch, field) => {
    expect(fieldOf({ ...base, ...patch })).toBe(field);
  });

  it('accepts boundary ids', () => {
    expect(validateOrderRequest({ ...base, clientOrderId: 'A'.repeat(64) }).clientOrderId).toHaveLength(64);
    expect(validateOrderRequest({ ...base, symbol: 'BTC/USD:USD' }).symbol).toBe('BTC/USD:USD');
    expect(validateOrderRequest({ ...base, symbol: 'B'.repeat(32) }).symbol).toHaveLength(32);
  });

  it.each([null, undefined, 42, 'order', [base]])('rejects non-object input %j', (input) => {
    expect(fieldOf(input)).toBe('(root)');
  });

  it('ten fills worth of 0.1 style inputs stay exact', () => {
    expect(validateOrderRequest({ ...base, quantity: '0.1000000000' }).quantity).toBe('0.1');
    expect(validateOrderRequest({ ...base, quantity: '000.5' }).quantity).toBe('0.5');
  });
});
