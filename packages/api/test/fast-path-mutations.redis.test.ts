// The fast GraphQL path for mutations (src/http/fast-graphql.ts), end to end: Redis, the sim exchange, the
// engine and API replicas as real processes. Each mutation is sent twice, once without `Origin` (the fast
// path) and once with an allowed `Origin` (always yoga); the answers must be the same, status, content
// type and body byte for byte: placeOrder success (both answer points, and an idempotent retry), every
// error union member, and GraphQL errors (bad variables), which a mutation answers without running twice.
// Each is also sent over graphql-ws, where a known valid query or mutation takes the same prepared
// documents (src/ws/server.ts `fast`): its `next` payload must equal yoga's HTTP body.
import { spawnSimExchange, type SpawnedSimExchange } from '@veloz/venue-sim';
import type { Client } from 'graphql-ws';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiChild,
  cleanupAccount,
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

const account = uniqueAccount('fast-mut');
/** An account no engine serves: its mutations end in ENGINE_UNAVAILABLE. */
const orphanAccount = uniqueAccount('fast-mut-noengine');
const operator = newToken();
const viewer = newToken();
const ORIGIN = 'http://origin.test';
let redis: Redis;
let sim: SpawnedSimExchange;
let api: ApiChild;
let orphanApi: ApiChild;

const PLACE = `mutation($input: PlaceOrderInput!, $ack: PlaceOrderAck) {
  placeOrder(input: $input, ack: $ack) {
    __typename
    ... on PlaceOrderSuccess { existing order { quantity price side type timeInForce } }
    ... on Error { code message }
    ... on ValidationError { field }
    ... on RejectedError { rejectCode reason }
  }
}`;
const PLACE_STATUS = `mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { __typename ... on PlaceOrderSuccess { existing order { status filledQuantity } } }
}`;
const CANCEL = `mutation($id: String!) {
  cancelOrder(clientOrderId: $id) { __typename ... on Error { code message } }
}`;

interface Answer {
  status: number;
  type: string | null;
  encoding: string | null;
  cors: string | null;
  text: string;
}

async function send(
  base: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  viaYoga: boolean,
): Promise<Answer> {
  const r = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(viaYoga ? { origin: ORIGIN } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: r.status,
    type: r.headers.get('content-type'),
    encoding: r.headers.get('content-encoding'),
    cors: r.headers.get('access-control-allow-origin'),
    text: await r.text(),
  };
}

const wsClients = new Map<string, Client>();

/** One operation over graphql-ws: its `next` payloads (a query or mutation has exactly one). */
async function sendWs(base: string, token: string, query: string, variables: Record<string, unknown>) {
  const key = `${base} ${token}`;
  let client = wsClients.get(key);
  if (!client) wsClients.set(key, (client = wsClient(base, token)));
  const results: unknown[] = [];
  await new Promise<void>((resolve, reject) =>
    client.subscribe(
      { query, variables },
      { next: (r) => results.push(r), error: reject, complete: () => resolve() },
    ),
  );
  return results;
}

/**
 * Send through both HTTP paths and over graphql-ws (`vars` gives each its own variables) and check they
 * answer alike.
 */
async function both(
  query: string,
  vars: (path: 'fast' | 'yoga' | 'ws') => Record<string, unknown>,
  opts: { token?: string; base?: string } = {},
): Promise<{ status: number; body: { data?: Record<string, unknown>; errors?: unknown[] } }> {
  const base = opts.base ?? api.url;
  const token = opts.token ?? operator;
  const fast = await send(base, token, query, vars('fast'), false);
  const yoga = await send(base, token, query, vars('yoga'), true);
  expect(yoga.cors).toBe(ORIGIN);
  expect(fast.cors).toBeNull();
  const { cors: _a, ...fastRest } = fast;
  const { cors: _b, ...yogaRest } = yoga;
  expect(fastRest).toEqual(yogaRest);
  expect(await sendWs(base, token, query, vars('ws'))).toEqual([JSON.parse(yoga.text)]);
  return { status: fast.status, body: JSON.parse(fast.text) as never };
}
const same = (v: Record<string, unknown>) => () => v;

