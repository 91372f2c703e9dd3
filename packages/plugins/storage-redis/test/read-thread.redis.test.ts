import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { orderEventEntry, type WalEntryInput, type WalReadItem } from '@veloz/engine';
import { createRedisStorage, type RedisStorage, type RedisStorageConfig } from '../src/index';
import { resolveConfig } from '../src/config';
import { DIRECT_READ_MIN_ENTRIES, readsInThread } from '../src/wal-read';
import {
  createRedisServer,
  deleteAccountKeys,
  pluginContext,
  REDIS_URL,
  uniqueAccount,
  waitFor,
  type RedisServer,
} from './helpers/redis';
import { orderFlow } from './helpers/orders';

// Long reads (replay) run their XRANGEs and frame checks in a reader thread (src/read-thread.ts); these tests
// force it with readThreadMinEntries: 0 and hold it to the main-thread path's answers.
const opened: { storage: RedisStorage; account: string; url: string }[] = [];

async function open(account: string, config: Partial<RedisStorageConfig> = {}): Promise<RedisStorage> {
  const storage = createRedisStorage({ account, ...config });
  await storage.start(pluginContext(account));
  opened.push({ storage, account, url: config.redisUrl ?? REDIS_URL });
  return storage;
}

afterEach(async () => {
  for (const { storage, account, url } of opened.splice(0)) {
    await storage.stop();
    await deleteAccountKeys(account, url).catch(() => undefined);
  }
});

/** Journal `count` order events in large append calls. */
async function fill(storage: RedisStorage, count: number): Promise<void> {
  const lease = await storage.wal.acquireLease('writer');
  const entries: WalEntryInput[] = orderFlow(Math.ceil(count / 2), 7)
    .slice(0, count)
    .map(orderEventEntry);
  for (let i = 0; i < entries.length; i += 2000) await storage.wal.append(lease, entries.slice(i, i + 2000));
  await lease.release();
}

async function readAll(storage: RedisStorage, from: number, batch: number): Promise<WalReadItem[][]> {
  const out: WalReadItem[][] = [];
  for await (const b of storage.wal.read(from, batch)) out.push(b);
  return out;
}

/** Names of the connected clients whose name is `name`. */
async function clientsNamed(url: string, name: string): Promise<number> {
  const r = new Redis(url);
  try {
    const list = (await r.client('LIST')) as string;
    return list.split('\n').filter((l) => l.includes(` name=${name} `)).length;
  } finally {
    r.disconnect();
  }
}

