// End to end: Redis, the simulated exchange, the engine and two API replicas as real processes; a real
// HTTP client and a real graphql-ws client.
import { spawnSync } from 'node:child_process';
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

const account = uniqueAccount('e2e');
const operator = newToken();
const viewer = newToken();
let redis: Redis;
let sim: SpawnedSimExchange;
let engine: Child;
let apiA: ApiChild;
let apiB: ApiChild;
let engineEnv: Record<string, string>;

const ORDER_FIELDS =
  'clientOrderId status quantity price filledQuantity averageFillPrice seq venue symbol side';
const PLACE = `mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    __typename
    ... on PlaceOrderSuccess { existing order { ${ORDER_FIELDS} } }
    ... on Error { code message }
    ... on ValidationError { field }
    ... on RejectedError { rejectCode reason }
    ... on EngineUnavailableError { commandId }
  }
}`;
const CANCEL = `mutation($id: String!) {
  cancelOrder(clientOrderId: $id) {
    __typename
    ... on CancelOrderSuccess { order { ${ORDER_FIELDS} } }
    ... on Error { code message }
  }
}`;
const EVENTS_SUB = `subscription($after: Int, $id: String) {
  orderEvents(after: $after, clientOrderId: $id) { seq type clientOrderId order { status filledQuantity } }
}`;

type Placed = { placeOrder: Record<string, unknown> & { order?: Record<string, unknown> } };
const place = (url: string, token: string, input: Record<string, unknown>) =>
  gql<Placed>(url, token, PLACE, { input });
const health = async (url: string) => {
  const res = await fetch(`${url}/api/health`);
  type Health = {
    ok: boolean;
    engine: { connected: boolean };
    redis: { connected: boolean };
    venues: { name: string; state: string; reconnectCount: number }[];
  };
  return { status: res.status, body: (await res.json()) as Health };
};

