// API benchmark with real processes (Redis, sim exchange, engine, one API replica):
//  - placeOrder round trip (HTTP → command → engine → WAL → projection → answer), sequential
//  - read throughput of a paginated `orders` query, 16 concurrent clients
//  - orderEvents delivery: WAL append time → graphql-ws subscriber
// Usage: npm run bench -w @veloz/api  (BENCH_ORDERS, default 300; BENCH_READ_MS, default 3000)
import { spawnSimExchange } from '@veloz/venue-sim';
import {
  cleanupAccount,
  collect,
  gql,
  killAll,
  newRedis,
  newToken,
  spawnApi,
  spawnEngine,
  uniqueAccount,
  wsClient,
} from '../test/support';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 300);
const READ_MS = Number(process.env.BENCH_READ_MS ?? 3000);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(2)} ms, p90 ${pct(xs, 90).toFixed(2)} ms, p99 ${pct(xs, 99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms`;

async function main() {
  const account = uniqueAccount('bench');
  const token = newToken();
  const redis = newRedis();
  const sim = await spawnSimExchange(['--tick-ms', '0']);
  try {
    await spawnEngine({
      VELOZ_ACCOUNT: account,
      VELOZ_SIM_URL: sim.url,
      VELOZ_RISK_PRICE_BAND_BPS: '0',
      VELOZ_RISK_MAX_ORDERS_PER_SECOND: '100000',
      VELOZ_RISK_MAX_OPEN_ORDERS: '100000',
      VELOZ_RECON_ENABLED: 'false',
    });
    const api = await spawnApi({
      VELOZ_ACCOUNT: account,
      VELOZ_ENV: 'production',
      VELOZ_API_TOKENS: `bench:operator:${token}`,
    });

    const ws = wsClient(api.url, token);
    const events = collect<{ orderEvents: { seq: number; walTs: number } }>(
      ws,
      'subscription { orderEvents { seq walTs } }',
    );
    await collect(ws, '{ health { ok } }').until((i) => i.length === 1, 'ws ready');
    const received: number[] = [];
    const seenAt = new Map<number, number>();
    const poll = setInterval(() => {
      for (const e of events.items.splice(0)) seenAt.set(e.orderEvents.seq, Date.now() - e.orderEvents.walTs);
    }, 1);

    const placeMs: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < ORDERS; i++) {
      const start = performance.now();
      const r = await gql<{ placeOrder: { __typename: string } }>(
        api.url,
        token,
        'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { __typename } }',
        {
          i: {
            clientOrderId: `b-${i}`,
            venue: 'sim',
            symbol: 'BTC-USD',
            side: 'BUY',
            type: 'LIMIT',
            quantity: '0.01',
            price: '20000',
          },
        },
      );
      placeMs.push(performance.now() - start);
      if (r.body.data?.placeOrder.__typename !== 'PlaceOrderSuccess') throw new Error(JSON.stringify(r.body));
    }
    const placeRate = (ORDERS / (Date.now() - t0)) * 1000;
    clearInterval(poll);
    for (const e of events.items.splice(0)) seenAt.set(e.orderEvents.seq, Date.now() - e.orderEvents.walTs);
    received.push(...seenAt.values());

    let reads = 0;
    const readMs: number[] = [];
    const until = Date.now() + READ_MS;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < until) {
          const s = performance.now();
          const r = await gql(
            api.url,
            token,
            '{ orders(first: 50, status: [NEW]) { totalCount edges { node { clientOrderId status price } } } }',
          );
          readMs.push(performance.now() - s);
          if (r.status !== 200) throw new Error(`read ${r.status}`);
          reads++;
        }
      }),
    );

    console.log(
      `placeOrder round trip (${ORDERS} sequential): ${fmt(placeMs)}; ${placeRate.toFixed(0)} orders/s`,
    );
    console.log(
      `orders query (16 clients, ${READ_MS} ms, ${ORDERS} orders in book): ${((reads / READ_MS) * 1000).toFixed(0)} req/s; ${fmt(readMs)}`,
    );
    console.log(`orderEvents WAL→subscriber (${received.length} events): ${fmt(received)}`);
    events.dispose();
    await ws.dispose();
  } finally {
    await killAll();
    await sim.kill();
    redis.disconnect();
    const r2 = newRedis();
    await cleanupAccount(r2, account);
    r2.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
