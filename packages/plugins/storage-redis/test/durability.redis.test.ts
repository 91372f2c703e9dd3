import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recover, type OrderEvent } from '@veloz/engine';
import { createRedisStorage, DurabilityError, StorageConfigError } from '../src/index';
import { Redis } from 'ioredis';
import { createRedisServer, pluginContext, uniqueAccount, waitFor, type RedisServer } from './helpers/redis';
import { orderRequest } from './helpers/orders';

let server: RedisServer;
let plain: RedisServer;
beforeAll(async () => {
  server = await createRedisServer({ aof: true });
  plain = await createRedisServer();
  await Promise.all([server.start(), plain.start()]);
}, 30_000);
afterAll(async () => {
  await server?.dispose();
  await plain?.dispose();
});

describe('durability', () => {
  it('"fsync" refuses to start on a server without appendfsync always', async () => {
    const storage = createRedisStorage({ redisUrl: plain.url, account: 'a1', durability: 'fsync' });
    await expect(storage.start(pluginContext('a1'))).rejects.toThrow(StorageConfigError);
    await expect(storage.start(pluginContext('a1'))).rejects.toThrow(/appendfsync always/);
    await storage.stop();
  });

  it('"replicas" answers DurabilityError when too few replicas confirm, the entry being on the primary', async () => {
    const account = uniqueAccount('repl');
    const storage = createRedisStorage({
      redisUrl: plain.url,
      account,
      durability: 'replicas',
      replicas: 1,
      replicaTimeoutMs: 50,
    });
    await storage.start(pluginContext(account));
    try {
      const lease = await storage.wal.acquireLease('engine-a');
      const entry = { type: 'TEST', version: 1, payload: { n: 1 } };
      await expect(storage.wal.append(lease, [entry])).rejects.toThrow(DurabilityError);
      expect(await storage.wal.lastSeq()).toBe(1);
      await expect(storage.wal.append(lease, [entry])).rejects.toThrow(
        /0 of 1 replicas confirmed seq 2\.\.2/,
      );
    } finally {
      await storage.stop();
    }
  });

  it('"replicas" answers once a real replica confirmed each batch', async () => {
    // WAIT inside MULTI answers at once (it cannot block there), so this failed with DurabilityError
    // nearly every time while the append went out as MULTI + script + WAIT.
    const primary = await createRedisServer();
    const replica = await createRedisServer();
    await Promise.all([primary.start(), replica.start()]);
    const admin = new Redis(primary.url);
    const follower = new Redis(replica.url);
    const account = uniqueAccount('repl');
    const storage = createRedisStorage({
      redisUrl: primary.url,
      account,
      durability: 'replicas',
      replicas: 1,
      replicaTimeoutMs: 5000,
      maxBatch: 8,
    });
    try {
      await admin.config('SET', 'repl-diskless-sync-delay', '0');
      await follower.replicaof('127.0.0.1', primary.port);
      await waitFor(
        async () => /slave0:.*state=online/.test(await admin.info('replication')),
        10_000,
        'the replica to come online',
      );
      await storage.start(pluginContext(account));
      const lease = await storage.wal.acquireLease('engine-a');
      const entry = (n: number) => ({ type: 'TEST', version: 1, payload: { n } });
      const seqs = await Promise.all(
        Array.from({ length: 40 }, (_, i) => storage.wal.append(lease, [entry(i)])),
      );
      expect(seqs.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      // Confirmed means on the replica already.
      expect(await follower.xlen(storage.keys.wal)).toBe(40);
    } finally {
      await storage.stop();
      admin.disconnect();
      follower.disconnect();
      await Promise.all([primary.dispose(), replica.dispose()]);
    }
  }, 30_000);

  it('appends through an emptied script cache (SCRIPT FLUSH) in sequence, batches in flight', async () => {
    const account = uniqueAccount('noscript');
    const storage = createRedisStorage({ redisUrl: plain.url, account, maxBatch: 4, maxInFlight: 4 });
    await storage.start(pluginContext(account));
    try {
      const lease = await storage.wal.acquireLease('engine-a');
      const entry = (n: number) => ({ type: 'TEST', version: 1, payload: { n } });
      expect(await storage.wal.append(lease, [entry(0)])).toEqual([1]);
      await storage.redis.script('FLUSH');
      // 40 single-entry callers: up to 4 EVALSHA batches of 4 on the wire, all answered NOSCRIPT first.
      const seqs = await Promise.all(
        Array.from({ length: 40 }, (_, i) => storage.wal.append(lease, [entry(i + 1)])),
      );
      expect(seqs.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
      expect(await storage.wal.lastSeq()).toBe(41);
      const read: unknown[] = [];
      for await (const batch of storage.wal.read(1))
        for (const item of batch) read.push(item.ok && item.entry.payload);
      expect(read).toEqual(Array.from({ length: 41 }, (_, n) => ({ n })));
    } finally {
      await storage.stop();
    }
  });

  it('loses no acknowledged entry when a Redis server with AOF appendfsync always is killed', async () => {
    const account = uniqueAccount('aof');
    const storage = createRedisStorage({
      redisUrl: server.url,
      account,
      durability: 'fsync',
      leaseTtlMs: 5000,
    });
    await storage.start(pluginContext(account));
    try {
      const lease = await storage.wal.acquireLease('engine-a');
      const acked = new Map<number, string>();
      let killed = false;
      let n = 0;
      const producer = async () => {
        while (!killed) {
          const id = `o${n++}`;
          const event: OrderEvent = {
            type: 'ORDER_SUBMITTED',
            clientOrderId: id,
            ts: n,
            order: orderRequest(id),
          };
          try {
            const [seq] = await storage.wal.append(lease, [{ type: event.type, version: 1, payload: event }]);
            acked.set(seq!, id);
          } catch {
            return; // the server is gone: unacknowledged, may or may not be on disk
          }
        }
      };
      const producers = Array.from({ length: 16 }, producer);
      const deadline = Date.now() + 10_000;
      while (acked.size < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await server.kill();
      killed = true;
      await Promise.allSettled(producers);
      expect(acked.size).toBeGreaterThanOrEqual(2000);

      await server.start();
      const { store, report } = await recover(storage);
      for (const [seq, id] of acked) {
        expect(store.get(id)?.seq, `acknowledged seq ${seq} (${id})`).toBe(seq);
      }
      expect(report.entriesSkipped).toBe(0);
      expect(report.gaps).toEqual([]);
      expect(report.lastSeq).toBeGreaterThanOrEqual(Math.max(...acked.keys()));
    } finally {
      await storage.stop();
    }
  }, 60_000);
});