beforeAll(async () => {
  redis = newRedis();
  sim = await spawnSimExchange(['--tick-ms', '0']);
  engineEnv = {
    VELOZ_ACCOUNT: account,
    VELOZ_SIM_URL: sim.url,
    VELOZ_RISK_PRICE_BAND_BPS: '0',
    VELOZ_RISK_MAX_ORDER_QTY: '5',
    VELOZ_LEASE_TTL_MS: '1000',
    VELOZ_RECON_ENABLED: 'true',
    VELOZ_RECON_INTERVAL_MS: '600000',
  };
  engine = await spawnEngine(engineEnv);
  const apiEnv = {
    VELOZ_ACCOUNT: account,
    VELOZ_ENV: 'production',
    VELOZ_API_TOKENS: `ops:operator:${operator},watch:viewer:${viewer}`,
    VELOZ_API_COMMAND_TIMEOUT_MS: '2000',
    VELOZ_API_BODY_LIMIT_BYTES: '4096',
    VELOZ_API_MAX_TOKENS: '500',
  };
  [apiA, apiB] = await Promise.all([spawnApi(apiEnv), spawnApi(apiEnv)]);
  await pollUntil(
    async () => (await health(apiA.url)).body.engine.connected === true,
    'engine connected (A)',
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

describe('authentication and roles', () => {
  it('401 without or with a bad token; public health endpoints reveal no secrets', async () => {
    expect((await gql(apiA.url, undefined, '{ health { ok } }')).status).toBe(401);
    expect((await gql(apiA.url, 'not-a-token-at-all', '{ health { ok } }')).status).toBe(401);
    const get = await fetch(`${apiA.url}/graphql?query=${encodeURIComponent('{ health { ok } }')}`);
    expect(get.status).toBe(401);
    const h = await health(apiA.url);
    expect(h.status).toBe(200);
    const text = JSON.stringify(h.body);
    expect(text).not.toContain(operator);
    expect(text).not.toContain('redis://');
    expect((await fetch(`${apiA.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${apiA.url}/readyz`)).status).toBe(200);
  });

  it('answers queries sent as GET (urql), but not mutations', async () => {
    const q = encodeURIComponent('{ health { engineConnected } }');
    const get = await fetch(`${apiA.url}/graphql?query=${q}`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { health: { engineConnected: true } } });
    const m = encodeURIComponent('mutation { cancelOrder(clientOrderId: "x") { __typename } }');
    const getMutation = await fetch(`${apiA.url}/graphql?query=${m}`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(getMutation.status).toBe(405);
  });

  it('a viewer reads and subscribes but gets a typed FORBIDDEN from mutations', async () => {
    const q = await gql<{ orders: { totalCount: number } }>(apiA.url, viewer, '{ orders { totalCount } }');
    expect(q.status).toBe(200);
    expect(q.body.data?.orders.totalCount).toBeGreaterThanOrEqual(0);
    const m = await place(apiA.url, viewer, limitOrder('viewer-1'));
    expect(m.body.data?.placeOrder).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const c = await gql<{ cancelOrder: unknown }>(apiA.url, viewer, CANCEL, { id: 'whatever' });
    expect(c.body.data?.cancelOrder).toMatchObject({ __typename: 'ForbiddenError' });
    const r = await gql<{ runReconciliation: unknown }>(
      apiA.url,
      viewer,
      'mutation { runReconciliation { __typename ... on Error { code } } }',
    );
    expect(r.body.data?.runReconciliation).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    // Nothing reached the engine.
    expect(await redis.xlen(`veloz:{${account}}:commands`)).toBe(0);
  });

  it('graphql-ws needs connectionParams.authToken', async () => {
    const anon = wsClient(apiA.url, undefined);
    const sub = collect(anon, '{ health { ok } }');
    await pollUntil(() => sub.done, 'anonymous socket closed');
    expect(JSON.stringify(sub.errors)).toMatch(/4403|Forbidden/);
    await anon.dispose();
    const ok = wsClient(apiA.url, viewer);
    const s2 = collect<{ health: { ok: boolean } }>(ok, '{ health { ok } }');
    await s2.until((i) => i.length === 1, 'query over ws');
    await ok.dispose();
  });
});

describe('metrics', () => {
  it('GET /metrics is Prometheus text, clean under promtool, with the engine and API families', async () => {
    const res = await fetch(`${apiA.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^veloz_reconnect_count_total\{[^}]*venue="sim"[^}]*\} \d+$/m);
    expect(text).toMatch(/^veloz_api_engine_connected\{[^}]*\} 1$/m);
    expect(text).not.toContain(operator);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });
});

describe('bad input', () => {
  it('answers every class of bad input without reaching the engine', async () => {
    const before = await redis.xlen(`veloz:{${account}}:commands`);
    const neg = await place(apiA.url, operator, limitOrder('bad-qty', { quantity: '-1' }));
    expect(neg.body.data?.placeOrder).toMatchObject({ __typename: 'ValidationError', field: 'quantity' });
    const noPrice = await place(apiA.url, operator, limitOrder('bad-price', { price: null }));
    expect(noPrice.body.data?.placeOrder).toMatchObject({ __typename: 'ValidationError', field: 'price' });
    const badId = await place(apiA.url, operator, limitOrder('bad id with spaces'));
    expect(badId.body.data?.placeOrder).toMatchObject({
      __typename: 'ValidationError',
      field: 'clientOrderId',
    });
    const mkt = await place(
      apiA.url,
      operator,
      limitOrder('bad-mkt', { type: 'MARKET', timeInForce: 'GTC', price: null }),
    );
    expect(mkt.body.data?.placeOrder).toMatchObject({ __typename: 'ValidationError', field: 'timeInForce' });
    expect(await redis.xlen(`veloz:{${account}}:commands`)).toBe(before);

    // GraphQL-level: syntax, unknown field, wrong enum.
    const syntax = await gql(apiA.url, operator, '{ orders { ');
    expect(syntax.body.data).toBeUndefined();
    expect(syntax.body.errors?.[0]?.message).toMatch(/Syntax Error/);
    const unknown = await gql(apiA.url, operator, '{ nope }');
    expect(unknown.body.data).toBeUndefined();
    expect(unknown.body.errors?.[0]?.message).toMatch(/Cannot query field "nope"/);
    const badEnum = await place(apiA.url, operator, limitOrder('bad-enum', { side: 'SIDEWAYS' }));
    expect(badEnum.body.errors?.length).toBeGreaterThan(0);

    // Limits: depth, aliases, tokens, body size.
    const nest = (n: number): string => (n === 0 ? 'seq' : `events { order { ${nest(n - 1)} } }`);
    const deep = await gql(apiA.url, operator, `{ order(clientOrderId: "x") { ${nest(6)} } }`);
    expect(deep.body.errors?.[0]?.message).toMatch(/depth/i);
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: health { ok }`).join(' ');
    expect((await gql(apiA.url, operator, `{ ${aliases} }`)).body.errors?.[0]?.message).toMatch(/alias/i);
    const big = await fetch(`${apiA.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ query: `{ health { ok } } # ${'x'.repeat(5000)}` }),
    });
    expect(big.status).toBe(413);
    const tokens = Array.from({ length: 600 }, () => 'ok').join(' ');
    expect((await gql(apiA.url, operator, `{ health { ${tokens} } }`)).body.errors?.[0]?.message).toMatch(
      /token/i,
    );
  });
});

describe('orders', () => {
  it('places, follows to FILLED over a subscription, and cancels; retries are idempotent', async () => {
    const ws = wsClient(apiA.url, viewer);
    const events = collect<{ orderEvents: { seq: number; type: string; clientOrderId: string } }>(
      ws,
      EVENTS_SUB,
      {
        id: 'ord-fill',
      },
    );
    // The subscription is live once the socket is acknowledged; a query over the same socket proves it.
    await collect(ws, '{ health { ok } }').until((i) => i.length === 1, 'ws ready');

    const placed = await place(apiA.url, operator, limitOrder('ord-fill'));
    expect(placed.body.data?.placeOrder).toMatchObject({
      __typename: 'PlaceOrderSuccess',
      existing: false,
      order: { clientOrderId: 'ord-fill', status: 'NEW', quantity: '0.01', price: '29000' },
    });
    // Read-your-writes on the replica that answered.
    const read = await gql<{ order: { status: string } }>(
      apiA.url,
      viewer,
      '{ order(clientOrderId: "ord-fill") { status } }',
    );
    expect(read.body.data?.order.status).toBe('NEW');

    await sim.admin('fill', { clientOrderId: 'ord-fill' });
    await events.until((i) => i.some((e) => e.orderEvents.type === 'ORDER_FILLED'), 'FILLED event');
    const types = events.items.map((e) => e.orderEvents.type);
    expect(types).toEqual(['ORDER_SUBMITTED', 'ORDER_ACCEPTED', 'ORDER_FILLED']);
    const seqs = events.items.map((e) => e.orderEvents.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);

    const history = await gql<{
      order: { status: string; filledQuantity: string; events: { seq: number; type: string }[] };
    }>(
      apiA.url,
      viewer,
      '{ order(clientOrderId: "ord-fill") { status filledQuantity events { seq type } } }',
    );
    expect(history.body.data?.order).toMatchObject({ status: 'FILLED', filledQuantity: '0.01' });
    expect(history.body.data?.order.events.map((e) => e.seq)).toEqual(seqs);

    // Retry with the same client order id: the same order, nothing new.
    const retry = await place(apiA.url, operator, limitOrder('ord-fill'));
    expect(retry.body.data?.placeOrder).toMatchObject({ existing: true, order: { status: 'FILLED' } });
    // A filled order cannot be canceled.
    const cf = await gql<{ cancelOrder: unknown }>(apiA.url, operator, CANCEL, { id: 'ord-fill' });
    expect(cf.body.data?.cancelOrder).toMatchObject({ __typename: 'NotAllowedError', code: 'NOT_ALLOWED' });
    events.dispose();
    await ws.dispose();

    // Resting order, canceled.
    const rest = await place(apiA.url, operator, limitOrder('ord-cancel', { timeInForce: null }));
    expect(rest.body.data?.placeOrder).toMatchObject({ order: { status: 'NEW' } });
    const canceled = await gql<{ cancelOrder: { order: { status: string } } }>(apiA.url, operator, CANCEL, {
      id: 'ord-cancel',
    });
    expect(canceled.body.data?.cancelOrder).toMatchObject({ __typename: 'CancelOrderSuccess' });
    expect(['PENDING_CANCEL', 'CANCELED']).toContain(canceled.body.data?.cancelOrder.order.status);
    await pollUntil(async () => {
      const r = await gql<{ order: { status: string } }>(
        apiA.url,
        viewer,
        '{ order(clientOrderId: "ord-cancel") { status } }',
      );
      return r.body.data?.order.status === 'CANCELED';
    }, 'ord-cancel CANCELED');

    const nf = await gql<{ cancelOrder: unknown }>(apiA.url, operator, CANCEL, { id: 'no-such-order' });
    expect(nf.body.data?.cancelOrder).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });

    // Risk rejection with its reason.
    const big = await place(apiA.url, operator, limitOrder('ord-big', { quantity: '10' }));
    expect(big.body.data?.placeOrder).toMatchObject({
      __typename: 'RejectedError',
      rejectCode: 'MAX_QUANTITY',
    });
    expect(String((big.body.data?.placeOrder as { reason: string }).reason)).toMatch(/quantity/i);
  });

  it('ack JOURNALED answers PENDING_NEW once journaled; the order then reaches NEW and FILLED', async () => {
    const PLACE_JOURNALED = `mutation($input: PlaceOrderInput!) {
      placeOrder(input: $input, ack: JOURNALED) {
        __typename
        ... on PlaceOrderSuccess { existing order { ${ORDER_FIELDS} } }
        ... on Error { code message }
        ... on RejectedError { rejectCode reason }
      }
    }`;
    const ws = wsClient(apiA.url, operator);
    const events = collect<{ orderEvents: { seq: number; type: string; order: { status: string } } }>(
      ws,
      EVENTS_SUB,
      { id: 'ord-journaled' },
    );
    await collect(ws, '{ health { ok } }').until((i) => i.length === 1, 'ws ready');

    // Over graphql-ws, the transport of the benchmark's acceptance rows.
    const placed = collect<Placed>(ws, PLACE_JOURNALED, { input: limitOrder('ord-journaled') });
    await placed.until((i) => i.length === 1, 'placeOrder answer');
    const answer = placed.items[0]!.placeOrder;
    expect(answer).toMatchObject({
      __typename: 'PlaceOrderSuccess',
      existing: false,
      order: { clientOrderId: 'ord-journaled', quantity: '0.01' },
    });
    // PENDING_NEW, or NEW when the venue's ack was applied by this replica before it answered.
    expect(['PENDING_NEW', 'NEW']).toContain(answer.order!.status);
    // Read-your-writes: the replica that answered has the order at least at the answered seq.
    const read = await gql<{ order: { status: string; seq: number } }>(
      apiA.url,
      viewer,
      '{ order(clientOrderId: "ord-journaled") { status seq } }',
    );
    expect(read.body.data?.order.seq).toBeGreaterThanOrEqual(answer.order!.seq as number);
    await pollUntil(async () => {
      const r = await gql<{ order: { status: string } }>(
        apiA.url,
        viewer,
        '{ order(clientOrderId: "ord-journaled") { status } }',
      );
      return r.body.data?.order.status === 'NEW';
    }, 'ord-journaled NEW');
    await sim.admin('fill', { clientOrderId: 'ord-journaled' });
    await events.until((i) => i.some((e) => e.orderEvents.type === 'ORDER_FILLED'), 'FILLED event');
    expect(events.items.map((e) => [e.orderEvents.type, e.orderEvents.order.status])).toEqual([
      ['ORDER_SUBMITTED', 'PENDING_NEW'],
      ['ORDER_ACCEPTED', 'NEW'],
      ['ORDER_FILLED', 'FILLED'],
    ]);
    events.dispose();
    await ws.dispose();

    // Retries are idempotent whatever the ack; rejections before the venue are answered as with VENUE.
    const retry = await gql<Placed>(apiA.url, operator, PLACE_JOURNALED, {
      input: limitOrder('ord-journaled'),
    });
    expect(retry.body.data?.placeOrder).toMatchObject({ existing: true, order: { status: 'FILLED' } });
    const big = await gql<Placed>(apiA.url, operator, PLACE_JOURNALED, {
      input: limitOrder('ord-journaled-big', { quantity: '10' }),
    });
    expect(big.body.data?.placeOrder).toMatchObject({
      __typename: 'RejectedError',
      rejectCode: 'MAX_QUANTITY',
    });

    // A cancel sent right after the JOURNALED answer: the engine lets the venue see the order first.
    const rest = await gql<Placed>(apiA.url, operator, PLACE_JOURNALED, {
      input: limitOrder('ord-journaled-c'),
    });
    expect(rest.body.data?.placeOrder).toMatchObject({ __typename: 'PlaceOrderSuccess' });
    const canceled = await gql<{ cancelOrder: { order: { status: string } } }>(apiA.url, operator, CANCEL, {
      id: 'ord-journaled-c',
    });
    expect(canceled.body.data?.cancelOrder).toMatchObject({ __typename: 'CancelOrderSuccess' });
    await pollUntil(async () => {
      const r = await gql<{ order: { status: string; events: { type: string }[] } }>(
        apiA.url,
        viewer,
        '{ order(clientOrderId: "ord-journaled-c") { status events { type } } }',
      );
      return r.body.data?.order.status === 'CANCELED';
    }, 'ord-journaled-c CANCELED');
  });

  it('filters and paginates orders; two replicas give the same answers', async () => {
    for (const [i, side] of (['BUY', 'SELL', 'BUY'] as const).entries())
      expect(
        (
          await place(
            apiA.url,
            operator,
            limitOrder(`page-${i}`, { side, price: side === 'BUY' ? '29000' : '31000' }),
          )
        ).body.data?.placeOrder,
      ).toMatchObject({ __typename: 'PlaceOrderSuccess' });
    const query = `query($after: String) { orders(first: 2, after: $after, status: [NEW], side: BUY) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { clientOrderId status side } } } }`;
    type Page = {
      orders: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string };
        edges: { node: { clientOrderId: string; side: string } }[];
      };
    };
    const p1 = await gql<Page>(apiA.url, viewer, query);
    const o = p1.body.data!.orders;
    expect(o.totalCount).toBe(2);
    expect(o.edges.map((e) => e.node.clientOrderId)).toEqual(['page-2', 'page-0']);
    expect(o.pageInfo.hasNextPage).toBe(false);
    const p2 = await gql<Page>(
      apiA.url,
      viewer,
      `query { orders(first: 1, side: BUY, status: [NEW]) { totalCount pageInfo { hasNextPage endCursor } edges { node { clientOrderId status side } } } }`,
    );
    expect(p2.body.data!.orders.pageInfo.hasNextPage).toBe(true);
    const p3 = await gql<Page>(apiA.url, viewer, query, { after: p2.body.data!.orders.pageInfo.endCursor });
    expect(p3.body.data!.orders.edges.map((e) => e.node.clientOrderId)).toEqual(['page-0']);

    // Replica B (never asked to write) converges to the same book.
    const all =
      '{ wal { appliedSeq } orders(first: 500) { totalCount edges { node { clientOrderId status filledQuantity seq } } } }';
    type All = { wal: { appliedSeq: number }; orders: unknown };
    const a = await gql<All>(apiA.url, viewer, all);
    const b = await pollUntil(async () => {
      const r = await gql<All>(apiB.url, viewer, all);
      return r.body.data?.wal.appliedSeq === a.body.data?.wal.appliedSeq ? r : undefined;
    }, 'replica B at the same seq');
    expect(b.body.data?.orders).toEqual(a.body.data?.orders);
  });

  it('a subscriber that disconnects and resumes from its cursor misses nothing', async () => {
    const first = wsClient(apiB.url, viewer);
    const s1 = collect<{ orderEvents: { seq: number; type: string; clientOrderId: string } }>(
      first,
      EVENTS_SUB,
      {},
    );
    await collect(first, '{ health { ok } }').until((i) => i.length === 1, 'ws ready');
    expect((await place(apiA.url, operator, limitOrder('resume-1'))).body.data?.placeOrder).toMatchObject({
      __typename: 'PlaceOrderSuccess',
    });
    await s1.until(
      (i) =>
        i.some((e) => e.orderEvents.clientOrderId === 'resume-1' && e.orderEvents.type === 'ORDER_ACCEPTED'),
      'resume-1 accepted',
    );
    const cursor = s1.items.at(-1)!.orderEvents.seq;
    s1.dispose();
    await first.dispose();

    // While disconnected: more events.
    await sim.admin('fill', { clientOrderId: 'resume-1' });
    expect((await place(apiA.url, operator, limitOrder('resume-2'))).body.data?.placeOrder).toMatchObject({
      __typename: 'PlaceOrderSuccess',
    });
    expect((await gql(apiA.url, operator, CANCEL, { id: 'resume-2' })).body.data).toBeDefined();
    await pollUntil(async () => {
      const r = await gql<{ order: { status: string } }>(
        apiB.url,
        viewer,
        '{ order(clientOrderId: "resume-2") { status } }',
      );
      return r.body.data?.order.status === 'CANCELED';
    }, 'resume-2 canceled on B');

    const second = wsClient(apiB.url, viewer);
    const s2 = collect<{ orderEvents: { seq: number; type: string; clientOrderId: string } }>(
      second,
      EVENTS_SUB,
      { after: cursor },
    );
    const expected = [
      ['resume-1', 'ORDER_FILLED'],
      ['resume-2', 'ORDER_SUBMITTED'],
      ['resume-2', 'ORDER_ACCEPTED'],
      ['resume-2', 'CANCEL_REQUESTED'],
      ['resume-2', 'ORDER_CANCELED'],
    ];
    await s2.until((i) => i.length >= expected.length, 'resumed events');
    expect(s2.items.map((e) => [e.orderEvents.clientOrderId, e.orderEvents.type])).toEqual(expected);
    const seqs = s2.items.map((e) => e.orderEvents.seq);
    expect(seqs[0]).toBeGreaterThan(cursor);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    s2.dispose();
    await second.dispose();
  });
});

