import {
  assertPlugin,
  systemClock,
  VenueError,
  type ExecutionReport,
  type OrderRequest,
  type PluginContext,
} from '@veloz/engine';
import pino from 'pino';
import { filter, firstValueFrom, timeout, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createCcxtVenue, createPlugin } from './venue';
import { createDoubleVenue, type DoubleVenue } from './testing';

const WAIT_MS = 8_000;

function capture(): { ctx: PluginContext; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { ctx: { clock: systemClock, logger, account: 'acct' }, lines };
}

async function waitFor(what: string, pred: () => boolean, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let seq = 0;
const order = (patch: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: `t${Date.now().toString(36)}-${++seq}`,
  account: 'acct',
  venue: 'binance',
  symbol: 'BTC/USDT',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.001',
  price: '29000',
  ...patch,
});

describe('ccxt venue against the Binance double', () => {
  let dv: DoubleVenue | undefined;
  const subs: Subscription[] = [];
  afterEach(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    await dv?.teardown();
    dv = undefined;
  });

  const start = async (...args: Parameters<typeof createDoubleVenue>) => {
    dv = await createDoubleVenue(...args);
    const { ctx, lines } = capture();
    const reports: ExecutionReport[] = [];
    subs.push(dv.venue.executions$.subscribe((r) => reports.push(r)));
    await dv.venue.start(ctx);
    expect(dv.venue.connectionStatus().state).toBe('CONNECTED');
    return { ...dv, lines, reports };
  };

  it('sends the client order id to the exchange and queries by it', async () => {
    const { venue, double } = await start();
    const o = order();
    const res = await venue.submitOrder(o);
    expect(res.status).toBe('ACCEPTED');
    const post = double.requests.find((r) => r.method === 'POST' && r.path === '/api/v3/order');
    expect(post?.params.newClientOrderId).toBe(o.clientOrderId);
    expect(post?.signed).toBe(true);
    expect(double.order(o.clientOrderId)?.status).toBe('NEW');
    const status = await venue.orderStatus(o.clientOrderId, o.symbol);
    expect(status).toMatchObject({
      clientOrderId: o.clientOrderId,
      status: 'NEW',
      quantity: '0.001',
      price: '29000',
    });
    const query = double.requests.filter((r) => r.method === 'GET' && r.path === '/api/v3/order').at(-1);
    expect(query?.params.origClientOrderId).toBe(o.clientOrderId);
  });

  it('returns the existing order when the same client order id is sent again', async () => {
    const { venue, double } = await start();
    const o = order();
    const first = await venue.submitOrder(o);
    const again = await venue.submitOrder(o);
    expect(first.status).toBe('ACCEPTED');
    expect(again).toMatchObject({
      status: 'ACCEPTED',
      venueOrderId: first.status === 'ACCEPTED' ? first.venueOrderId : '',
    });
    expect(double.requests.filter((r) => r.code === -2010)).toHaveLength(1);
    expect(
      (await venue.openOrders('BTC/USDT')).filter((r) => r.clientOrderId === o.clientOrderId),
    ).toHaveLength(1);
  });

  it('rejects an undersized order before any request is sent', async () => {
    const { venue, double } = await start();
    const posts = () => double.requests.filter((r) => r.method === 'POST').length;
    const before = posts();
    const tiny = order({ quantity: '0.0001', price: '30000' }); // notional 3 < NOTIONAL minimum 5
    expect(await venue.submitOrder(tiny)).toEqual({
      status: 'REJECTED',
      code: 'INVALID_QUANTITY',
      reason: 'notional 3 (quantity x price) is below the minimum 5',
    });
    const offStep = order({ quantity: '0.000015' });
    expect(await venue.submitOrder(offStep)).toMatchObject({ status: 'REJECTED', code: 'INVALID_QUANTITY' });
    expect(posts()).toBe(before);
    const ids = new Set([tiny.clientOrderId, offStep.clientOrderId]);
    expect(double.requests.filter((r) => Object.values(r.params).some((v) => ids.has(v)))).toEqual([]);
    expect(double.order(tiny.clientOrderId)).toBeUndefined();
  });

  it('maps -2010 insufficient balance to INSUFFICIENT_FUNDS', async () => {
    const { venue, double } = await start();
    double.failNext({
      method: 'POST',
      path: '/api/v3/order',
      status: 400,
      code: -2010,
      msg: 'Account has insufficient balance for requested action.',
    });
    const res = await venue.submitOrder(order());
    expect(res).toMatchObject({ status: 'REJECTED', code: 'INSUFFICIENT_FUNDS' });
    expect(double.requests.filter((r) => r.code === -2010)).toHaveLength(1);
  });

  it('maps HTTP 429 to RATE_LIMITED and a price filter failure to INVALID_PRICE', async () => {
    const { venue, double } = await start();
    double.failNext({
      method: 'POST',
      path: '/api/v3/order',
      status: 429,
      code: -1003,
      msg: 'Too many requests; current limit of IP is 6000 request weight per 1 MINUTE.',
    });
    expect(await venue.submitOrder(order())).toMatchObject({ status: 'REJECTED', code: 'RATE_LIMITED' });
    double.failNext({
      method: 'POST',
      path: '/api/v3/order',
      status: 400,
      code: -1013,
      msg: 'Filter failure: PRICE_FILTER',
    });
    expect(await venue.submitOrder(order())).toMatchObject({ status: 'REJECTED', code: 'INVALID_PRICE' });
    // A rate limit on a background poll is logged and counted, not a lost connection.
    expect(venue.connectionStatus()).toMatchObject({ state: 'CONNECTED', reconnectCount: 0 });
  });

  it('has signatures verified by the double: a wrong secret gets -1022, mapped to a clear rejection', async () => {
    const { venue, double, secret, apiKey, lines } = await start(
      {},
      { secretSeenByVenue: 'tampered-secret-value' },
    );
    const res = await venue.submitOrder(order());
    expect(res.status).toBe('REJECTED');
    if (res.status === 'REJECTED') {
      expect(res.code).toBe('REJECTED');
      expect(res.reason).toMatch(/^authentication failed/);
      expect(res.reason).toContain('Signature for this request is not valid');
      expect(res.reason).not.toContain('tampered-secret-value');
    }
    expect(double.requests.filter((r) => r.path === '/api/v3/order' && r.code === -1022)).toHaveLength(1);
    const err = await venue.openOrders('BTC/USDT').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect((err as VenueError).message).toMatch(/authentication failed/);
    await waitFor('a background poll failing on authentication', () =>
      lines.some((l) => l.includes('order poll failed')),
    );
    const logs = lines.join('\n');
    // The config was logged (by env var name) and so were the auth failures, yet no credential value.
    expect(logs).toContain('VELOZ_CCXT_BINANCE_API_SECRET');
    expect(logs).toContain('authentication failed');
    for (const s of [secret, apiKey, 'tampered-secret-value']) expect(logs).not.toContain(s);
  });

  it('signs correctly with the right secret (the double accepts every signed call)', async () => {
    const { venue, double } = await start();
    await venue.submitOrder(order());
    await venue.openOrders();
    const signed = double.requests.filter((r) => r.signed);
    expect(signed.length).toBeGreaterThan(2);
    expect(signed.filter((r) => r.status !== 200)).toEqual([]);
  });

  it('throws NETWORK (outcome unknown) when the connection drops under a submit, then reconnects', async () => {
    const { venue, double } = await start({
      symbols: ['BTC/USDT'],
      pollIntervalMs: 5_000,
      marketDataPollMs: 0,
    });
    await waitFor('first poll done', () =>
      double.requests.some((r) => r.path === '/api/v3/myTrades' && r.status === 200),
    );
    await double.dropConnections(1);
    const err = await venue.submitOrder(order()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect((err as VenueError).venueCode).toBe('NETWORK');
    expect((err as VenueError).outcomeUnknown).toBe(true);
    await waitFor('reconnected', () => venue.connectionStatus().reconnectCount === 1);
    expect(venue.connectionStatus().state).toBe('CONNECTED');
    // The submit died on the dropped connection: either its request was dropped by the double or it never
    // arrived (the client noticed the closed keep-alive socket first). Either way it placed nothing.
    const posts = double.requests.filter((r) => r.method === 'POST');
    expect(posts.every((r) => r.dropped)).toBe(true);
    expect(double.requests.filter((r) => r.dropped)).toHaveLength(1);
  });

  it('reports fills, then the cancel of a partially filled order, and an IOC expiry', async () => {
    const { venue, double, reports } = await start();
    const o = order({ quantity: '0.002' });
    await venue.submitOrder(o);
    double.fill(o.clientOrderId, '0.0005');
    await waitFor('partial fill', () =>
      reports.some((r) => r.kind === 'FILL' && r.clientOrderId === o.clientOrderId),
    );
    await venue.cancelOrder({ clientOrderId: o.clientOrderId, symbol: o.symbol });
    await waitFor('cancel', () =>
      reports.some((r) => r.kind === 'CANCELED' && r.clientOrderId === o.clientOrderId),
    );
    expect(reports.filter((r) => r.clientOrderId === o.clientOrderId).map((r) => r.kind)).toEqual([
      'ACCEPTED',
      'FILL',
      'CANCELED',
    ]);
    const fill = reports.find((r) => r.kind === 'FILL');
    expect(fill?.kind === 'FILL' && fill.fill).toMatchObject({ quantity: '0.0005', price: '29000' });
    const ioc = order({ timeInForce: 'IOC' });
    const res = await venue.submitOrder(ioc);
    expect(res.status === 'ACCEPTED' && res.report?.status).toBe('EXPIRED');
    expect(reports.filter((r) => r.clientOrderId === ioc.clientOrderId).map((r) => r.kind)).toEqual([
      'ACCEPTED',
      'EXPIRED',
    ]);
  });

  it('fills resting orders when the price crosses them, and streams ticks', async () => {
    const { venue, double, reports } = await start();
    const o = order({ price: '29000' });
    await venue.submitOrder(o);
    const tick = firstValueFrom(
      venue.marketData$.pipe(
        filter((t) => t.symbol === 'BTC/USDT' && t.price === '28900'),
        timeout(WAIT_MS),
      ),
    );
    double.setPrice('BTCUSDT', '28900');
    expect(await tick).toMatchObject({ symbol: 'BTC/USDT', price: '28900', bid: '28900', ask: '28900' });
    await waitFor('fill', () =>
      reports.some((r) => r.kind === 'FILL' && r.clientOrderId === o.clientOrderId),
    );
    expect((await venue.orderStatus(o.clientOrderId, o.symbol))?.status).toBe('FILLED');
    const fills = await venue.recentFills(0);
    expect(fills.filter((f) => f.clientOrderId === o.clientOrderId)).toHaveLength(1);
  });

  it("honours the exchange's rate limit: ccxt spaces requests by their weight", async () => {
    const { venue, double } = await start({
      symbols: ['BTC/USDT'],
      pollIntervalMs: 60_000,
      marketDataPollMs: 0,
      rateLimitMs: 50,
    });
    await waitFor('first poll done', () =>
      double.requests.some((r) => r.path === '/api/v3/myTrades' && r.status === 200),
    );
    const from = double.requests.length;
    await Promise.all(Array.from({ length: 8 }, () => venue.openOrders('BTC/USDT')));
    const burst = double.requests.slice(from).filter((r) => r.path === '/api/v3/openOrders');
    expect(burst).toHaveLength(8);
    // openOrders with a symbol weighs 1.2 units of 50 ms: 8 calls cannot arrive in less than ~7 x 60 ms.
    expect(burst.at(-1)!.at - burst[0]!.at).toBeGreaterThanOrEqual(350);
  });

  it('lists instruments with the exchange rules', async () => {
    const { venue } = await start();
    expect(await venue.instruments()).toEqual([
      {
        symbol: 'BTC/USDT',
        quantityStep: '0.00001',
        tickSize: '0.01',
        minQuantity: '0.00001',
        minNotional: '5',
      },
      {
        symbol: 'ETH/USDT',
        quantityStep: '0.0001',
        tickSize: '0.01',
        minQuantity: '0.0001',
        minNotional: '5',
      },
    ]);
    expect(await venue.submitOrder(order({ symbol: 'DOGE/USDT' }))).toMatchObject({
      status: 'REJECTED',
      code: 'UNKNOWN_SYMBOL',
    });
  });
});

