import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { crc32 } from 'node:zlib';
import { OrderStore, orderEventEntry, recover, createSnapshotter, type OrderEvent } from '@veloz/engine';
import { createRedisStorage, encodeRecord, type RedisStorage, type RedisStorageConfig } from '../src/index';
import { createRedisSnapshots } from '../src/snapshots';
import { deleteAccountKeys, pluginContext, REDIS_URL, uniqueAccount } from './helpers/redis';
import { orderFlow } from './helpers/orders';

const opened: { storage: RedisStorage; account: string }[] = [];
const raw = new Redis(REDIS_URL, { lazyConnect: true });

async function open(
  account = uniqueAccount('rec'),
  config: Partial<RedisStorageConfig> = {},
): Promise<RedisStorage> {
  const storage = createRedisStorage({ account, leaseTtlMs: 2000, ...config });
  await storage.start(pluginContext(account));
  opened.push({ storage, account });
  return storage;
}

afterEach(async () => {
  for (const { storage, account } of opened.splice(0)) {
    await storage.stop();
    await deleteAccountKeys(account);
  }
  raw.disconnect();
});

/** Fold events the way the engine does: journal, then apply what the book accepts. */
function fold(events: OrderEvent[], skipSeqs = new Set<number>()): OrderStore {
  const store = new OrderStore();
  events.forEach((e, i) => {
    if (skipSeqs.has(i + 1)) return store.advanceTo(i + 1);
    try {
      store.apply(e, i + 1);
    } catch {
      store.advanceTo(i + 1);
    }
  });
  return store;
}