describe('kpis and reconciliation', () => {
  it('serves the typed KPI snapshot as a query and as a subscription', async () => {
    type Kpis = { kpis: { account: string; at: number; engineUp: boolean } };
    const q = await pollUntil(async () => {
      const r = await gql<Kpis>(apiA.url, viewer, '{ kpis { account at engineUp } }');
      return r.body.data?.kpis.engineUp ? r : undefined;
    }, 'KPI snapshot');
    expect(q.body.data!.kpis.account).toBe(account);
    const ws = wsClient(apiA.url, viewer);
    const sub = collect<{ kpis: { account: string; at: number } }>(
      ws,
      'subscription { kpis(intervalMs: 1000) { account at } }',
    );
    // A new engine sample once a second: the third delivery carries a newer one than the first.
    await sub.until((i) => i.length >= 3, 'three KPI deliveries', 10_000);
    expect(sub.items[2]!.kpis.account).toBe(account);
    expect(sub.items[2]!.kpis.at).toBeGreaterThan(sub.items[0]!.kpis.at);
    sub.dispose();
    await ws.dispose();
  });

  it('runReconciliation answers with its report, streamed by reconciliationEvents and listed by reconciliationReports', async () => {
    const ws = wsClient(apiB.url, viewer);
    const since = Date.now();
    const events = collect<{ reconciliationEvents: { id: string; reason: string; status: string } }>(
      ws,
      'subscription($after: Float) { reconciliationEvents(after: $after) { id reason status } }',
      { after: since },
    );
    const run = await gql<{
      runReconciliation: {
        __typename: string;
        message: string;
        report: { id: string; status: string; reason: string } | null;
      };
    }>(
      apiA.url,
      operator,
      'mutation { runReconciliation(venue: "sim") { __typename ... on RunReconciliationSuccess { message report { id status reason } } ... on Error { code message } } }',
    );
    expect(run.body.data?.runReconciliation).toMatchObject({
      __typename: 'RunReconciliationSuccess',
      report: { status: 'completed', reason: 'on-demand' },
    });
    const id = run.body.data!.runReconciliation.report!.id;
    await events.until((i) => i.some((e) => e.reconciliationEvents.id === id), 'report streamed', 10_000);
    const list = await gql<{ reconciliationReports: { id: string }[] }>(
      apiB.url,
      viewer,
      '{ reconciliationReports(limit: 5) { id reason status orphaned missing corrected unresolved findings { kind } } }',
    );
    expect(list.body.data?.reconciliationReports.map((r) => r.id)).toContain(id);
    events.dispose();
    await ws.dispose();
  });
});

