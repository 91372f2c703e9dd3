import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock } from './lock';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
afterAll(() => redis.disconnect());

describe('run lock (real Redis)', () => {
  it('admits one holder at a time and lets the next in after release', async () => {
    const key = `veloz:{t-lock-${randomUUID().slice(0, 8)}}:recon:lock`;
    const first = await acquireLock(redis, key, { ttlMs: 5_000, waitMs: 0 });
    expect(first).toBeDefined();
    expect(await acquireLock(redis, key, { ttlMs: 5_000, waitMs: 50 })).toBeUndefined();
    const waiting = acquireLock(redis, key, { ttlMs: 5_000, waitMs: 5_000 });
    await first!.release();
    await first!.release();
    const second = await waiting;
    expect(second).toBeDefined();
    expect(await redis.get(key)).toBe(second!.token);
    await second!.release();
    expect(await redis.exists(key)).toBe(0);
  });

  it('expires a crashed holder after its lease and does not let it release the next holder', async () => {
    const key = `veloz:{t-lock-${randomUUID().slice(0, 8)}}:recon:lock`;
    // A holder that "crashed": the key is there with its token, nobody renews it.
    await redis.set(key, 'crashed-holder', 'PX', 200);
    const next = await acquireLock(redis, key, { ttlMs: 5_000, waitMs: 5_000 });
    expect(next).toBeDefined();
    await redis.eval(
      `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`,
      1,
      key,
      'crashed-holder',
    );
    expect(await redis.get(key)).toBe(next!.token);
    await next!.release();
  });
});
