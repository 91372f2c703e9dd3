import { createEngine, type Engine } from '@veloz/engine';
import { createMemoryStorage } from '@veloz/engine/testing';
import { createSimVenue, spawnSimExchange, type SpawnedSimExchange } from '@veloz/venue-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineMetrics, type EngineMetrics } from './engine-metrics';
import { parseExposition, sampleValue } from './exposition';
import { createKpiSampler } from './kpi-sampler';
import { promtoolCheckMetrics } from './promtool';
import { waitFor } from './test-kit';

const account = `acc-sim-${Math.random().toString(36).slice(2, 8)}`;

describe('metrics against the real sim exchange (child process)', () => {
  let exchange: SpawnedSimExchange | undefined;
  let engine: Engine | undefined;
  let metrics: EngineMetrics | undefined;

  beforeAll(async () => {
    exchange = await spawnSimExchange(['--tick-ms', '0']);
    metrics = createEngineMetrics();
    const venue = createSimVenue({
      url: exchange.url,
      backoff: { initialMs: 50, maxMs: 500, multiplier: 2, jitter: 'full' },
    });
    engine = createEngine(
      { account },
      { storage: metrics.instrumentStorage(createMemoryStorage()), venues: [venue] },
    );
    metrics.attach(engine);
    let priced = false;
    const sub = engine.marketData$.subscribe(
      (t) => t.symbol === 'ETH-USD' && t.price === '2000' && (priced = true),
    );
    await engine.start();
    await exchange.admin('price', { symbol: 'ETH-USD', price: '2000' });
    await waitFor(() => priced, 'a price tick');
    sub.unsubscribe();
  });

  afterAll(async () => {
    await engine?.stop();
    metrics?.stop();
    await exchange?.kill();
  });

  it('a dropped venue connection increments veloz_reconnect_count_total and the KPI reconnect count', async () => {
    const placed = 4;
    for (let i = 0; i < placed; i++) {
      const r = await engine!.placeOrder({
        clientOrderId: `${account}-${i}`,
        account,
        venue: 'sim',
        symbol: 'ETH-USD',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTC',
        quantity: '0.5',
        price: '1950',
      });
      expect(r.ok).toBe(true);
    }
    const sampler = createKpiSampler(metrics!, { account });
    const before = parseExposition(await metrics!.metrics());
    expect(sampleValue(before, 'veloz_reconnect_count_total', { venue: 'sim' })).toBe(0);
    expect(sampler.sample().reconnectCount).toBe(0);

    await exchange!.admin('drop-connections');
    await waitFor(() => engine!.status().venues.sim?.reconnectCount === 1, 'the venue to reconnect', 10_000);
    await waitFor(() => engine!.status().venues.sim?.state === 'CONNECTED', 'CONNECTED again', 10_000);

    const text = await metrics!.metrics();
    const f = parseExposition(text);
    expect(sampleValue(f, 'veloz_reconnect_count_total', { venue: 'sim' })).toBe(1);
    expect(sampleValue(f, 'veloz_venue_connected', { venue: 'sim' })).toBe(1);
    expect(sampleValue(f, 'veloz_orders_submitted_total')).toBe(placed);
    expect(sampleValue(f, 'veloz_orders_accepted_total')).toBe(placed);
    expect(sampleValue(f, 'veloz_open_orders')).toBe(placed);
    expect(sampleValue(f, 'veloz_order_ack_latency_seconds_count')).toBe(placed);
    const k = sampler.sample();
    expect(k.reconnectCount).toBe(1);
    expect(k.venues).toEqual([{ venue: 'sim', state: 'CONNECTED', connected: true, reconnectCount: 1 }]);
    expect(k.orders).toMatchObject({ submitted: placed, accepted: placed, open: placed });
    const check = await promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    sampler.stop();
  });
});
