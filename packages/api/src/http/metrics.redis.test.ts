// The API-side metrics call-sites (HTTP requests, graphql-ws connections, active subscriptions) and
// that what they record shows in this replica's GET /metrics text, clean under promtool.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseExposition, promtoolCheckMetrics, sampleValue } from '@veloz/metrics';
import { createSchema, createYoga } from 'graphql-yoga';
import { parse } from 'graphql';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import type { ApiServices } from '../context';
import { createProjection } from '../projection/projection';
import { createHeartbeatMonitor } from '../services/heartbeat';
import { createKpiReader } from '../services/kpis';
import { createRedisClient } from '../services/redis';
import {
  countSubscription,
  httpRouteOf,
  renderMetrics,
  subscriptionFieldOf,
  trackHttpResponse,
  useSubscriptionMetrics,
  wsConnectionClosed,
  wsConnectionOpened,
} from './metrics';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const account = `api-metrics-unit-${Math.random().toString(36).slice(2, 8)}`;
const redis = createRedisClient(REDIS_URL, 'metrics-test');
const blocking = createRedisClient(REDIS_URL, 'metrics-test-blocking');
const servers: Server[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  redis.disconnect();
  blocking.disconnect();
});

function services(): ApiServices {
  const config = loadConfig(
    {
      REDIS_URL,
      VELOZ_ACCOUNT: account,
      VELOZ_ENV: 'production',
      VELOZ_API_TOKENS: '',
    },
    { requireTokens: false },
  );
  return {
    config,
    redis,
    projection: createProjection({ account, redis, blocking, eventLogSize: 10, logger }),
    heartbeat: createHeartbeatMonitor({ account, redis, logger }),
    kpis: createKpiReader(account, redis),
    reports: undefined as never,
    orders: undefined as never,
    logger,
    startedAt: Date.now(),
  };
}

const scrape = async (s: ApiServices) => {
  await redis.connect().catch(() => undefined);
  const text = await renderMetrics(s);
  return { text, families: parseExposition(text) };
};

describe('API-side metrics', () => {
  it('httpRouteOf keeps the route label bounded', () => {
    expect(httpRouteOf('/graphql')).toBe('/graphql');
    expect(httpRouteOf('/api/health')).toBe('/api/health');
    expect(httpRouteOf('/assets/index-abc123.js', true)).toBe('static');
    expect(httpRouteOf('/wp-admin/x.php')).toBe('other');
  });

  it('subscriptionFieldOf names the root field of a subscription only', () => {
    expect(subscriptionFieldOf(parse('subscription S { kpis(intervalMs: 500) { at } }'))).toBe('kpis');
    expect(subscriptionFieldOf(parse('query { kpis { at } }'))).toBeUndefined();
    const two = parse('query A { kpis { at } } subscription B { orderEvents { seq } }');
    expect(subscriptionFieldOf(two, 'B')).toBe('orderEvents');
  });

  it('HTTP requests, ws connections and subscriptions show in /metrics, clean under promtool', async () => {
    const s = services();
    // Real HTTP requests through a node:http server using the call-site as server.ts would.
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      trackHttpResponse(s, req.method ?? 'GET', httpRouteOf(url.pathname), res);
      res.writeHead(url.pathname === '/graphql' ? 200 : 404).end('x');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const path of ['/graphql', '/graphql', '/nope'])
      await (await fetch(base + path, { method: 'POST' })).text();

    wsConnectionOpened(s);
    wsConnectionOpened(s);
    wsConnectionClosed(s);

    // A subscription through yoga's envelop pipeline with the plugin, ended by the client (return()).
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { x: Int } type Subscription { ticks: Int }',
        resolvers: {
          Subscription: {
            ticks: {
              subscribe: async function* () {
                for (let i = 0; ; i++) yield { ticks: i };
              },
            },
          },
        },
      }),
      plugins: [useSubscriptionMetrics(s)],
    });
    const env = yoga.getEnveloped({});
    const document = parse('subscription { ticks }');
    const iter = (await env.subscribe({
      schema: env.schema,
      document,
      contextValue: await env.contextFactory(),
    })) as AsyncIterableIterator<unknown>;
    expect(await iter.next()).toMatchObject({ done: false });
    let f = (await scrape(s)).families;
    expect(sampleValue(f, 'veloz_graphql_subscriptions', { field: 'ticks' })).toBe(1);
    await iter.return?.();
    // A second stream that completes on its own, and one that fails: both end their count.
    const finite = countSubscription(
      s,
      'kpis',
      (async function* () {
        yield 1;
      })(),
    );
    const failing = countSubscription(s, 'orderEvents', {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('boom')) }),
    });
    expect(sampleValue((await scrape(s)).families, 'veloz_graphql_subscriptions', { field: 'kpis' })).toBe(1);
    for await (const _ of finite) void _;
    await expect(failing.next()).rejects.toThrow('boom');
    wsConnectionClosed(s);
    wsConnectionClosed(s); // one too many: ignored

    const { text, families } = await scrape(s);
    f = families;
    const check = await promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    expect(check.ok).toBe(true);
    expect(
      sampleValue(f, 'veloz_http_requests_total', { method: 'POST', route: '/graphql', status: '200' }),
    ).toBe(2);
    expect(
      sampleValue(f, 'veloz_http_requests_total', { method: 'POST', route: 'other', status: '404' }),
    ).toBe(1);
    expect(
      sampleValue(f, 'veloz_http_request_duration_seconds_count', { route: '/graphql', status: '200' }),
    ).toBe(2);
    expect(sampleValue(f, 'veloz_graphql_ws_connections')).toBe(0);
    expect(sampleValue(f, 'veloz_graphql_subscriptions', { field: 'ticks' })).toBe(0);
    expect(sampleValue(f, 'veloz_graphql_subscriptions', { field: 'kpis' })).toBe(0);
    expect(sampleValue(f, 'veloz_graphql_subscriptions', { field: 'orderEvents' })).toBe(0);
  });
});
