import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type PluginContext } from '../plugins/context';
import { FencedError, type StoragePlugin, type WalEntry, type WalEntryInput } from '../plugins/storage';

export interface StorageConformanceOptions {
  /** A fresh storage for a new, empty account (not started: the suite starts and stops it). */
  create(account: string): StoragePlugin | Promise<StoragePlugin>;
  /** Remove what the storage left behind for `account` (after stop). */
  cleanup?(account: string): Promise<void>;
  /** Whether snapshots beyond the newest 3 are pruned (default true). */
  keepsThreeSnapshots?: boolean;
}

const entry = (i: number): WalEntryInput => ({
  type: 'TEST_ENTRY',
  version: 1,
  payload: { i, text: `entry ${i}`, nested: { list: [i, 'x', null, true] } },
});

async function readAll(storage: StoragePlugin, fromSeq = 1, batchSize?: number) {
  const batches: WalEntry[][] = [];
  for await (const batch of storage.wal.read(fromSeq, batchSize)) {
    batches.push(batch.map((item) => (item.ok ? item.entry : expect.unreachable(item.corruption.detail))));
  }
  return { batches, entries: batches.flat() };
}

/**
 * The StoragePlugin contract as one suite: every storage plugin runs it (`describeStorageConformance(
 * 'storage:redis', { create })` in a test file). Covers sequences, group commit, reads in batches,
 * fencing, trim, snapshots and the key-value store.
 */
export function describeStorageConformance(name: string, options: StorageConformanceOptions): void {
  describe(`StoragePlugin conformance: ${name}`, () => {
    const live: { storage: StoragePlugin; account: string }[] = [];

    async function open(): Promise<StoragePlugin> {
      const account = `conf${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      const storage = await options.create(account);
      const ctx: PluginContext = { clock: systemClock, logger: pino({ level: 'silent' }), account };
      await storage.start(ctx);
      live.push({ storage, account });
      return storage;
    }

    afterEach(async () => {
      for (const { storage, account } of live.splice(0)) {
        await storage.stop();
        await storage.stop();
        await options.cleanup?.(account);
      }
    });

    it('assigns sequences from 1 without gaps and reads back what was written', async () => {
      const storage = await open();
      expect(await storage.wal.lastSeq()).toBe(0);
      const lease = await storage.wal.acquireLease('conformance');
      expect(await storage.wal.append(lease, [entry(1), entry(2)])).toEqual([1, 2]);
      expect(await storage.wal.append(lease, [entry(3)])).toEqual([3]);
      expect(await storage.wal.append(lease, [])).toEqual([]);
      expect(await storage.wal.lastSeq()).toBe(3);
      const { entries } = await readAll(storage);
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(entries[1]).toMatchObject({ ...entry(2), seq: 2, epoch: lease.epoch });
      expect(typeof entries[0]!.ts).toBe('number');
      await lease.release();
    });

    it('group-commits concurrent appends: each call gets consecutive sequences, all unique', async () => {
      const storage = await open();
      const lease = await storage.wal.acquireLease('conformance');
      const calls = Array.from({ length: 60 }, (_, c) =>
        Array.from({ length: 1 + (c % 3) }, (_, k) => entry(c * 10 + k)),
      );
      const results = await Promise.all(calls.map((entries) => storage.wal.append(lease, entries)));
      const all = results.flat();
      expect(new Set(all).size).toBe(all.length);
      expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
      results.forEach((seqs, c) => {
        expect(seqs).toHaveLength(calls[c]!.length);
        seqs.forEach((s, k) => k > 0 && expect(s).toBe(seqs[k - 1]! + 1));
      });
      const { entries } = await readAll(storage);
      const bySeq = new Map(entries.map((e) => [e.seq, e]));
      results.forEach((seqs, c) =>
        seqs.forEach((s, k) => expect(bySeq.get(s)?.payload).toEqual(calls[c]![k]!.payload)),
      );
      await lease.release();
    });

    it('reads from a sequence in batches of at most batchSize', async () => {
      const storage = await open();
      const lease = await storage.wal.acquireLease('conformance');
      await storage.wal.append(
        lease,
        Array.from({ length: 25 }, (_, i) => entry(i + 1)),
      );
      const { batches, entries } = await readAll(storage, 6, 7);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
      for (const b of batches) expect(b.length).toBeLessThanOrEqual(7);
      expect((await readAll(storage, 26)).entries).toEqual([]);
      await lease.release();
    });

    it('fences: one writer at a time, a stale lease cannot append', async () => {
      const storage = await open();
      const first = await storage.wal.acquireLease('first');
      await expect(storage.wal.acquireLease('second')).rejects.toBeInstanceOf(FencedError);
      await storage.wal.append(first, [entry(1)]);
      await first.release();
      await first.release();
      const second = await storage.wal.acquireLease('second');
      expect(second.epoch).toBeGreaterThan(first.epoch);
      await expect(storage.wal.append(first, [entry(2)])).rejects.toBeInstanceOf(FencedError);
      expect(await storage.wal.lastSeq()).toBe(1);
      expect(await storage.wal.append(second, [entry(2)])).toEqual([2]);
      await second.release();
    });

    it('trims entries below a sequence and keeps appending after it', async () => {
      const storage = await open();
      const lease = await storage.wal.acquireLease('conformance');
      await storage.wal.append(
        lease,
        Array.from({ length: 10 }, (_, i) => entry(i + 1)),
      );
      expect(await storage.wal.trim(5)).toBe(4);
      expect((await readAll(storage)).entries.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
      expect(await storage.wal.lastSeq()).toBe(10);
      expect(await storage.wal.append(lease, [entry(11)])).toEqual([11]);
      await lease.release();
    });

    it('saves, lists (newest first) and loads snapshots, keeping the newest', async () => {
      const storage = await open();
      const state = (seq: number) => ({ version: 1, lastSeq: seq, orders: [{ id: `o${seq}`, qty: '1.5' }] });
      for (const seq of [10, 20, 30, 40]) {
        const info = await storage.snapshots.save(seq, state(seq));
        expect(info).toMatchObject({ seq });
        expect(info.bytes).toBeGreaterThan(0);
      }
      const list = await storage.snapshots.list();
      expect(list.map((s) => s.seq)).toEqual(
        options.keepsThreeSnapshots === false ? [40, 30, 20, 10] : [40, 30, 20],
      );
      expect(await storage.snapshots.load(30)).toEqual({ ok: true, state: state(30) });
      expect((await storage.snapshots.load(999)).ok).toBe(false);
    });

    it('keeps key-value pairs, with an optional expiry', async () => {
      const storage = await open();
      expect(await storage.kv.get('a')).toBeUndefined();
      await storage.kv.set('a', 'one');
      await storage.kv.set('b', 'two', 50);
      expect(await storage.kv.get('a')).toBe('one');
      await storage.kv.del('a');
      expect(await storage.kv.get('a')).toBeUndefined();
      const deadline = Date.now() + 5000;
      while ((await storage.kv.get('b')) !== undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await storage.kv.get('b')).toBeUndefined();
    });
  });
}
