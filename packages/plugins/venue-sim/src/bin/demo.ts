/**
 * Demo: starts the sim-exchange process, an engine trading on it through venue:sim, places a few orders
 * and prints every order event as it happens, then exits. `npm run demo -w @veloz/venue-sim`.
 * Storage is in memory, or Redis (`REDIS_URL`) with VELOZ_DEMO_STORAGE=redis when @veloz/storage-redis exists.
 */
import { createEngine, type Engine, type StoragePlugin } from '@veloz/engine';
import { createMemoryStorage } from '@veloz/engine/testing';
import { createSimVenue } from '../plugin/sim-venue';
import { spawnSimExchange } from '../testing/spawn-sim-exchange';

const TERMINAL = new Set(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);
const account = `demo-${Date.now().toString(36)}`;

async function storage(): Promise<StoragePlugin> {
  if (process.env.VELOZ_DEMO_STORAGE !== 'redis') return createMemoryStorage();
  // Resolved at run time so this package does not depend on the Redis plugin.
  const specifier = '@veloz/storage-redis';
  const mod = (await import(specifier)) as { createRedisStorage: (c: { redisUrl: string }) => StoragePlugin };
  return mod.createRedisStorage({ redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
}

async function until(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log('Usage: demo   (env: VELOZ_DEMO_STORAGE=memory|redis, REDIS_URL)');
    return;
  }
  console.log('starting the sim-exchange process (no automatic ticks, resting orders fill half per tick)');
  const exchange = await spawnSimExchange(['--tick-ms', '0', '--fill-fraction', '0.5']);
  let engine: Engine | undefined;
  try {
    console.log(`exchange at ${exchange.url}; starting the engine for account ${account}`);
    engine = createEngine(
      { account },
      { storage: await storage(), venues: [createSimVenue({ url: exchange.url })] },
    );
    const e = engine;
    e.events$.subscribe(({ seq, event, order }) => {
      const fill = event.type === 'ORDER_FILLED' ? ` fill ${event.fill.quantity} @ ${event.fill.price}` : '';
      console.log(
        `#${seq} ${event.type.padEnd(16)} ${event.clientOrderId.padEnd(22)} ${order.status.padEnd(16)} ${order.filledQuantity}/${order.quantity}${fill}`,
      );
    });
    let price: string | undefined;
    e.marketData$.subscribe((t) => t.symbol === 'ETH-USD' && (price = t.price));
    await e.start();
    await exchange.admin('price', { symbol: 'ETH-USD', price: '2000' });
    await until('a price', () => price === '2000');
    console.log('ETH-USD at 2000');

    const base = { account, venue: 'sim', symbol: 'ETH-USD', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC' };
    const ids: string[] = [];
    const place = async (name: string, patch: Record<string, unknown>) => {
      const clientOrderId = `${account}-${name}`;
      ids.push(clientOrderId);
      const r = await e.placeOrder({ ...base, clientOrderId, ...patch });
      if (!r.ok) console.log(`placeOrder ${clientOrderId} refused: ${r.code} ${r.reason}`);
      return clientOrderId;
    };

    console.log('\n1. a crossing limit order fills at once');
    await place('cross', { quantity: '0.5', price: '2100' });
    console.log('\n2. a resting order, canceled through the engine');
    const rest = await place('rest', { quantity: '0.2', price: '1950' });
    await until('rest NEW', () => e.getOrder(rest)?.status === 'NEW');
    await e.cancelOrder(rest);
    console.log('\n3. an IOC order away from the price expires');
    await place('ioc', { quantity: '0.2', price: '1950', timeInForce: 'IOC' });
    console.log('\n4. a resting order filled half of what remains on every tick that crosses it');
    const partial = await place('partial', { quantity: '0.1', price: '1990' });
    await until('partial NEW', () => e.getOrder(partial)?.status === 'NEW');
    for (let i = 0; i < 20 && e.getOrder(partial)?.status !== 'FILLED'; i++) {
      const before = e.getOrder(partial)?.filledQuantity;
      await exchange.admin('price', { symbol: 'ETH-USD', price: '1990' });
      await until('the next fill', () => e.getOrder(partial)?.filledQuantity !== before);
    }
    await until('every order final', () => ids.every((id) => TERMINAL.has(e.getOrder(id)?.status ?? '')));
    console.log('\nfinal:');
    for (const id of ids) {
      const o = e.getOrder(id)!;
      console.log(
        `  ${id.padEnd(22)} ${o.status.padEnd(9)} filled ${o.filledQuantity}/${o.quantity} avg ${o.averageFillPrice ?? '-'}`,
      );
    }
  } finally {
    await engine?.stop();
    await exchange.kill('SIGTERM');
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
