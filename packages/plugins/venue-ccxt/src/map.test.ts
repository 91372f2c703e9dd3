import {
  AuthenticationError,
  BadRequest,
  BadSymbol,
  BadResponse,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  OnMaintenance,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
  type Order,
  type Trade,
} from 'ccxt';
import { describe, expect, it } from 'vitest';
import { describeCcxtError, mapCcxtError, mapOrder, mapOrderStatus, mapTrade, toDecimal } from './map';

const baseOrder = {
  id: '1001',
  clientOrderId: 'cid-1',
  symbol: 'BTC/USDT',
  type: 'limit',
  side: 'buy',
  timeInForce: 'GTC',
  price: 29000.5,
  amount: 0.003,
  filled: 0,
  status: 'open',
  timestamp: 1_700_000_000_000,
  lastUpdateTimestamp: 1_700_000_000_500,
} as unknown as Order;

describe('mapOrder', () => {
  it('keeps ids and converts floats to canonical decimals', () => {
    const r = mapOrder(baseOrder);
    expect(r).toEqual({
      clientOrderId: 'cid-1',
      venueOrderId: '1001',
      symbol: 'BTC/USDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.003',
      price: '29000.5',
      filledQuantity: '0',
      status: 'NEW',
      updatedAt: 1_700_000_000_500,
    });
  });

  it('reports partial fills with an average price free of float noise', () => {
    const r = mapOrder({ ...baseOrder, filled: 0.001, average: 30000.000000000004 } as Order);
    expect(r.status).toBe('PARTIALLY_FILLED');
    expect(r.filledQuantity).toBe('0.001');
    expect(r.averageFillPrice).toBe('30000');
  });

  it('maps terminal statuses, market orders and IOC', () => {
    expect(mapOrder({ ...baseOrder, status: 'closed', filled: 0.003 } as Order).status).toBe('FILLED');
    expect(mapOrder({ ...baseOrder, status: 'canceled' } as Order).status).toBe('CANCELED');
    expect(mapOrder({ ...baseOrder, status: 'expired' } as Order).status).toBe('EXPIRED');
    const m = mapOrder({ ...baseOrder, type: 'market', side: 'sell', timeInForce: 'IOC' } as Order);
    expect(m).toMatchObject({ type: 'MARKET', side: 'SELL', timeInForce: 'IOC' });
    expect(m.price).toBeUndefined();
  });

  it('uses the fallback client id only when the exchange gives none, and fails without any', () => {
    expect(
      mapOrder({ ...baseOrder, clientOrderId: undefined } as unknown as Order, 'mine').clientOrderId,
    ).toBe('mine');
    expect(mapOrder(baseOrder, 'mine').clientOrderId).toBe('cid-1');
    expect(() => mapOrder({ ...baseOrder, clientOrderId: undefined } as unknown as Order)).toThrow(
      /client order id/,
    );
  });

  it('maps statuses with the filled amount', () => {
    expect(mapOrderStatus('open', 0)).toBe('NEW');
    expect(mapOrderStatus('open', 1)).toBe('PARTIALLY_FILLED');
    expect(mapOrderStatus('canceling', 0)).toBe('PENDING_CANCEL');
    expect(mapOrderStatus('rejected', 0)).toBe('REJECTED');
  });
});

describe('mapTrade', () => {
  it('makes a Fill with the trade id as fillId', () => {
    const t = {
      id: '5000',
      order: '1001',
      price: 30000,
      amount: 0.0004,
      timestamp: 42,
      symbol: 'BTC/USDT',
    } as Trade;
    expect(mapTrade(t, 'cid-1')).toEqual({
      fillId: '5000',
      quantity: '0.0004',
      price: '30000',
      timestamp: 42,
      clientOrderId: 'cid-1',
      venueOrderId: '1001',
    });
  });
  it('refuses a trade without id (the reducer dedupes on it)', () => {
    expect(() => mapTrade({ order: '1', price: 1, amount: 1 } as Trade, 'c')).toThrow(/no id/);
  });
});

describe('toDecimal', () => {
  it('handles tiny numbers without exponents', () => {
    expect(toDecimal(1e-7)).toBe('0.0000001');
    expect(toDecimal('0.10000000')).toBe('0.1');
  });
});

describe('mapCcxtError', () => {
  it.each([
    [
      new InsufficientFunds('binance Account has insufficient balance for requested action.'),
      'INSUFFICIENT_FUNDS',
    ],
    [new InvalidOrder('binance order price is invalid ... PRICE_FILTER'), 'INVALID_PRICE'],
    [
      new InvalidOrder('binance order amount should be evenly divisible by lot size LOT_SIZE'),
      'INVALID_QUANTITY',
    ],
    [new InvalidOrder('binance {"code":-1013,"msg":"Filter failure: NOTIONAL"}'), 'INVALID_QUANTITY'],
    [new InvalidOrder('binance Order would immediately match'), 'REJECTED'],
    [new RateLimitExceeded('slow down'), 'RATE_LIMITED'],
    [new DDoSProtection('binance 429 Too Many Requests'), 'RATE_LIMITED'],
    [new NetworkError('fetch failed'), 'NETWORK'],
    [new RequestTimeout('timed out'), 'NETWORK'],
    [new OrderNotFound('Order does not exist.'), 'NOT_FOUND'],
    [new ExchangeNotAvailable('down'), 'UNAVAILABLE'],
    [new OnMaintenance('maintenance'), 'UNAVAILABLE'],
    [new BadResponse('garbage'), 'UNAVAILABLE'],
    [new BadSymbol('Invalid symbol.'), 'UNKNOWN_SYMBOL'],
    [new InvalidNonce('Timestamp outside recvWindow'), 'REJECTED'],
    [new AuthenticationError('Signature for this request is not valid.'), 'REJECTED'],
    [new BadRequest('bad'), 'REJECTED'],
    [new ExchangeError('other'), 'REJECTED'],
    [new Error('not ccxt'), 'UNKNOWN'],
  ] as const)('%s → %s', (error, code) => {
    expect(mapCcxtError(error)).toBe(code);
  });
});

describe('describeCcxtError', () => {
  it('redacts signatures and names authentication failures', () => {
    const e = new AuthenticationError(
      'binance GET http://x/api/v3/order?symbol=BTCUSDT&timestamp=1&signature=abcdef0123 {"code":-1022}',
    );
    const text = describeCcxtError(e);
    expect(text).toMatch(/^authentication failed/);
    expect(text).not.toContain('abcdef0123');
    expect(text).toContain('signature=<redacted>');
  });
});
