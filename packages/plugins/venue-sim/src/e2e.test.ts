import { createEngine, type Engine, type EngineEvent, type Order, type OrderStatus } from '@veloz/engine';
import { createMemoryStorage } from '@veloz/engine/testing';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimVenue } from './plugin/sim-venue';
import { spawnSimExchange, type SpawnedSimExchange } from './testing/spawn-sim-exchange';

async function waitFor(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// End to end: the engine (memory storage) trades through the sim venue plugin on the real exchange process.
describe('engine + venue:sim + sim-exchange process', () => {
  let exchange: SpawnedSimExchange;
  let engine: Engine;
  let sub: Subscription | undefined;
  const events: EngineEvent[] = [];
  const account = `e2e-${Date.now().toString(36)}`;
  let n = 0;
  const id = () => `${account}-${++n}`;
  const order = (patch: Record<string, unknown>) => ({
    clientOrderId: id(),
    account,
    venue: 'sim',
    symbol: 'ETH-USD',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '0.5',
    ...patch,
  });
  const statusOf = (clientOrderId: string): OrderStatus | undefined => engine.getOrder(clientOrderId)?.status;
  async function place(input: Record<string, unknown>): Promise<Order> {
    const result = await engine.placeOrder(input);
    if (!result.ok) throw new Error(`placeOrder refused: ${result.code} ${result.reason}`);
    return result.order;
  }

  beforeAll(async () => {
    exchange = await spawnSimExchange(['--tick-ms', '0', '--fill-fraction', '0.5']);
    const venue = createSimVenue({ url: exchange.url });
    engine = createEngine({ account }, { storage: createMemoryStorage(), venues: [venue] });
    sub = engine.events$.subscribe((e) => events.push(e));
    let lastPrice: string | undefined;
    sub.add(engine.marketData$.subscribe((t) => t.symbol === 'ETH-USD' && (lastPrice = t.price)));
    await engine.start();
    // The exchange greets the plugin with its prices; risk needs one for the price band.
    await exchange.admin('price', { symbol: 'ETH-USD', price: '2000' });
    await waitFor('a price tick', () => lastPrice === '2000');
  });

  afterAll(async () => {
    sub?.unsubscribe();
    await engine?.stop();
    await exchange?.kill();
  });

  it('fills a crossing limit order: FILLED at the exchange price', async () => {
    const o = await place(order({ price: '2100' }));
    await waitFor('FILLED', () => statusOf(o.clientOrderId) === 'FILLED');
    expect(engine.getOrder(o.clientOrderId)).toMatchObject({
      filledQuantity: '0.5',
      averageFillPrice: '2000',
    });
  });

  it('cancels a resting order through the engine', async () => {
    const o = await place(order({ price: '1950' }));
    await waitFor('NEW', () => statusOf(o.clientOrderId) === 'NEW');
    const result = await engine.cancelOrder(o.clientOrderId);
    expect(result.ok).toBe(true);
    await waitFor('CANCELED', () => statusOf(o.clientOrderId) === 'CANCELED');
    const venueSide = await engine.venue('sim')!.orderStatus(o.clientOrderId, 'ETH-USD');
    expect(venueSide?.status).toBe('CANCELED');
  });

  it('expires an IOC order away from the price', async () => {
    const o = await place(order({ price: '1950', timeInForce: 'IOC' }));
    await waitFor('EXPIRED', () => statusOf(o.clientOrderId) === 'EXPIRED');
    expect(engine.getOrder(o.clientOrderId)?.filledQuantity).toBe('0');
  });

  it('ends a partial-fill sequence FILLED with exact quantities', async () => {
    const o = await place(order({ price: '1990', quantity: '0.1' }));
    await waitFor('NEW', () => statusOf(o.clientOrderId) === 'NEW');
    const venue = engine.venue('sim')!;
    for (let tick = 0; statusOf(o.clientOrderId) !== 'FILLED'; tick++) {
      expect(tick).toBeLessThan(20);
      await exchange.admin('price', { symbol: 'ETH-USD', price: '1990' });
      const atVenue = await venue.orderStatus(o.clientOrderId, 'ETH-USD');
      await waitFor(
        'engine to catch up',
        () => engine.getOrder(o.clientOrderId)?.filledQuantity === atVenue?.filledQuantity,
      );
      if (atVenue?.status !== 'FILLED') expect(statusOf(o.clientOrderId)).toBe('PARTIALLY_FILLED');
    }
    const final = engine.getOrder(o.clientOrderId)!;
    expect(final).toMatchObject({ status: 'FILLED', filledQuantity: '0.1', averageFillPrice: '1990' });
    expect(final.fills.map((f) => f.quantity)).toEqual([
      '0.05',
      '0.025',
      '0.012',
      '0.006',
      '0.003',
      '0.002',
      '0.001',
      '0.001',
    ]);
    const fillEvents = events.filter(
      (e) => e.event.clientOrderId === o.clientOrderId && e.event.type === 'ORDER_FILLED',
    );
    expect(fillEvents).toHaveLength(8);
  });

  it('rides out an exchange connection drop: the engine sees the reconnect and keeps trading', async () => {
    expect(engine.status().venues.sim).toMatchObject({ state: 'CONNECTED', reconnectCount: 0 });
    await exchange.admin('drop-connections');
    await waitFor('reconnect', () => {
      const s = engine.status().venues.sim;
      return s?.state === 'CONNECTED' && s.reconnectCount === 1;
    });
    const o = await place(order({ price: '2100', quantity: '0.25' }));
    await waitFor('FILLED', () => statusOf(o.clientOrderId) === 'FILLED');
    expect(engine.getOrder(o.clientOrderId)?.filledQuantity).toBe('0.25');
  });
});