beforeAll(async () => {
  redis = newRedis();
  sim = await spawnSimExchange(['--tick-ms', '0']);
  await spawnEngine({
    VELOZ_ACCOUNT: account,
    VELOZ_SIM_URL: sim.url,
    VELOZ_RISK_PRICE_BAND_BPS: '0',
    VELOZ_RISK_MAX_ORDER_QTY: '5',
    VELOZ_RECON_ENABLED: 'false',
  });
  const env = {
    VELOZ_ENV: 'production',
    VELOZ_API_TOKENS: `ops:operator:${operator},watch:viewer:${viewer}`,
    VELOZ_API_CORS_ORIGINS: ORIGIN,
    VELOZ_API_RATE_LIMIT: '0',
  };
  [api, orphanApi] = await Promise.all([
    spawnApi({ ...env, VELOZ_ACCOUNT: account }),
    spawnApi({ ...env, VELOZ_ACCOUNT: orphanAccount, VELOZ_API_COMMAND_TIMEOUT_MS: '300' }),
  ]);
  await pollUntil(async () => {
    const r = await fetch(`${api.url}/api/health`);
    return ((await r.json()) as { engine: { connected: boolean } }).engine.connected;
  }, 'engine connected');
});

afterAll(async () => {
  await Promise.all([...wsClients.values()].map((c) => c.dispose()));
  await killAll();
  await sim?.kill();
  if (redis) {
    await cleanupAccount(redis, account);
    await cleanupAccount(redis, orphanAccount);
    redis.disconnect();
  }
});

describe('mutations over the fast path answer as yoga does', () => {
  it('placeOrder success (VENUE and JOURNALED) and an idempotent retry', async () => {
    const venue = await both(PLACE, (p) => ({ input: limitOrder(`fm-v-${p}`) }));
    expect(venue.status).toBe(200);
    expect(venue.body.data?.placeOrder, JSON.stringify(venue.body)).toMatchObject({
      __typename: 'PlaceOrderSuccess',
      existing: false,
    });
    const journaled = await both(PLACE, (p) => ({ input: limitOrder(`fm-j-${p}`), ack: 'JOURNALED' }));
    expect(journaled.body.data?.placeOrder).toMatchObject({ __typename: 'PlaceOrderSuccess' });
    // The status too, on orders that reached NEW: the retry answers from the projection.
    await pollUntil(async () => {
      const r = await send(api.url, operator, PLACE_STATUS, { input: limitOrder('fm-j-fast') }, false);
      return r.text.includes('"NEW"');
    }, 'fm-j-fast NEW');
    const retry = await both(PLACE_STATUS, same({ input: limitOrder('fm-v-fast') }));
    expect(retry.body.data?.placeOrder).toEqual({
      __typename: 'PlaceOrderSuccess',
      existing: true,
      order: { status: 'NEW', filledQuantity: '0' },
    });
  });

  it('each error union member', async () => {
    const invalid = await both(PLACE, same({ input: limitOrder('fm-bad', { quantity: '-1' }) }));
    expect(invalid.body.data?.placeOrder).toMatchObject({ __typename: 'ValidationError', field: 'quantity' });
    const rejected = await both(PLACE, (p) => ({ input: limitOrder(`fm-big-${p}`, { quantity: '10' }) }));
    expect(rejected.body.data?.placeOrder, JSON.stringify(rejected.body)).toMatchObject({
      __typename: 'RejectedError',
      rejectCode: 'MAX_QUANTITY',
    });
    const forbidden = await both(PLACE, same({ input: limitOrder('fm-viewer') }), { token: viewer });
    expect(forbidden.body.data?.placeOrder).toMatchObject({
      __typename: 'ForbiddenError',
      code: 'FORBIDDEN',
    });
    const notFound = await both(CANCEL, same({ id: 'fm-nobody' }));
    expect(notFound.body.data?.cancelOrder).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const notAllowed = await both(CANCEL, same({ id: 'fm-big-fast' }));
    expect(notAllowed.body.data?.cancelOrder).toMatchObject({
      __typename: 'NotAllowedError',
      code: 'NOT_ALLOWED',
    });
    const unavailable = await both(PLACE, (p) => ({ input: limitOrder(`fm-orphan-${p}`) }), {
      base: orphanApi.url,
    });
    expect(unavailable.body.data?.placeOrder).toMatchObject({
      __typename: 'EngineUnavailableError',
      code: 'ENGINE_UNAVAILABLE',
    });
  });

  it('GraphQL errors (variables) are answered once, with yoga status and body', async () => {
    const before = await redis.xlen(`veloz:{${account}}:commands`);
    const badEnum = await both(PLACE, same({ input: limitOrder('fm-enum', { side: 'SIDEWAYS' }) }));
    expect(badEnum.body.data).toBeUndefined();
    expect(badEnum.body.errors?.length).toBeGreaterThan(0);
    const missing = await both(PLACE, same({}));
    expect(missing.body.errors?.length).toBeGreaterThan(0);
    const badAck = await both(PLACE, same({ input: limitOrder('fm-ack'), ack: 'SOMETIME' }));
    expect(badAck.body.errors?.length).toBeGreaterThan(0);
    expect(await redis.xlen(`veloz:{${account}}:commands`)).toBe(before);
  });
});
