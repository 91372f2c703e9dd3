import { createEngine } from '@veloz/engine';
import { createTestVenue } from '@veloz/engine/testing';
import { accountKeys, createRedisStorage } from '@veloz/storage-redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngineMetrics } from './engine-metrics';
import { parseExposition, sampleValue } from './exposition';
import { promtoolCheckMetrics } from './promtool';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const account = `acc-rs-${Math.random().toString(36).slice(2, 8)}`;

describe('engine metrics with the Redis storage plugin', () => {
  const redis = new Redis(REDIS_URL);
  afterAll(async () => {
    const k = accountKeys(account);
    const snaps = await redis.zrange(k.snapIndex, 0, -1);
    await redis.del(k.wal, k.seq, k.lease, k.epoch, k.snapIndex, ...snaps.map((s) => k.snap(Number(s))));
    redis.disconnect();
  });

  it('instruments a storage that only has its WAL once started, and counts what reached Redis', async () => {
    const metrics = createEngineMetrics();
    // Wrapped before start: the Redis storage throws on `wal` access until then.
    const storage = metrics.instrumentStorage(createRedisStorage({ account, redisUrl: REDIS_URL }));
    const venue = createTestVenue();
    const engine = createEngine({ account }, { storage, venues: [venue] });
    metrics.attach(engine);
    try {
      await engine.start();
      venue.tick('BTC-USD', '100');
      for (let i = 0; i < 5; i++) {
        const r = await engine.placeOrder({
          clientOrderId: `r-${i}`,
          account,
          venue: 'test',
          symbol: 'BTC-USD',
          side: 'BUY',
          type: 'LIMIT',
          timeInForce: 'GTC',
          quantity: '1',
          price: '100',
        });
        expect(r.ok).toBe(true);
      }
      await storage.snapshots.save(engine.status().wal.lastSeq, { version: 1, lastSeq: 0, orders: [] });
      const text = await metrics.metrics();
      const f = parseExposition(text);
      const inRedis = await redis.xlen(accountKeys(account).wal);
      expect(inRedis).toBe(10);
      expect(sampleValue(f, 'veloz_wal_appended_entries_total')).toBe(inRedis);
      // Bytes: the plugin's own count, exactly the records the stream holds.
      const stored = (await redis.xrangeBuffer(accountKeys(account).wal, '-', '+')).reduce(
        (n, [, fields]) => n + fields[1]!.length,
        0,
      );
      expect(stored).toBeGreaterThan(inRedis * 50);
      expect(sampleValue(f, 'veloz_wal_appended_bytes_total')).toBe(stored);
      expect(metrics.figures().wal.appendedBytes).toBe(stored);
      expect(sampleValue(f, 'veloz_wal_append_duration_seconds_count')).toBeGreaterThan(0);
      expect(sampleValue(f, 'veloz_orders_accepted_total')).toBe(5);
      expect(sampleValue(f, 'veloz_snapshot_age_seconds')).toBeLessThan(5);
      expect((await promtoolCheckMetrics(text)).ok).toBe(true);
    } finally {
      await engine.stop();
      metrics.stop();
    }
  });
});
