// Protection against a real API server (real Redis, real HTTP and WebSocket clients, port 0):
//  - the CORS allow-list on /graphql (preflight, actual requests, error responses) and on the
//    graphql-ws upgrade;
//  - the per-token rate limit over HTTP (429 RATE_LIMITED + Retry-After, other tokens unaffected,
//    refill) and over graphql-ws (an operation over the limit gets RATE_LIMITED, the socket stays open).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';
import { createApiServer, type ApiServer } from '../src/server';
import { cleanupAccount, killAll, newRedis, newToken, pollUntil, spawnApi, uniqueAccount } from './support';

const ALLOWED = 'https://ops.example.com';
const OTHER = 'https://evil.example.com';
// 1 request/s, bucket of 3: a burst of 4 is refused at the 4th even on a loaded machine, and the
// refill (one request back after 1 s) is quick to wait for.
const BURST = 3;

const account = uniqueAccount('protect');
const tokens = { cors: newToken(), http: newToken(), other: newToken(), ws: newToken() };
let api: ApiServer;
let url: string;

beforeAll(async () => {
  const config = loadConfig({
    VELOZ_ENV: 'production',
    VELOZ_ACCOUNT: account,
    VELOZ_API_PORT: '0',
    VELOZ_API_TOKENS: Object.entries(tokens)
      .map(([name, token]) => `${name}:viewer:${token}`)
      .join(','),
    VELOZ_API_CORS_ORIGINS: `${ALLOWED},http://localhost:5173`,
    VELOZ_API_RATE_LIMIT: '1',
    VELOZ_API_RATE_BURST: String(BURST),
  });
  api = createApiServer({ config, logger: pino({ level: 'silent' }) });
  url = (await api.start()).url;
});

afterAll(async () => {
  await api?.stop();
  const redis = newRedis();
  await cleanupAccount(redis, account);
  redis.disconnect();
});

const QUERY = JSON.stringify({ query: '{ health { ok } }' });

function post(token: string | undefined, headers: Record<string, string> = {}) {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: QUERY,
  });
}

describe('CORS allow-list over HTTP', () => {
  // One request per test from the `cors` token: the burst of 3 is never reached here.

  it('answers a preflight from an allowed origin with 204 naming it', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives a preflight from another origin no CORS headers', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: OTHER, 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('names an allowed origin on the answer, and no other origin', async () => {
    const ok = await post(tokens.cors, { origin: ALLOWED });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
    expect(((await ok.json()) as { data: unknown }).data).toEqual({ health: { ok: false } });

    const other = await post(tokens.cors, { origin: OTHER });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('vary')).toMatch(/Origin/);

    const local = await post(tokens.cors, { origin: 'http://localhost:5173' });
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('lets an allowed page read a 401', async () => {
    const res = await post(undefined, { origin: ALLOWED });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const denied = await post(undefined, { origin: OTHER });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });
});

/** Open a WebSocket upgrade on /graphql; resolves with `open` or the refusal's HTTP status. */
function upgrade(origin: string | undefined): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
      ...(origin ? { origin } : {}),
    });
    ws.once('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('CORS allow-list on the graphql-ws upgrade', () => {
  it('refuses a browser page on another origin with 403', async () => {
    expect(await upgrade(OTHER)).toEqual({ opened: false, status: 403 });
    expect(await upgrade('null')).toEqual({ opened: false, status: 403 });
  });

  it('accepts no Origin (not a browser), an allowed origin and the same origin', async () => {
    expect(await upgrade(undefined)).toEqual({ opened: true });
    expect(await upgrade(ALLOWED)).toEqual({ opened: true });
    expect(await upgrade(url)).toEqual({ opened: true }); // the PWA served by this API
  });
});

describe('per-token rate limit over HTTP', () => {
  it('refuses the request after the burst with 429 RATE_LIMITED and Retry-After, per token, until refilled', async () => {
    for (let i = 0; i < BURST; i++) expect((await post(tokens.http)).status).toBe(200);
    const limited = await post(tokens.http, { origin: ALLOWED });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The page on an allowed origin can read the refusal.
    expect(limited.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const body = (await limited.json()) as {
      errors: { message: string; extensions: { code: string; retryAfterMs: number } }[];
    };
    expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0]!.extensions.retryAfterMs).toBeGreaterThan(0);
    expect(body.errors[0]!.extensions.retryAfterMs).toBeLessThanOrEqual(1000);

    // Another token has its own bucket.
    const other = await post(tokens.other);
    expect(other.status).toBe(200);

    // One request is back about a second later (a refused request takes nothing).
    const start = Date.now();
    await pollUntil(async () => (await post(tokens.http)).status === 200, 'the bucket refilled', 5000, 50);
    expect(Date.now() - start).toBeGreaterThanOrEqual(100);
    expect((await post(tokens.http)).status).toBe(429);
  });
});

