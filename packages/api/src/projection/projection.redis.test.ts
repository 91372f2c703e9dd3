import { randomUUID } from 'node:crypto';
import { orderEventEntry, systemClock, type OrderEvent, type OrderRequest } from '@veloz/engine';
import { accountKeys, createRedisStorage, type RedisStorage } from '@veloz/storage-redis';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient } from '../services/redis';
import { createProjection, type Projection } from './projection';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const request = (id: string, account: string): OrderRequest => ({
  clientOrderId: id,
  account,
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '1',
  price: '100',
});
const submitted = (id: string, account: string): OrderEvent => ({
  type: 'ORDER_SUBMITTED',
  clientOrderId: id,
  ts: Date.now(),
  order: request(id, account),
});
const accepted = (id: string): OrderEvent => ({
  type: 'ORDER_ACCEPTED',
  clientOrderId: id,
  ts: Date.now(),
  venueOrderId: `v-${id}`,
});

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup() {
  const account = `proj-${randomUUID().slice(0, 8)}`;
  const storage: RedisStorage = createRedisStorage({ account, redisUrl: REDIS_URL });
  await storage.start({ account, clock: systemClock, logger });
  const lease = await storage.wal.acquireLease('test');
  const admin = new Redis(REDIS_URL);
  cleanup.push(async () => {
    await lease.release();
    await storage.stop();
    const keys = await admin.keys(`veloz:{${account}}:*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });
  const projection = (): Projection => {
    const p = createProjection({
      account,
      redis: createRedisClient(REDIS_URL, 'p'),
      blocking: createRedisClient(REDIS_URL, 'pb'),
      logger,
      batchSize: 2,
    });
    cleanup.push(() => p.stop());
    return p;
  };
  return { account, storage, lease, admin, projection };
}

describe('projection', () => {
  it('replays the WAL (in batches), then tails new entries; non-order entries advance the sequence', async () => {
    const { account, storage, lease, projection } = await setup();
    await storage.wal.append(lease, [
      orderEventEntry(submitted('o1', account)),
      orderEventEntry(accepted('o1')),
    ]);
    await storage.wal.append(lease, [{ type: 'RECON_FINDING', version: 1, payload: { x: 1 } }]);
    await storage.wal.append(lease, [orderEventEntry(submitted('o2', account))]);
    const p = projection();
    await p.start();
    await p.replayed();
    expect(p.status()).toMatchObject({ replayed: true, appliedSeq: 4, applied: 3, other: 1, corrupt: 0 });
    expect(p.get('o1')).toMatchObject({ status: 'NEW', venueOrderId: 'v-o1' });

    const seen: number[] = [];
    const sub = p.events$.subscribe((e) => seen.push(e.seq));
    const [seq] = await storage.wal.append(lease, [orderEventEntry(accepted('o2'))]);
    expect(await p.waitForSeq(seq!, 5000)).toBe(true);
    sub.unsubscribe();
    expect(seen).toEqual([5]);
    expect(p.get('o2')?.status).toBe('NEW');
    expect(p.eventsAfter(3).map((e) => [e.seq, e.event.type])).toEqual([
      [4, 'ORDER_SUBMITTED'],
      [5, 'ORDER_ACCEPTED'],
    ]);
  });

  it('starts from the newest snapshot and skips corrupt entries without stopping', async () => {
    const { account, storage, lease, admin, projection } = await setup();
    await storage.wal.append(lease, [
      orderEventEntry(submitted('o1', account)),
      orderEventEntry(accepted('o1')),
    ]);
    // The engine's snapshot of its OrderStore at seq 2 (built here by a projection of the same WAL).
    const first = projection();
    await first.start();
    await first.replayed();
    await storage.snapshots.save(2, { version: 1, lastSeq: 2, orders: [first.get('o1')] });
    await first.stop();
    // A corrupt entry at seq 3 (bytes flipped), then a good one.
    await admin.xadd(
      accountKeys(account).wal,
      '3-0',
      'd',
      Buffer.from('garbage-record-that-fails-crc-check'),
    );
    await admin.set(accountKeys(account).seq, '3');
    await storage.wal.append(lease, [orderEventEntry(submitted('o2', account))]).catch(async () => {
      // The writer resyncs its sequence after the injected entry; append again.
      await storage.wal.append(lease, [orderEventEntry(submitted('o2', account))]);
    });
    const p = projection();
    await p.start();
    await p.replayed();
    const s = p.status();
    expect(s).toMatchObject({ snapshotSeq: 2, corrupt: 1, replayed: true });
    expect(s.appliedSeq).toBeGreaterThanOrEqual(4);
    expect(p.get('o1')?.status).toBe('NEW');
    expect(p.get('o2')?.status).toBe('PENDING_NEW');
    // History starts after the snapshot: o1's events were compacted into it.
    expect(p.history('o1')).toEqual([]);
    expect(p.status().oldestCursor).toBe(2);
  });
});
