// Issue 7 acceptance through real processes: Redis, the simulated exchange, the engine process and an
// API replica; `/metrics` read over HTTP, orders placed through GraphQL.
import {
  ALL_METRICS,
  parseExposition,
  promtoolCheckMetrics,
  sampleValue,
  type MetricFamily,
} from '@veloz/metrics';
import { spawnSimExchange, type SpawnedSimExchange } from '@veloz/venue-sim';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupAccount,
  gql,
  killAll,
  newRedis,
  newToken,
  pollUntil,
  spawnApi,
  spawnEngine,
  uniqueAccount,
  type ApiChild,
  type Child,
} from './support';

const account = uniqueAccount('metrics');
const operator = newToken();
let redis: Redis;
let sim: SpawnedSimExchange;
let engine: Child;
let api: ApiChild;

const PLACE = `mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { __typename ... on Error { code message } }
}`;
const KPIS = `{ kpis(last: 1) { at data } }`;

const scrape = async (): Promise<{ text: string; families: MetricFamily[] }> => {
  const res = await fetch(`${api.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, families: parseExposition(text) };
};
type KpiData = {
  orders: { submitted: number };
  venues: Record<string, { reconnectCount: number }>;
};
const lastKpi = async (): Promise<KpiData | undefined> => {
  const r = await gql<{ kpis: { at: number; data: KpiData }[] }>(api.url, operator, KPIS);
  return r.body.data?.kpis[0]?.data;
};

beforeAll(async () => {
  redis = newRedis();
  sim = await spawnSimExchange(['--tick-ms', '0']);
  engine = await spawnEngine({
    VELOZ_ACCOUNT: account,
    VELOZ_SIM_URL: sim.url,
    VELOZ_RISK_PRICE_BAND_BPS: '0',
    VELOZ_LEASE_TTL_MS: '1000',
  });
  api = await spawnApi({
    VELOZ_ACCOUNT: account,
    VELOZ_ENV: 'production',
    VELOZ_API_TOKENS: `ops:operator:${operator}`,
    VELOZ_API_COMMAND_TIMEOUT_MS: '3000',
  });
  await pollUntil(
    async () => sampleValue((await scrape()).families, 'veloz_engine_up') === 1,
    'engine up in /metrics',
  );
});

afterAll(async () => {
  await killAll();
  await sim?.kill();
  if (redis) {
    await cleanupAccount(redis, account);
    redis.disconnect();
  }
});

describe('metrics through the real processes', () => {
  it('GET /metrics parses, passes promtool and carries every catalogued metric', async () => {
    const { text, families } = await scrape();
    const names = new Set(families.map((f) => f.name));
    const missing = ALL_METRICS.map((d) => d.name).filter((n) => !names.has(n));
    expect(missing).toEqual([]);
    const check = await promtoolCheckMetrics(text);
    expect(check.ok, check.output).toBe(true);
  });

  it('order counters in /metrics and kpis match the orders placed through GraphQL', async () => {
    const before = sampleValue((await scrape()).families, 'veloz_orders_submitted_total') ?? 0;
    for (const id of ['m-1', 'm-2', 'm-3']) {
      const r = await gql<{ placeOrder: { __typename: string } }>(api.url, operator, PLACE, {
        input: {
          clientOrderId: id,
          venue: 'sim',
          symbol: 'BTC-USD',
          side: 'BUY',
          type: 'LIMIT',
          quantity: '0.01',
          price: '29000',
        },
      });
      expect(r.body.data?.placeOrder.__typename).toBe('PlaceOrderSuccess');
    }
    await pollUntil(
      async () => sampleValue((await scrape()).families, 'veloz_orders_submitted_total') === before + 3,
      'submitted counter in /metrics',
    );
    await pollUntil(async () => (await lastKpi())?.orders.submitted === before + 3, 'submitted in kpis');
  });

  it('a venue disconnect increments the reconnect counter in /metrics and kpis', async () => {
    const before =
      sampleValue((await scrape()).families, 'veloz_reconnect_count_total', { venue: 'sim' }) ?? -1;
    expect(before).toBeGreaterThanOrEqual(0);
    await sim.admin('drop-connections');
    await pollUntil(
      async () =>
        sampleValue((await scrape()).families, 'veloz_reconnect_count_total', { venue: 'sim' }) ===
        before + 1,
      'reconnect counter in /metrics',
    );
    await pollUntil(
      async () => (await lastKpi())?.venues.sim?.reconnectCount === before + 1,
      'reconnect count in kpis',
    );
  });

  it('SIGKILL of the engine makes veloz_engine_up fall to 0 within 5 s', async () => {
    await engine.kill('SIGKILL');
    const t0 = Date.now();
    await pollUntil(
      async () => sampleValue((await scrape()).families, 'veloz_engine_up') === 0,
      'veloz_engine_up 0',
      5_000,
      100,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
