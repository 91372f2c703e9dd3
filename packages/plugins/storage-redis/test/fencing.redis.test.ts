import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { firstValueFrom } from 'rxjs';
import { createEngine, FencedError, orderEventEntry, type Engine } from '@veloz/engine';
import { createTestVenue } from '@veloz/engine/testing';
import { createRedisStorage, type RedisStorage } from '../src/index';
import { RecordBatch } from '../src/codec';
import { APPEND } from '../src/scripts';
import { deleteAccountKeys, pluginContext, REDIS_URL, uniqueAccount } from './helpers/redis';
import { orderRequest } from './helpers/orders';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(account: string, config: Parameters<typeof createRedisStorage>[0] = {}) {
  const storage = createRedisStorage({ account, leaseTtlMs: 300, ...config });
  await storage.start(pluginContext(account));
  cleanups.push(() => storage.stop());
  return storage;
}
function newAccount(): string {
  const account = uniqueAccount('fence');
  cleanups.push(() => deleteAccountKeys(account));
  return account;
}
const submitted = (id: string) =>
  orderEventEntry({ type: 'ORDER_SUBMITTED', clientOrderId: id, ts: 1, order: orderRequest(id) });

describe('fencing', () => {
  it('keeps a second writer out while the first renews its lease past the TTL', async () => {
    const account = newAccount();
    // TTL 600 ms, renewed every 200 ms; B waits 2 s (> 3 TTLs) for it in vain.
    const a = await open(account, { leaseTtlMs: 600 });
    const b = await open(account, { leaseTtlMs: 600, leaseWaitMs: 2000 });
    const lease = await a.wal.acquireLease('engine-a');
    const started = Date.now();
    await expect(b.wal.acquireLease('engine-b')).rejects.toBeInstanceOf(FencedError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(await a.wal.append(lease, [submitted('x1')])).toEqual([1]);
    await lease.release();
    const taken = await b.wal.acquireLease('engine-b');
    expect(taken.epoch).toBe(lease.epoch + 1);
    await taken.release();
  });

  it('refuses appends under a stale epoch: the old writer loses its lease and writes nothing', async () => {
    const account = newAccount();
    const a = await open(account);
    const b = await open(account, { leaseWaitMs: 2000 });
    const old = await a.wal.acquireLease('engine-a');
    await a.wal.append(old, [submitted('a1'), submitted('a2')]);
    const lost = firstValueFrom(old.lost$, { defaultValue: 'completed' });
    // The lease expires behind A's back (a long pause), and B takes over.
    const raw = new Redis(REDIS_URL);
    cleanups.push(async () => void raw.disconnect());
    await raw.del(a.keys.lease);
    const current = await b.wal.acquireLease('engine-b');
    expect(current.epoch).toBeGreaterThan(old.epoch);
    await expect(a.wal.append(old, [submitted('stale')])).rejects.toBeInstanceOf(FencedError);
    expect(await lost).toBeUndefined(); // lost$ emitted (not merely completed)
    await expect(a.wal.append(old, [submitted('stale2')])).rejects.toBeInstanceOf(FencedError);
    expect(await b.wal.append(current, [submitted('b1')])).toEqual([3]);
    const epochs: number[] = [];
    for await (const batch of b.wal.read(1)) for (const i of batch) if (i.ok) epochs.push(i.entry.epoch);
    expect(epochs).toEqual([old.epoch, old.epoch, current.epoch]);
    await current.release();
  });

  it('notices at renewal that the lease was taken, and emits lost$', async () => {
    const account = newAccount();
    const a = await open(account);
    const lease = await a.wal.acquireLease('engine-a');
    const lost = firstValueFrom(lease.lost$, { defaultValue: 'completed' });
    const raw = new Redis(REDIS_URL);
    cleanups.push(async () => void raw.disconnect());
    await raw.set(a.keys.lease, '999:usurper', 'PX', 5000);
    expect(await lost).toBeUndefined(); // emitted by the renewal loop, no append needed
    await expect(a.wal.append(lease, [submitted('late')])).rejects.toBeInstanceOf(FencedError);
    expect(await a.wal.lastSeq()).toBe(0);
  });

  it('refuses a batch whose first sequence does not follow the last one (atomically)', async () => {
    const account = newAccount();
    const a = await open(account);
    const lease = (await a.wal.acquireLease('engine-a')) as unknown as { token: string; epoch: number };
    await a.wal.append(lease as never, [submitted('s1')]);
    const raw = new Redis(REDIS_URL);
    cleanups.push(async () => void raw.disconnect());
    const batch = (...seqs: number[]) => {
      const b = new RecordBatch();
      for (const seq of seqs) b.add(seq, lease.epoch, 1, 'ORDER_SUBMITTED', 1, { n: seq });
      return b.args();
    };
    const call = (token: string, first: number, count: number, records: Buffer[]) =>
      raw.eval(APPEND, 3, a.keys.wal, a.keys.seq, a.keys.lease, token, first, count, ...records);
    expect(await call(lease.token, 3, 1, batch(3))).toEqual([-2, 1]); // a gap
    expect(await call(lease.token, 1, 1, batch(1))).toEqual([-2, 1]); // a rewrite
    expect(await call('99:intruder', 2, 1, batch(2))).toEqual([-1, lease.token]);
    // A malformed batch is refused before anything is written.
    expect(await call(lease.token, 2, 3, batch(2, 3))).toEqual([-3, 'count 2 ~= 3']);
    expect(await call(lease.token, 2, 2, batch(2, 3, 4))).toEqual([-3, 'count 3 ~= 2']);
    expect(await raw.xlen(a.keys.wal)).toBe(1);
    expect(await call(lease.token, 2, 2, batch(2, 3))).toEqual([0, 3]);
  });

  it('never lets two engines on the same account both write', async () => {
    const account = newAccount();
    const venues = [createTestVenue({ venue: 'sim' }), createTestVenue({ venue: 'sim' })];
    const make = (): Engine => {
      const storage: RedisStorage = createRedisStorage({ account, leaseTtlMs: 300 });
      const engine = createEngine({ account }, { storage, venues: [venues.shift()!] });
      cleanups.push(() => engine.stop());
      return engine;
    };
    const venue = venues[0]!;
    const first = make();
    await first.start();
    venue.tick('BTC-USD', '42000');
    const second = make();
    await expect(second.start()).rejects.toThrow(/lease/i);
    const placed = await first.placeOrder(orderRequest('e1', account));
    expect(placed, JSON.stringify(placed)).toMatchObject({ ok: true, order: { status: 'NEW' } });
    expect(first.state()).toBe('READY');
    expect(second.state()).not.toBe('READY');
  });
});
