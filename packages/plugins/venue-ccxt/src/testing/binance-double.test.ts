import { createHmac } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createBinanceBook } from './binance-book';
import { createBinanceDouble, type BinanceDouble } from './binance-double';

describe('binance book (pure)', () => {
  it('applies LOT_SIZE, PRICE_FILTER and NOTIONAL filters like Binance', () => {
    const book = createBinanceBook();
    const base = { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: '29000' };
    expect(() => book.newOrder({ ...base, quantity: '0.000015' })).toThrow('Filter failure: LOT_SIZE');
    expect(() => book.newOrder({ ...base, quantity: '0.001', price: '29000.001' })).toThrow(
      'Filter failure: PRICE_FILTER',
    );
    expect(() => book.newOrder({ ...base, quantity: '0.0001' })).toThrow('Filter failure: NOTIONAL');
    expect(() => book.newOrder({ ...base, symbol: 'NOPE', quantity: '1' })).toThrow('Invalid symbol.');
  });

  it('fills crossing orders at the market, resting ones when the price moves through, partial fills on demand', () => {
    const book = createBinanceBook();
    const taker = book.newOrder({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.001',
      price: '31000',
      newClientOrderId: 'a',
    }) as { status: string; fills: { price: string }[] };
    expect(taker.status).toBe('FILLED');
    expect(taker.fills[0]?.price).toBe('30000.00000000');
    book.newOrder({
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.002',
      price: '30500',
      newClientOrderId: 'b',
    });
    book.fill('b', '0.0005');
    expect(book.order('b')).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.0005' });
    book.setPrice('BTCUSDT', '30600');
    expect(book.order('b')).toMatchObject({ status: 'FILLED', executedQty: '0.002' });
    expect((book.myTrades({ symbol: 'BTCUSDT' }) as unknown[]).length).toBe(3);
    expect(() =>
      book.newOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'IOC',
        quantity: '0.1',
        price: '100',
        newClientOrderId: 'c',
      }),
    ).not.toThrow();
    expect(book.order('c')?.status).toBe('EXPIRED');
  });

  it('refuses a duplicate open client order id and unknown cancels', () => {
    const book = createBinanceBook();
    const o = {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.001',
      price: '29000',
      newClientOrderId: 'd',
    };
    book.newOrder(o);
    expect(() => book.newOrder(o)).toThrow('Duplicate order sent.');
    expect(() => book.cancel({ symbol: 'BTCUSDT', origClientOrderId: 'zzz' })).toThrow('Unknown order sent.');
    expect(book.cancel({ symbol: 'BTCUSDT', origClientOrderId: 'd' })).toMatchObject({
      status: 'CANCELED',
      origClientOrderId: 'd',
    });
    expect(() => book.cancel({ symbol: 'BTCUSDT', origClientOrderId: 'd' })).toThrow('Unknown order sent.');
  });
});

describe('binance double over HTTP (raw requests, no ccxt)', () => {
  let double: BinanceDouble | undefined;
  afterEach(async () => {
    await double?.close();
    double = undefined;
  });

  const signedGet = async (
    d: BinanceDouble,
    opts: { key?: string; secret?: string; timestamp?: number } = {},
  ) => {
    const query = `symbol=BTCUSDT&timestamp=${opts.timestamp ?? Date.now()}&recvWindow=5000`;
    const signature = createHmac('sha256', opts.secret ?? 'sec')
      .update(query)
      .digest('hex');
    const res = await fetch(`${d.url}/api/v3/openOrders?${query}&signature=${signature}`, {
      headers: { 'X-MBX-APIKEY': opts.key ?? 'key' },
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('accepts a correctly signed request and refuses bad signatures, keys and stale timestamps', async () => {
    double = await createBinanceDouble({ apiKey: 'key', secret: 'sec' });
    expect(await signedGet(double)).toEqual({ status: 200, body: [] });
    expect(await signedGet(double, { secret: 'wrong' })).toEqual({
      status: 400,
      body: { code: -1022, msg: 'Signature for this request is not valid.' },
    });
    expect((await signedGet(double, { key: 'other' })).body).toMatchObject({ code: -2015 });
    expect((await signedGet(double, { timestamp: Date.now() - 60_000 })).body).toMatchObject({ code: -1021 });
    expect(double.requests.map((r) => r.code ?? r.status)).toEqual([200, -1022, -2015, -1021]);
  });

  // One connection per request (no keep-alive pool), so which request meets a drop is deterministic.
  const get = (url: string) =>
    new Promise<{ status: number; retryAfter?: string }>((resolve, reject) => {
      http
        .get(url, { agent: false }, (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string }),
          );
        })
        .on('error', reject);
    });

  it('answers scripted failures, then normally; drops sockets on demand', async () => {
    double = await createBinanceDouble({ apiKey: 'key', secret: 'sec' });
    double.failNext({ path: '/api/v3/time', status: 429, code: -1003, msg: 'Too many requests' });
    expect(await get(`${double.url}/api/v3/time`)).toEqual({ status: 429, retryAfter: '1' });
    expect((await get(`${double.url}/api/v3/time`)).status).toBe(200);
    await double.dropConnections(1);
    await expect(get(`${double.url}/api/v3/time`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await get(`${double.url}/api/v3/time`)).status).toBe(200);
    expect(double.requestCount()).toBe(4);
    expect(double.requests.filter((r) => r.dropped)).toHaveLength(1);
  });
});