describe('WAL reads in the reader thread', () => {
  it('yields the same batches as the main-thread path, across window and chunk boundaries', async () => {
    const account = uniqueAccount('thr');
    const inThread = await open(account, { readThreadMinEntries: 0 });
    const onMain = await open(account, { readThreadMinEntries: 1_000_000 });
    await fill(inThread, 12_345);
    for (const [from, batch] of [
      [1, 7],
      [4_999, 1000],
      [6_001, 10_000],
    ] as const) {
      const a = await readAll(inThread, from, batch);
      const b = await readAll(onMain, from, batch);
      expect(a.flat()).toEqual(b.flat());
      expect(a.flat()).toHaveLength(12_345 - from + 1);
      expect(a.every((x) => x.length > 0 && x.length <= batch)).toBe(true);
    }
    expect(inThread.wal.stats.threadReads).toBe(3);
    expect(onMain.wal.stats.threadReads).toBe(0);
  });

  it('reads long main-thread reads over a connection of their own, with the same items', async () => {
    const account = uniqueAccount('thr');
    const storage = await open(account, { readThreadMinEntries: 1_000_000 });
    await fill(storage, DIRECT_READ_MIN_ENTRIES + 5_000);
    const whole = (await readAll(storage, 1, 1000)).flat();
    expect(storage.wal.stats.directReads).toBe(1);
    // One entry short of the threshold: the shared client.
    const from = 5_002;
    const tail = (await readAll(storage, from, 1000)).flat();
    expect(storage.wal.stats.directReads).toBe(1);
    expect(tail).toHaveLength(DIRECT_READ_MIN_ENTRIES - 1);
    expect(whole.slice(from - 1)).toEqual(tail);
    expect(storage.wal.stats.threadReads).toBe(0);
    await waitFor(async () => (await clientsNamed(REDIS_URL, 'veloz-wal-reader')) === 0, 5000, 'reader gone');
  });

  it('stops the thread (and its connection) when the reader stops early', async () => {
    const account = uniqueAccount('thr');
    const storage = await open(account, { readThreadMinEntries: 0 });
    await fill(storage, 30_000);
    let seen = 0;
    for await (const b of storage.wal.read(1, 500)) {
      seen += b.length;
      if (seen >= 1000) break;
    }
    expect(seen).toBe(1000);
    await waitFor(async () => (await clientsNamed(REDIS_URL, 'veloz-wal-reader')) === 0, 5000, 'reader gone');
  });

  it('reads through a URL with a user, a password and a database (the thread connects on its own)', async () => {
    const admin = new Redis(REDIS_URL);
    const user = `veloz-thr-${uniqueAccount('u')}`;
    await admin.call('ACL', 'SETUSER', user, 'on', '>thread-pw', '~*', '&*', '+@all');
    try {
      const u = new URL(REDIS_URL);
      u.username = user;
      u.password = 'thread-pw';
      u.pathname = '/3';
      const url = u.toString();
      const account = uniqueAccount('thr');
      const inThread = await open(account, { redisUrl: url, readThreadMinEntries: 0 });
      const onMain = await open(account, { redisUrl: url, readThreadMinEntries: 1_000_000 });
      await fill(inThread, 3_000);
      // The entries are in database 3 only: the thread read them there.
      expect(await admin.exists(inThread.keys.wal)).toBe(0);
      const a = (await readAll(inThread, 1, 1000)).flat();
      expect(a).toHaveLength(3_000);
      expect(a).toEqual((await readAll(onMain, 1, 1000)).flat());
      expect(inThread.wal.stats.threadReads).toBe(1);
    } finally {
      // Stopped while the user still exists (a deleted user makes their reconnects fail loudly).
      for (const { storage, account, url } of opened.splice(0)) {
        await storage.stop();
        await deleteAccountKeys(account, url);
      }
      await admin.call('ACL', 'DELUSER', user);
      admin.disconnect();
    }
  });

  it('keeps rediss:// (TLS) reads, and reads shorter than readThreadMinEntries, on the main thread', () => {
    const config = (redisUrl: string, readThreadMinEntries: number) =>
      resolveConfig({ account: 'a', redisUrl, readThreadMinEntries });
    expect(readsInThread(config('redis://h:1', 100), 100)).toBe(true);
    expect(readsInThread(config('redis://h:1', 100), 99)).toBe(false);
    expect(readsInThread(config('rediss://h:1', 0), 1_000_000)).toBe(false);
  });

  describe('Redis failing mid-read', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await createRedisServer();
      await server.start();
    }, 30_000);
    afterAll(async () => server?.dispose());

    it('rejects the read with STORAGE_UNAVAILABLE instead of hanging', async () => {
      const account = uniqueAccount('thr');
      const storage = await open(account, { redisUrl: server.url, readThreadMinEntries: 0 });
      await fill(storage, 60_000);
      const reading = (async () => {
        let seen = 0;
        let killed = false;
        for await (const b of storage.wal.read(1, 1000)) {
          seen += b.length;
          // Past the first tenth, which the main thread reads while the reader thread starts.
          if (seen >= 10_000 && !killed) {
            killed = true;
            await server.kill();
          }
        }
        return seen;
      })();
      await expect(reading).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    }, 30_000);

    // A main-thread read: over the shared ioredis client (15,000 entries) or over its own connection (30,000).
    for (const [entries, direct] of [
      [15_000, 0],
      [30_000, 1],
    ] as const) {
      it(`rejects a main-thread read of ${entries} entries too, leaving no window prefetched behind as an unhandled rejection`, async () => {
        await server.start();
        const account = uniqueAccount('thr');
        const storage = await open(account, { redisUrl: server.url, readAhead: 8 });
        await fill(storage, entries);
        const reading = (async () => {
          let seen = 0;
          for await (const b of storage.wal.read(1, 500)) {
            seen += b.length;
            if (seen === 500) await server.kill();
          }
          return seen;
        })();
        // vitest fails the run on an unhandled rejection of the 7 windows still in flight.
        if (direct) await expect(reading).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
        else await expect(reading).rejects.toThrow();
        expect(storage.wal.stats.threadReads).toBe(0);
        expect(storage.wal.stats.directReads).toBe(direct);
      }, 30_000);
    }
  });
});
