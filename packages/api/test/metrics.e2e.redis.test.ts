// Issue 7 acceptance through real processes: Redis, the simulated exchange, the engine process and an
// API replica; `/metrics` read over HTTP, orders placed through GraphQL.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
  type ApiChild,
  type Child,
  cleanupAccount,
  collect,
  gql,
  killAll,
  limitOrder,
  newRedis,
  newToken,
  pollUntil,
  spawnApi,
  spawnEngine,
  uniqueAccount,
  wsClient,
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
const KPI_FIELDS = `account at engineUp engineState reconnectCount commandQueueDepth
  venues { venue state connected reconnectCount }
  orders { submitted accepted rejected rejectedByReason { reason count } filled canceled open }
  ackLatency { p50Ms p99Ms samples windowMs }
  wal { lastSeq appendedEntries appendedBytes appendP99Ms }
  replay { durationMs appliedEntries skippedEntries }
  reconciliation { runs findings { kind count } }`;
const KPIS = `{ kpis { ${KPI_FIELDS} } }`;

const scrape = async (): Promise<{ text: string; families: MetricFamily[] }> => {
  const res = await fetch(`${api.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, families: parseExposition(text) };
};
type Kpi = {
  account: string;
  at: number;
  engineUp: boolean;
  engineState: string;
  reconnectCount: number;
  commandQueueDepth: number;
  venues: { venue: string; state: string; connected: boolean; reconnectCount: number }[];
  orders: { submitted: number; accepted: number; rejected: number; open: number };
  ackLatency: { p50Ms: number | null; p99Ms: number | null; samples: number; windowMs: number };
  wal: { lastSeq: number; appendedEntries: number };
};
const kpiNow = async (): Promise<Kpi> => {
  const r = await gql<{ kpis: Kpi }>(api.url, operator, KPIS);
  expect(r.body.errors).toBeUndefined();
  return r.body.data!.kpis;
};

/** A `kpis(intervalMs)` subscription over graphql-ws recording each delivery's arrival time. */
function subscribeKpis(client: ReturnType<typeof wsClient>, intervalMs: number) {
  const got: { t: number; kpi: Kpi }[] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe<{ kpis: Kpi }>(
    {
      query: `subscription($i: Int!) { kpis(intervalMs: $i) { ${KPI_FIELDS} } }`,
      variables: { i: intervalMs },
    },
    {
      next: (v) => {
        if (v.errors) errors.push(...v.errors);
        if (v.data) got.push({ t: performance.now(), kpi: v.data.kpis });
      },
      error: (e) => errors.push(e),
      complete: () => undefined,
    },
  );
  return { got, errors, dispose };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
    // The replica's own figures, as docs/operations.md lists them (section "API replica metrics").
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/operations.md', import.meta.url)), 'utf8');
    const section = doc.slice(doc.indexOf('### API replica metrics'), doc.indexOf('## KPI snapshot'));
    const documented = [...section.matchAll(/^\| `(veloz_api_[a-z_]+)`/gm)].map((m) => m[1]!);
    expect(documented.length).toBeGreaterThanOrEqual(10);
    expect(documented.filter((n) => !names.has(n))).toEqual([]);
    const check = await promtoolCheckMetrics(text);
    expect(check.ok, check.output).toBe(true);
  });

  it('order counters in /metrics and kpis match the orders placed through GraphQL', async () => {
    const before = sampleValue((await scrape()).families, 'veloz_orders_submitted_total') ?? 0;
    for (const id of ['m-1', 'm-2', 'm-3']) {
      const r = await gql<{ placeOrder: { __typename: string } }>(api.url, operator, PLACE, {
        input: limitOrder(id),
      });
      expect(r.body.data?.placeOrder.__typename).toBe('PlaceOrderSuccess');
    }
    await pollUntil(
      async () => sampleValue((await scrape()).families, 'veloz_orders_submitted_total') === before + 3,
      'submitted counter in /metrics',
    );
    // The typed snapshot counts exactly the orders placed (the engine process started with this test file).
    const k = await pollUntil(async () => {
      const x = await kpiNow();
      return x.orders.submitted === before + 3 ? x : undefined;
    }, 'submitted in kpis');
    expect(k.orders.accepted).toBe(before + 3);
    expect(k.orders.rejected).toBe(0);
    expect(k.orders.open).toBe(before + 3);
    expect(k.ackLatency.samples).toBeGreaterThanOrEqual(3);
    expect(k.ackLatency.p50Ms).toBeGreaterThan(0);
    expect(k.ackLatency.p99Ms).toBeGreaterThanOrEqual(k.ackLatency.p50Ms!);
    expect(k.wal.lastSeq).toBeGreaterThanOrEqual(3);
    expect(k).toMatchObject({ account, engineUp: true, engineState: 'READY', commandQueueDepth: 0 });
  });

  it('a venue disconnect increments the reconnect counter in /metrics and kpis', async () => {
    const before =
      sampleValue((await scrape()).families, 'veloz_reconnect_count_total', { venue: 'sim' }) ?? -1;
    expect(before).toBeGreaterThanOrEqual(0);
    const kBefore = await kpiNow();
    expect(kBefore.venues).toEqual([
      { venue: 'sim', state: 'CONNECTED', connected: true, reconnectCount: before },
    ]);
    await sim.admin('drop-connections');
    await pollUntil(
      async () =>
        sampleValue((await scrape()).families, 'veloz_reconnect_count_total', { venue: 'sim' }) ===
        before + 1,
      'reconnect counter in /metrics',
    );
    const k = await pollUntil(async () => {
      const x = await kpiNow();
      return x.venues[0]?.reconnectCount === before + 1 && x.venues[0].connected ? x : undefined;
    }, 'reconnect count in kpis');
    expect(k.reconnectCount).toBe(kBefore.reconnectCount + 1);
  });

  it('the kpis subscription delivers at the requested interval, new engine sample or not', async () => {
    const client = wsClient(api.url, operator);
    const fast = subscribeKpis(client, 300);
    const slow = subscribeKpis(client, 1000);
    try {
      // 20 deliveries at 300 ms (6 s) and, in the same time, 6 or 7 at 1 000 ms.
      await pollUntil(
        () => fast.got.length >= 21 || fast.errors.length > 0,
        '21 deliveries at 300 ms',
        20_000,
        20,
      );
      await pollUntil(
        () => slow.got.length >= 6 || slow.errors.length > 0,
        '6 deliveries at 1000 ms',
        20_000,
        20,
      );
      expect(fast.errors).toEqual([]);
      expect(slow.errors).toEqual([]);
      for (const [sub, interval] of [
        [fast, 300],
        [slow, 1000],
      ] as const) {
        const t = sub.got.map((g) => g.t);
        const gaps = t.slice(1).map((x, i) => x - t[i]!);
        const m = median(gaps);
        expect(m, `median spacing at ${interval} ms: ${gaps.map(Math.round).join(',')}`).toBeGreaterThan(
          interval * 0.65,
        );
        expect(m).toBeLessThan(interval * 1.35);
        // Count over the window: n deliveries span (n - 1) intervals, within ±35 %.
        const span = t.at(-1)! - t[0]!;
        expect(span).toBeGreaterThan((t.length - 1) * interval * 0.65);
        expect(span).toBeLessThan((t.length - 1) * interval * 1.35);
        for (const g of sub.got) expect(g.kpi).toMatchObject({ account, engineUp: true });
        console.info(
          `kpis(intervalMs: ${interval}): ${t.length} deliveries, median spacing ${m.toFixed(1)} ms, span ${span.toFixed(0)} ms`,
        );
      }
      // At 300 ms the same 1 s engine sample is delivered more than once: ticks do not wait for a new one.
      const ats = fast.got.map((g) => g.kpi.at);
      expect(new Set(ats).size).toBeLessThan(ats.length);
      expect(new Set(ats).size).toBeGreaterThan(2);
      expect(ats).toEqual([...ats].sort((a, b) => a - b));
    } finally {
      fast.dispose();
      slow.dispose();
      await client.dispose();
    }
  });

  it('kpis(intervalMs) outside 250..60000 is refused with BAD_USER_INPUT', async () => {
    const client = wsClient(api.url, operator);
    try {
      for (const i of [100, 60_001]) {
        const sub = subscribeKpis(client, i);
        await pollUntil(() => sub.errors.length > 0, `error for intervalMs ${i}`, 5_000, 20);
        expect(sub.got).toEqual([]);
        expect(JSON.stringify(sub.errors)).toMatch(/intervalMs must be between 250 and 60000/);
        expect(JSON.stringify(sub.errors)).toMatch(/BAD_USER_INPUT/);
        sub.dispose();
      }
    } finally {
      await client.dispose();
    }
  });

  it('kpiHistory returns the window oldest first, downsampled, and refuses a bad window', async () => {
    type H = { kpiHistory: { at: number; engineUp: boolean; orders: { submitted: number } }[] };
    const now = Date.now();
    const r = await gql<H>(
      api.url,
      operator,
      '{ kpiHistory(window: "1m") { at engineUp orders { submitted } } }',
    );
    expect(r.body.errors).toBeUndefined();
    const pts = r.body.data!.kpiHistory;
    // The engine has sampled once a second for more than 5 s by now.
    expect(pts.length).toBeGreaterThanOrEqual(5);
    expect(pts.length).toBeLessThanOrEqual(60);
    const ats = pts.map((p) => p.at);
    for (let i = 1; i < ats.length; i++) expect(ats[i]).toBeGreaterThan(ats[i - 1]!);
    expect(ats[0]).toBeGreaterThanOrEqual(now - 60_000 - 1_000);
    expect(ats.at(-1)).toBeLessThanOrEqual(Date.now());
    expect(pts.at(-1)!.orders.submitted).toBe((await kpiNow()).orders.submitted);
    // Fewer points: buckets of the same window, still ordered.
    const few = await gql<H>(api.url, operator, '{ kpiHistory(window: "1m", points: 3) { at } }');
    const fewAts = few.body.data!.kpiHistory.map((p) => p.at);
    expect(fewAts.length).toBeGreaterThan(0);
    expect(fewAts.length).toBeLessThanOrEqual(3);
    expect(fewAts).toEqual([...fewAts].sort((a, b) => a - b));

    for (const [q, msg] of [
      ['{ kpiHistory(window: "2h") { at } }', /KPI window "2h" is not one of 1m, 5m, 15m, 1h/],
      ['{ kpiHistory(window: "5m", points: 0) { at } }', /points must be between 1 and 600/],
    ] as const) {
      const bad = await gql<H>(api.url, operator, q);
      expect(bad.body.data?.kpiHistory ?? null).toBeNull();
      expect(bad.body.errors?.[0]?.message).toMatch(msg);
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it("the replica's own figures: /graphql requests, graphql-ws connections and subscriptions", async () => {
    const httpCount = (families: MetricFamily[]) =>
      sampleValue(families, 'veloz_http_requests_total', {
        method: 'POST',
        route: '/graphql',
        status: '200',
      }) ?? 0;
    const gauge = (families: MetricFamily[], name: string, labels: Record<string, string> = {}) =>
      sampleValue(families, name, labels) ?? 0;
    const before = (await scrape()).families;
    for (let i = 0; i < 3; i++) expect((await gql(api.url, operator, '{ health { ok } }')).status).toBe(200);
    const afterHttp = (await scrape()).families;
    expect(httpCount(afterHttp) - httpCount(before)).toBe(3);
    expect(
      sampleValue(afterHttp, 'veloz_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/graphql',
      }),
    ).toBeGreaterThanOrEqual(3);

    // orderEvents goes through the fan-out, kpis through yoga's envelop: both are counted.
    const client = wsClient(api.url, operator);
    const events = collect(client, 'subscription { orderEvents { seq } }');
    const kpis = subscribeKpis(client, 1000);
    try {
      const open = await pollUntil(async () => {
        const f = (await scrape()).families;
        const ok =
          gauge(f, 'veloz_graphql_ws_connections') === gauge(before, 'veloz_graphql_ws_connections') + 1 &&
          gauge(f, 'veloz_graphql_subscriptions', { field: 'orderEvents' }) ===
            gauge(before, 'veloz_graphql_subscriptions', { field: 'orderEvents' }) + 1 &&
          gauge(f, 'veloz_graphql_subscriptions', { field: 'kpis' }) ===
            gauge(before, 'veloz_graphql_subscriptions', { field: 'kpis' }) + 1;
        return ok ? f : undefined;
      }, 'ws connection and two subscriptions counted');
      expect(open).toBeDefined();
    } finally {
      events.dispose();
      kpis.dispose();
      await client.dispose();
    }
    await pollUntil(async () => {
      const f = (await scrape()).families;
      return (
        gauge(f, 'veloz_graphql_ws_connections') === gauge(before, 'veloz_graphql_ws_connections') &&
        gauge(f, 'veloz_graphql_subscriptions', { field: 'orderEvents' }) ===
          gauge(before, 'veloz_graphql_subscriptions', { field: 'orderEvents' }) &&
        gauge(f, 'veloz_graphql_subscriptions', { field: 'kpis' }) ===
          gauge(before, 'veloz_graphql_subscriptions', { field: 'kpis' })
      );
    }, 'gauges back after the client left');
  });

  it('SIGKILL of the engine: engineUp false in kpis (query and subscription) and veloz_engine_up 0 within 5 s', async () => {
    const client = wsClient(api.url, operator);
    const sub = subscribeKpis(client, 250);
    try {
      await pollUntil(() => sub.got.length > 0 || sub.errors.length > 0, 'first delivery', 5_000, 20);
      expect(sub.got[0]!.kpi.engineUp).toBe(true);
      const before = await kpiNow();
      await engine.kill('SIGKILL');
      const t0 = performance.now();
      const [q] = await Promise.all([
        pollUntil(
          async () => {
            const k = await kpiNow();
            return k.engineUp ? undefined : { k, ms: performance.now() - t0 };
          },
          'kpis.engineUp false',
          5_000,
          100,
        ),
        pollUntil(
          async () => sampleValue((await scrape()).families, 'veloz_engine_up') === 0,
          'veloz_engine_up 0',
          5_000,
          100,
        ),
        pollUntil(
          () => sub.got.some((g) => g.t > t0 && !g.kpi.engineUp),
          'engineUp false delivered',
          5_000,
          20,
        ),
      ]);
      expect(q.ms).toBeLessThan(5_000);
      const down = sub.got.find((g) => g.t > t0 && !g.kpi.engineUp)!;
      expect(down.t - t0).toBeLessThan(5_000);
      console.info(
        `engine SIGKILL: kpis query engineUp false after ${q.ms.toFixed(0)} ms, subscription after ${(down.t - t0).toFixed(0)} ms`,
      );
      // The last known counters stay; the engine and its venues show as down.
      expect(q.k).toMatchObject({ engineUp: false, engineState: 'DOWN' });
      expect(q.k.orders.submitted).toBe(before.orders.submitted);
      expect(q.k.venues).toEqual([
        {
          venue: 'sim',
          state: 'UNKNOWN',
          connected: false,
          reconnectCount: before.venues[0]!.reconnectCount,
        },
      ]);
      expect(sub.errors).toEqual([]);
    } finally {
      sub.dispose();
      await client.dispose();
    }
  });
});