describe('crash recovery on Redis', () => {
  it('replays snapshot + tail into a fresh OrderStore equal to the state before the crash', async () => {
    const storage = await open();
    const lease = await storage.wal.acquireLease('engine-a');
    const live = new OrderStore();
    const snapshotter = createSnapshotter({ storage, store: live, everyEntries: 400, everyMs: 0 });
    const events = orderFlow(500, 7);
    for (let i = 0; i < events.length; i += 50) {
      const chunk = events.slice(i, i + 50);
      const seqs = await Promise.all(chunk.map((e) => storage.wal.append(lease, [orderEventEntry(e)])));
      chunk.forEach((e, k) => live.apply(e, seqs[k]![0]));
      snapshotter.notify(live.lastSeq);
    }
    await snapshotter.stop();
    expect(snapshotter.stats.taken).toBeGreaterThan(0);
    // "Crash": drop the client without releasing anything, then recover with a new one.
    const account = storage.config.account!;
    await storage.stop();
    const fresh = await open(account);
    const { store, report } = await recover(fresh, { batchSize: 128 });
    expect(report.snapshotSeq).toBe(snapshotter.stats.lastSeq);
    expect(report.entriesSkipped).toBe(0);
    expect(report.gaps).toEqual([]);
    expect(report.lastSeq).toBe(events.length);
    expect(store.toSnapshot()).toEqual(live.toSnapshot());
    // The WAL was trimmed below the oldest kept snapshot.
    const first = await raw.xrange(fresh.keys.wal, '-', '+', 'COUNT', 1).finally(() => undefined);
    expect(Number(first[0]![0].split('-')[0])).toBeGreaterThan(1);
  });

  /** A WAL of the order events of 60 orders (seed 3), with snapshots at sequences 50 and 100. */
  async function withSnapshotsAt50And100(): Promise<{ storage: RedisStorage; events: OrderEvent[] }> {
    const storage = await open();
    const lease = await storage.wal.acquireLease('engine-a');
    const events = orderFlow(60, 3);
    await storage.wal.append(lease, events.map(orderEventEntry));
    await storage.snapshots.save(50, fold(events.slice(0, 50)).toSnapshot());
    await storage.snapshots.save(100, fold(events.slice(0, 100)).toSnapshot());
    return { storage, events };
  }

  it('falls back to an older snapshot when the newest is corrupt, and to full replay when all are', async () => {
    const { storage, events } = await withSnapshotsAt50And100();
    await raw.connect();
    await raw.setrange(storage.keys.snap(100), 40, 'garbage');
    let res = await recover(storage);
    expect(res.report.snapshotSeq).toBe(50);
    expect(res.report.snapshotsRejected).toEqual([{ seq: 100, reason: expect.stringContaining('checksum') }]);
    expect(res.store.toSnapshot()).toEqual(fold(events).toSnapshot());
    await raw.set(storage.keys.snap(50), 'not a snapshot at all');
    res = await recover(storage);
    expect(res.report.snapshotSeq).toBeNull();
    expect(res.report.snapshotsRejected.map((r) => r.seq)).toEqual([100, 50]);
    expect(res.store.toSnapshot()).toEqual(fold(events).toSnapshot());
  });

  it('treats a snapshot key of the wrong type as a bad snapshot, on both load paths', async () => {
    const { storage, events } = await withSnapshotsAt50And100();
    if (raw.status !== 'ready') await raw.connect();
    await raw.del(storage.keys.snap(100));
    await raw.rpush(storage.keys.snap(100), 'a list, not a snapshot');
    // redis:// loads over a connection of its own (getValue); rediss:// (TLS) through the shared ioredis
    // client: the same snapshots read the second way.
    const viaIoredis = createRedisSnapshots({
      redis: storage.redis,
      redisUrl: REDIS_URL.replace(/^redis:/, 'rediss:'),
      keys: storage.keys,
      keep: 3,
      now: Date.now,
    });
    for (const snapshots of [storage.snapshots, viaIoredis]) {
      expect(await snapshots.load(100)).toEqual({
        ok: false,
        reason: expect.stringMatching(/^snapshot 100 is unreadable: WRONGTYPE/),
      });
      expect(await snapshots.load(50)).toMatchObject({ ok: true });
    }
    const res = await recover(storage);
    expect(res.report.snapshotSeq).toBe(50);
    expect(res.report.snapshotsRejected).toEqual([
      { seq: 100, reason: expect.stringContaining('WRONGTYPE') },
    ]);
    expect(res.store.toSnapshot()).toEqual(fold(events).toSnapshot());
  });

  // Both read paths: on the main thread, and in the reader thread (long reads; forced here with 0).
  it.each([
    ['on the main thread', {}],
    ['in the reader thread', { readThreadMinEntries: 0 }],
  ] as const)(
    'skips and reports injected corruption while applying every intact entry, read %s',
    async (_, config) => {
      const storage = await open(uniqueAccount('rec'), config);
      await raw.connect();
      const events = orderFlow(80, 11);
      const wal = storage.keys.wal;
      const corrupt = new Map<number, string>([
        [5, 'GARBAGE_FIELDS'],
        [17, 'CHECKSUM'],
        [33, 'TRUNCATED'],
        [41, 'BAD_PAYLOAD'],
        [45, 'TWO_VALUES'],
        [60, 'SWALLOWING'],
      ]);
      const deleted = [50, 51, 52, 53];
      // Write the stream the way the plugin does, damaging some entries on the way in.
      for (const [i, e] of events.entries()) {
        const seq = i + 1;
        const rec = encodeRecord({ ...orderEventEntry(e), seq, epoch: 1, ts: e.ts });
        const kind = corrupt.get(seq);
        if (kind === 'GARBAGE_FIELDS') await raw.xadd(wal, `${seq}-0`, 'zz', 'not a record', 'yy', '1');
        else if (kind === 'CHECKSUM') {
          rec[rec.length - 1]! ^= 0x5a;
          await raw.xadd(wal, `${seq}-0`, 'd', rec);
        } else if (kind === 'TRUNCATED')
          await raw.xadd(wal, `${seq}-0`, 'd', rec.subarray(0, rec.length - 12));
        else if (kind === 'BAD_PAYLOAD' || kind === 'TWO_VALUES' || kind === 'SWALLOWING') {
          // A sound frame (checksum recomputed) around a payload that is not one MessagePack value: 0xc1
          // three times (msgpackr reads a lone 0xc1, the one unused byte, as a marker: three values); two
          // values (1, 2); an array header of 2 with nothing after it, which a reader of the window's
          // payloads as one sequence would fill with the next entries' payloads.
          const payload = { BAD_PAYLOAD: [0xc1, 0xc1, 0xc1], TWO_VALUES: [0x01, 0x02], SWALLOWING: [0x92] }[
            kind
          ];
          const bad = Buffer.concat([rec.subarray(0, 28 + rec[27]!), Buffer.from(payload)]);
          bad.writeUInt32LE(crc32(bad.subarray(5)), 1);
          await raw.xadd(wal, `${seq}-0`, 'd', bad);
        } else await raw.xadd(wal, `${seq}-0`, 'd', rec);
        // A stray entry squeezed in after seq 20 with a foreign field layout.
        if (seq === 20) await raw.xadd(wal, '20-1', 'hello', 'world');
      }
      // A rogue entry far past the head: reported, but it must not drag the expected sequence along.
      await raw.xadd(wal, '900000-0', 'd', 'x');
      await raw.set(storage.keys.seq, String(events.length));
      await raw.xdel(wal, ...deleted.map((s) => `${s}-0`));

      const { store, report } = await recover(storage, { batchSize: 16 });
      expect(storage.wal.stats.threadReads).toBe(
        config === undefined || !('readThreadMinEntries' in config) ? 0 : 1,
      );
      const bad = new Set([...corrupt.keys(), ...deleted]);
      expect(store.toSnapshot()).toEqual(fold(events, bad).toSnapshot());
      expect(report.gaps).toEqual([{ fromSeq: 50, toSeq: 53 }]);
      expect(report.missingEntries).toBe(4);
      const listed = report.corruptions.filter((c) => c.reason !== 'REFUSED').map((c) => [c.reason, c.seq]);
      expect(listed).toEqual([
        ['MISSING_FIELD', 5],
        ['CHECKSUM', 17],
        ['MISSING_FIELD', 20],
        ['CHECKSUM', 33],
        ['UNDECODABLE', 41],
        ['UNDECODABLE', 45],
        ['GAP', 50],
        ['UNDECODABLE', 60],
        ['UNDECODABLE', undefined],
      ]);
      expect(report.corruptions.find((c) => c.seq === 20)?.position).toBe('20-1');
      expect(report.corruptions.find((c) => c.seq === 41)?.detail).toMatch(/^payload: /);
      expect(report.corruptions.at(-1)).toMatchObject({
        position: '900000-0',
        detail: 'record of 1 bytes is too short',
      });
      // Events of orders whose earlier entries were lost are refused by the reducer, never a crash.
      const refused = report.corruptionCounts.REFUSED ?? 0;
      expect(report.entriesSkipped).toBe(8 + refused);
      expect(report.entriesApplied + refused).toBe(events.length - bad.size);
      expect(report.lastSeq).toBe(events.length);
    },
  );
});
