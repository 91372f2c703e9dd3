import { createMemoryStorage } from '@veloz/engine/testing';
import { describe, expect, it } from 'vitest';
import { instrumentStorage, type StorageObserver } from './instrument-storage';

describe('instrumentStorage', () => {
  it('reports appends, failures and snapshots and keeps the plugin and its controls working', async () => {
    const storage = createMemoryStorage();
    const seen: string[] = [];
    const observer: StorageObserver = {
      walAppended: (s, entries, at) => seen.push(`ok ${entries.length} ${s >= 0 && at > 0}`),
      walAppendFailed: () => seen.push('failed'),
      snapshotSeen: (i) => seen.push(`snap ${i.seq}`),
    };
    const wrapped = instrumentStorage(storage, observer);
    expect(wrapped.name).toBe(storage.name);
    await wrapped.start({
      account: 'a',
      clock: { now: () => 1 },
      logger: undefined as never,
      config: {},
    } as never);
    const lease = await wrapped.wal.acquireLease('me');
    const payload = { clientOrderId: 'x' };
    expect(await wrapped.wal.append(lease, [{ type: 'T', version: 1, payload }])).toEqual([1]);
    wrapped.failWith(new Error('down'));
    await expect(wrapped.wal.append(lease, [{ type: 'T', version: 1, payload }])).rejects.toThrow('down');
    wrapped.failWith(undefined);
    expect(await wrapped.wal.lastSeq()).toBe(1);
    await wrapped.snapshots.save(1, { any: 1 });
    expect((await wrapped.snapshots.list()).map((s) => s.seq)).toEqual([1]);
    expect(seen).toEqual(['ok 1 true', 'failed', 'snap 1', 'snap 1']);
    expect(storage.entries()).toHaveLength(1);
    await wrapped.stop();
  });

  it('turns a plugin append that throws into a rejection, and counts it as a failure', async () => {
    const storage = createMemoryStorage();
    const wal = Object.create(storage.wal) as typeof storage.wal;
    Object.defineProperty(wal, 'append', {
      value: () => {
        throw new Error('bad entry');
      },
    });
    const plugin = Object.create(storage) as typeof storage;
    Object.defineProperty(plugin, 'wal', { value: wal });
    const seen: string[] = [];
    const wrapped = instrumentStorage(plugin, {
      walAppended: () => seen.push('ok'),
      walAppendFailed: (s) => seen.push(`failed ${s >= 0}`),
      snapshotSeen: () => undefined,
    });
    let result: Promise<number[]> | undefined;
    expect(() => {
      result = wrapped.wal.append(undefined as never, [{ type: 'T', version: 1, payload: {} }]);
    }).not.toThrow();
    await expect(result).rejects.toThrow('bad entry');
    expect(seen).toEqual(['failed true']);
  });
});
