import { describe, expect, it } from 'vitest';
import { demoOrder, roundToStep, type DemoInstrument } from './demo-orders';

const BTC: DemoInstrument = {
  symbol: 'BTC-USD',
  tickSize: '0.5',
  quantityStep: '0.0001',
  minQuantity: '0.0001',
  price: '30000',
};
const ETH: DemoInstrument = {
  symbol: 'ETH-USD',
  tickSize: '0.01',
  quantityStep: '0.001',
  minQuantity: '0.001',
  price: '2000',
};

describe('demoOrder', () => {
  it('cycles MARKET BUY, LIMIT BUY below, MARKET SELL, LIMIT SELL above, then the next instrument', () => {
    const orders = Array.from({ length: 5 }, (_, n) => demoOrder(n, [BTC, ETH], 'sim', 'r1'));
    expect(orders.map((o) => `${o.side} ${o.type} ${o.symbol}`)).toEqual([
      'BUY MARKET BTC-USD',
      'BUY LIMIT BTC-USD',
      'SELL MARKET BTC-USD',
      'SELL LIMIT BTC-USD',
      'BUY MARKET ETH-USD',
    ]);
    expect(orders[0]).toEqual({
      clientOrderId: 'demo-r1-0',
      venue: 'sim',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.0001',
    });
    expect(orders[1]!.price).toBe('29940.0');
    expect(orders[3]!.price).toBe('30060.0');
    expect(orders[1]!.quantity).toBe('0.0002');
    expect(orders[4]!.quantity).toBe('0.002');
  });

  it('rounds to the instrument steps', () => {
    expect(roundToStep(123.456, '0.5')).toBe('123.5');
    expect(roundToStep(0.00029999, '0.0001')).toBe('0.0003');
    expect(roundToStep(7, '1')).toBe('7');
  });

  it('refuses an empty instrument list', () => {
    expect(() => demoOrder(0, [], 'sim', 'r')).toThrow('no instruments');
  });
});