describe('engine and venue outages', () => {
  it('a venue disconnect shows RECONNECTING and the reconnect count rises', async () => {
    const before = (await health(apiA.url)).body.venues.find((v) => v.name === 'sim')!;
    expect(before).toMatchObject({ state: 'CONNECTED' });
    const sub = collect<{
      engineStatus: { venues: { name: string; state: string; reconnectCount: number }[] };
    }>(
      wsClient(apiA.url, viewer),
      'subscription { engineStatus { connected venues { name state reconnectCount } } }',
    );
    await sim.admin('refuse-connections', { seconds: 2 });
    await sub.until(
      (i) => i.some((e) => e.engineStatus.venues.some((v) => v.state === 'RECONNECTING')),
      'RECONNECTING',
      15_000,
    );
    const h = await pollUntil(
      async () => {
        const r = await health(apiA.url);
        const v = r.body.venues.find((x) => x.name === 'sim')!;
        return v.state === 'CONNECTED' && v.reconnectCount > before.reconnectCount ? r : undefined;
      },
      'reconnected with a higher count',
      20_000,
    );
    expect(h.status).toBe(200);
    // The other replica sees the same venue state from the heartbeat (within a poll period or two).
    await pollUntil(async () => {
      const q = await gql<{ venues: { name: string; state: string; reconnectCount: number }[] }>(
        apiB.url,
        viewer,
        '{ venues { name state reconnectCount lastConnectedAt lastError } }',
      );
      const v = q.body.data?.venues.find((x) => x.name === 'sim');
      return v !== undefined && v.state === 'CONNECTED' && v.reconnectCount > before.reconnectCount;
    }, 'replica B sees the reconnect');
    sub.dispose();
  });

  it('engine killed: health says so within 5 s, reads keep answering, mutations say ENGINE_UNAVAILABLE, restart recovers', async () => {
    await engine.kill('SIGKILL');
    const killedAt = Date.now();
    const down = await pollUntil(
      async () => {
        const r = await health(apiA.url);
        return r.body.engine.connected === false ? r : undefined;
      },
      'engine.connected false',
      5_000,
    );
    await pollUntil(
      async () => (await health(apiB.url)).body.engine.connected === false,
      'B: engine.connected false',
      5_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(down.status).toBe(503);
    expect(down.body.redis.connected).toBe(true);

    const read = await gql<{ order: { status: string }; engine: { connected: boolean } }>(
      apiB.url,
      viewer,
      '{ order(clientOrderId: "ord-fill") { status } engine { connected } }',
    );
    expect(read.body.data).toEqual({ order: { status: 'FILLED' }, engine: { connected: false } });

    const t0 = Date.now();
    const unavailable = await place(apiA.url, operator, limitOrder('while-down'));
    expect(unavailable.body.data?.placeOrder).toMatchObject({
      __typename: 'EngineUnavailableError',
      code: 'ENGINE_UNAVAILABLE',
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);

    engine = await spawnEngine(engineEnv);
    await pollUntil(
      async () => (await health(apiA.url)).body.engine.connected === true,
      'engine connected again',
      15_000,
    );
    // The command stayed durable: the order placed while the engine was down exists now, exactly once.
    // The venue's acknowledgement follows the submission: PENDING_NEW first, then NEW.
    await pollUntil(
      async () => {
        const r = await gql<{ order: { status: string } | null }>(
          apiB.url,
          viewer,
          '{ order(clientOrderId: "while-down") { status } }',
        );
        return r.body.data?.order?.status === 'NEW';
      },
      'while-down NEW after restart',
      15_000,
    );
    const history = await gql<{ order: { events: { type: string }[] } }>(
      apiB.url,
      viewer,
      '{ order(clientOrderId: "while-down") { events { type } } }',
    );
    expect(history.body.data?.order.events.filter((e) => e.type === 'ORDER_SUBMITTED')).toHaveLength(1);
    const retry = await place(apiA.url, operator, limitOrder('while-down'));
    expect(retry.body.data?.placeOrder).toMatchObject({ existing: true });
  });
});