describe('ccxt venue start', () => {
  it('fails at start naming a missing credential variable, and logs no secret', async () => {
    const { ctx, lines } = capture();
    const venue = createCcxtVenue(
      {
        exchange: 'binance',
        symbols: ['BTC/USDT'],
        baseUrl: 'http://127.0.0.1:9',
        secretEnv: 'MY_SECRET_VAR',
      },
      { env: { VELOZ_CCXT_BINANCE_API_KEY: 'visible-key-should-not-log' } },
    );
    expect(venue.name).toBe('venue:binance');
    await expect(venue.start(ctx)).rejects.toThrow('environment variable MY_SECRET_VAR is not set');
    await venue.stop();
    await venue.stop();
    expect(lines.join('\n')).not.toContain('visible-key-should-not-log');
  });

  it('fails at start when a configured symbol is not listed by the exchange', async () => {
    const dv = await createDoubleVenue({ symbols: ['BTC/USDT', 'NOPE/USDT'] });
    try {
      await expect(dv.venue.start(capture().ctx)).rejects.toThrow(
        'invalid venue-ccxt config: symbols: NOPE/USDT not listed by binance',
      );
      expect(dv.venue.connectionStatus().state).toBe('DISCONNECTED');
      expect(dv.double.requests.some((r) => r.path === '/api/v3/exchangeInfo')).toBe(true);
    } finally {
      await dv.teardown();
    }
  });

  it('rejects a bad config at creation with the field name', () => {
    expect(() =>
      createCcxtVenue({ exchange: 'binance', symbols: ['BTC/USDT'], baseUrl: 'not a url' }),
    ).toThrow(/baseUrl/);
  });

  it("passes the plugin host's shape check through the module entry point createPlugin", () => {
    const p = assertPlugin(createPlugin({ exchange: 'binance', symbols: ['BTC/USDT'] }));
    expect(p.name).toBe('venue:binance');
  });

  it('uses a configured id for the plugin name', () => {
    expect(createCcxtVenue({ exchange: 'binance', id: 'binance-testnet', symbols: ['BTC/USDT'] }).name).toBe(
      'venue:binance-testnet',
    );
  });
});
