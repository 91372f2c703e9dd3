// A Redis of its own (killed and restarted on the same port): readiness and health follow it, liveness
// does not, and reads keep answering from the projection meanwhile.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { gql, killAll, newToken, pollUntil, spawnApi } from './support';

const dir = mkdtempSync(join(tmpdir(), 'veloz-api-redis-'));
let redisProc: ChildProcess | undefined;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function startRedis(port: number): Promise<void> {
  redisProc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const probe = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  await pollUntil(async () => {
    try {
      if (probe.status !== 'ready') await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    }
  }, 'redis-server up');
  probe.disconnect();
}

async function killRedis(): Promise<void> {
  const p = redisProc;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

afterAll(async () => {
  await killAll();
  await killRedis();
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis outage', () => {
  it('readyz and health follow Redis, healthz stays up, queries keep answering', async () => {
    const port = await freePort();
    await startRedis(port);
    const token = newToken();
    const api = await spawnApi({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      VELOZ_ACCOUNT: 'outage',
      VELOZ_ENV: 'production',
      VELOZ_API_TOKENS: `v:viewer:${token}`,
    });
    await pollUntil(async () => (await fetch(`${api.url}/readyz`)).status === 200, 'ready');

    await killRedis();
    await pollUntil(async () => (await fetch(`${api.url}/readyz`)).status === 503, 'not ready without Redis');
    const h = await fetch(`${api.url}/api/health`);
    expect(h.status).toBe(503);
    expect(await h.json()).toMatchObject({
      ok: false,
      redis: { connected: false },
      engine: { connected: false },
    });
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const q = await gql<{ orders: { totalCount: number } }>(api.url, token, '{ orders { totalCount } }');
    expect(q.body.data?.orders.totalCount).toBe(0);

    await startRedis(port);
    await pollUntil(async () => (await fetch(`${api.url}/readyz`)).status === 200, 'ready again', 15_000);
    const h2 = (await (await fetch(`${api.url}/api/health`)).json()) as { redis: { connected: boolean } };
    expect(h2.redis.connected).toBe(true);
  });
});
