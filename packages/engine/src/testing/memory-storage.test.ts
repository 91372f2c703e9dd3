import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FencedError } from '../plugins/storage';
import { createMemoryStorage } from './memory-storage';

const ctx = (now = () => 1_000) => ({ clock: { now }, logger: pino({ level: 'silent' }), account: 'acc' });
const e = (n: number) => ({ type: 'T', version: 1, payload: { n } });

async function readAll(s: ReturnType<typeof createMemoryStorage>, from = 1, batch?: number) {
  const batches = [];
  for await (const b of s.wal.read(from, batch)) batches.push(b);
  return batches;
}

describe('createMemoryStorage', () => {
  it('assigns sequences from 1, stores copies, reads in batches', async () => {
    const s = createMemoryStorage();
    await s.start(ctx());
    const lease = await s.wal.acquireLease('a');
    const payload = { n: 1 };
    expect(await s.wal.append(lease, [{ type: 'T', version: 1, payload }, e(2)])).toEqual([1, 2]);
    payload.n = 99;
    expect(await s.wal.append(lease, [e(3)])).toEqual([3]);
    expect(await s.wal.lastSeq()).toBe(3);
    const batches = await readAll(s, 2, 1);
    expect(batches).toHaveLength(2);
    expect(batches[0]![0]).toMatchObject({
      ok: true,
      entry: { seq: 2, epoch: 1, ts: 1_000, payload: { n: 2 } },
    });
    expect(s.entries()[0]!.payload).toEqual({ n: 1 });
  });

  it('fences: a held lease blocks acquire; after expiry the old lease cannot append', async () => {
    const s = createMemoryStorage();
    const a = await s.wal.acquireLease('a');
    await expect(s.wal.acquireLease('b')).rejects.toBeInstanceOf(FencedError);
    let lost = 0;
    a.lost$.subscribe(() => lost++);
    s.expireLease();
    expect(lost).toBe(1);
    const b = await s.wal.acquireLease('b');
    expect(b.epoch).toBe(a.epoch + 1);
    await expect(s.wal.append(a, [e(1)])).rejects.toBeInstanceOf(FencedError);
    expect(await s.wal.lastSeq()).toBe(0);
    expect(await s.wal.append(b, [e(1)])).toEqual([1]);
    await b.release();
    await b.release();
    await expect(s.wal.append(b, [e(2)])).rejects.toBeInstanceOf(FencedError);
    const c = await s.wal.acquireLease('c');
    expect(c.epoch).toBe(3);
  });

  it('silent expiry: lost$ does not emit but appends are fenced', async () => {
    const s = createMemoryStorage();
    const a = await s.wal.acquireLease('a');
    let lost = 0;
    a.lost$.subscribe(() => lost++);
    s.expireLease({ silent: true });
    await expect(s.wal.append(a, [e(1)])).rejects.toBeInstanceOf(FencedError);
    expect(lost).toBe(0);
  });

  it('injects failures and corruption', async () => {
    const s = createMemoryStorage();
    const a = await s.wal.acquireLease('a');
    await s.wal.append(a, [e(1), e(2), e(3)]);
    s.failWith(new Error('down'));
    await expect(s.wal.append(a, [e(4)])).rejects.toThrow('down');
    await expect(s.wal.lastSeq()).rejects.toThrow('down');
    s.failWith(undefined);
    s.corrupt(2, 'CHECKSUM');
    const [batch] = await readAll(s);
    expect(batch!.map((i) => i.ok)).toEqual([true, false, true]);
    expect(await s.wal.trim(3)).toBe(2);
    expect((await readAll(s)).flat()).toHaveLength(1);
    expect(await s.wal.lastSeq()).toBe(3);
  });

  it('keeps the newest N snapshots, newest first, and reports corruption', async () => {
    const s = createMemoryStorage({ snapshotKeep: 2 });
    await s.snapshots.save(10, { a: 1 });
    await s.snapshots.save(30, { a: 3 });
    await s.snapshots.save(20, { a: 2 });
    expect((await s.snapshots.list()).map((i) => i.seq)).toEqual([30, 20]);
    expect(await s.snapshots.load(20)).toEqual({ ok: true, state: { a: 2 } });
    expect((await s.snapshots.load(10)).ok).toBe(false);
    s.corruptSnapshot(30);
    expect(await s.snapshots.load(30)).toMatchObject({ ok: false });
  });

  it('kv honours TTL on the clock', async () => {
    let now = 0;
    const s = createMemoryStorage({ clock: { now: () => now } });
    await s.kv.set('k', 'v', 100);
    await s.kv.set('p', 'forever');
    now = 99;
    expect(await s.kv.get('k')).toBe('v');
    now = 100;
    expect(await s.kv.get('k')).toBeUndefined();
    expect(await s.kv.get('p')).toBe('forever');
    await s.kv.del('p');
    expect(await s.kv.get('p')).toBeUndefined();
  });
});
