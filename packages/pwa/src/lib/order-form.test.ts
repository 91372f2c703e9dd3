// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  emptyOrderForm,
  newClientOrderId,
  toPlaceOrderInput,
  validateOrderForm,
  CLIENT_ORDER_ID_RE,
} from './order-form';

describe('validateOrderForm', () => {
  const valid = { ...emptyOrderForm('abc-1'), quantity: '1', price: '100' };

  it('accepts a valid limit order', () => {
    expect(validateOrderForm(valid)).toEqual({});
  });

  it.each([
    ['clientOrderId', { clientOrderId: 'has space' }],
    ['clientOrderId', { clientOrderId: 'x'.repeat(65) }],
    ['venue', { venue: '' }],
    ['symbol', { symbol: '-BTC' }],
    ['quantity', { quantity: '-1' }],
    ['quantity', { quantity: '1e3' }],
    ['quantity', { quantity: '0.000' }],
    ['quantity', { quantity: '1.1234567890123456789' }],
    ['price', { price: '' }],
  ] as const)('flags %s in %j', (field, patch) => {
    expect(Object.keys(validateOrderForm({ ...valid, ...patch }))).toEqual([field]);
  });

  it('market orders: no price, not GTC', () => {
    expect(validateOrderForm({ ...valid, type: 'MARKET', price: '', timeInForce: 'IOC' })).toEqual({});
    expect(Object.keys(validateOrderForm({ ...valid, type: 'MARKET', timeInForce: 'IOC' }))).toEqual([
      'price',
    ]);
    expect(Object.keys(validateOrderForm({ ...valid, type: 'MARKET', price: '' }))).toEqual(['timeInForce']);
  });

  it('builds the mutation input: trimmed, price only for LIMIT', () => {
    expect(toPlaceOrderInput({ ...valid, symbol: ' BTC-USD ' })).toEqual({
      clientOrderId: 'abc-1',
      venue: 'sim',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '1',
      price: '100',
    });
    expect(toPlaceOrderInput({ ...valid, type: 'MARKET', timeInForce: 'IOC' })).not.toHaveProperty('price');
  });

  it('generates client order ids the engine accepts', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newClientOrderId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(CLIENT_ORDER_ID_RE);
  });
});