describe('per-token rate limit over graphql-ws', () => {
  it('answers the operation over the limit with RATE_LIMITED and keeps the socket open', async () => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: { id?: string; type: string; payload?: unknown }[] = [];
    let closed = false;
    ws.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as (typeof messages)[number]));
    ws.on('close', () => (closed = true));
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: tokens.ws } }));
    await pollUntil(() => messages.some((m) => m.type === 'connection_ack'), 'connection_ack', 5000, 10);

    const subscribe = (id: string) =>
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: '{ health { ok } }' } }));
    for (let i = 1; i <= BURST + 1; i++) subscribe(String(i));
    const of = (id: string) => messages.filter((m) => m.id === id);
    await pollUntil(() => of(String(BURST + 1)).length > 0, 'answer to the last operation', 5000, 10);
    for (let i = 1; i <= BURST; i++) {
      await pollUntil(() => of(String(i)).some((m) => m.type === 'complete'), `operation ${i}`, 5000, 10);
      expect(of(String(i))[0]).toMatchObject({ type: 'next', payload: { data: { health: { ok: false } } } });
    }
    const refused = of(String(BURST + 1));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.type).toBe('error');
    const errors = refused[0]!.payload as { extensions: { code: string; retryAfterMs: number } }[];
    expect(errors[0]!.extensions.code).toBe('RATE_LIMITED');
    expect(errors[0]!.extensions.retryAfterMs).toBeGreaterThan(0);

    // Same socket: once refilled, an operation runs again.
    let n = 100;
    await pollUntil(
      () => {
        const last = of(String(n));
        if (last.some((m) => m.type === 'next')) return true;
        if (n === 100 || last.length > 0) subscribe(String(++n));
        return false;
      },
      'an operation after the refill',
      5000,
      50,
    );
    expect(closed).toBe(false);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});

describe('the API process (src/bin/api.ts) applies both', () => {
  const processAccount = uniqueAccount('protect-bin');
  afterAll(async () => {
    await killAll();
    const redis = newRedis();
    await cleanupAccount(redis, processAccount);
    redis.disconnect();
  });

  it('refuses a foreign origin upgrade, limits HTTP and graphql-ws per token', async () => {
    const token = newToken();
    const bin = await spawnApi({
      VELOZ_ENV: 'production',
      VELOZ_ACCOUNT: processAccount,
      VELOZ_API_TOKENS: `p:viewer:${token}`,
      VELOZ_API_RATE_LIMIT: '1',
      VELOZ_API_RATE_BURST: '1',
    });
    const wsUrl = `${bin.url.replace(/^http/, 'ws')}/graphql`;
    const refused = await new Promise<number | undefined>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, 'graphql-transport-ws', { origin: OTHER });
      ws.once('open', () => resolve(undefined));
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode);
        res.resume();
        ws.terminate();
      });
      ws.once('error', reject);
    });
    expect(refused).toBe(403);

    const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
    const messages: { id?: string; type: string; payload?: unknown }[] = [];
    ws.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as (typeof messages)[number]));
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: token } }));
    await pollUntil(() => messages.some((m) => m.type === 'connection_ack'), 'connection_ack', 5000, 10);
    for (const id of ['a', 'b'])
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: '{ health { ok } }' } }));
    // b is refused before a's execution answers: wait for both.
    await pollUntil(
      () => messages.some((m) => m.id === 'b') && messages.some((m) => m.id === 'a' && m.type === 'complete'),
      'answers to a and b',
      5000,
      10,
    );
    expect(messages.find((m) => m.id === 'a')?.type).toBe('next');
    const b = messages.find((m) => m.id === 'b')!;
    expect(b.type).toBe('error');
    expect((b.payload as { extensions: { code: string } }[])[0]!.extensions.code).toBe('RATE_LIMITED');
    ws.close();

    // The bucket is shared by HTTP and graphql-ws: the token is still over its limit.
    const res = await fetch(`${bin.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: QUERY,
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
  });
});
