import { describe, expect, it } from 'vitest';
import type { WalEntry } from '@veloz/engine';
import { crc32 } from 'node:zlib';
import { Unpackr } from 'msgpackr';
import {
  decodeFrames,
  decodeSnapshot,
  decodeStreamEntry,
  encodeRecord,
  encodeSnapshot,
  encodeSnapshotAsync,
  SNAPSHOT_CHUNK,
  seqOfId,
} from './codec';
import { canonicalize } from './structures';
import { framesOf } from './frame.mjs';

const entry = (
  seq: number,
  payload: unknown = { type: 'ORDER_CANCELED', clientOrderId: 'c1', ts: 5 },
): WalEntry => ({
  seq,
  epoch: 7,
  ts: 1_700_000_000_123,
  type: 'ORDER_CANCELED',
  version: 1,
  payload,
});
const fields = (record: Buffer | string) => [Buffer.from('d'), record as Buffer];

describe('WAL record codec', () => {
  it('round-trips every field, for shared-structure and other payload shapes', () => {
    const payloads = [
      { type: 'ORDER_CANCELED', clientOrderId: 'c1', ts: 5 },
      { ts: 5, clientOrderId: 'c1', type: 'ORDER_CANCELED', reason: 'user', source: 'venue' },
      { anything: [1, 2.5, 'x', null, true, { deep: { er: 'y' } }], n: -3 },
      'a string',
      null,
    ];
    for (const [i, payload] of payloads.entries()) {
      const e = entry(i + 1, payload);
      const item = decodeStreamEntry(Buffer.from(`${i + 1}-0`), fields(encodeRecord(e)));
      expect(item).toEqual({ ok: true, entry: { ...e, payload: canonicalize(payload) } });
    }
  });

  it('packs equal payloads to equal bytes whatever the key order, dropping undefined members', () => {
    const a = encodeRecord(entry(1, { type: 'T', clientOrderId: 'x', ts: 1, reason: undefined }));
    const b = encodeRecord(entry(1, { ts: 1, clientOrderId: 'x', type: 'T' }));
    expect(a.equals(b)).toBe(true);
  });

  it('reports a flipped byte as CHECKSUM, with the sequence from the stream id', () => {
    const rec = encodeRecord(entry(42));
    rec[rec.length - 2]! ^= 0xff;
    expect(decodeStreamEntry('42-0', fields(rec))).toMatchObject({
      ok: false,
      corruption: { reason: 'CHECKSUM', seq: 42, position: '42-0' },
    });
  });

  it('reports truncated records as CHECKSUM, or UNDECODABLE below the header size', () => {
    const rec = encodeRecord(entry(3));
    expect(decodeStreamEntry('3-0', fields(rec.subarray(0, rec.length - 5)))).toMatchObject({
      ok: false,
      corruption: { reason: 'CHECKSUM', seq: 3 },
    });
    expect(decodeStreamEntry('3-0', fields(rec.subarray(0, 10)))).toMatchObject({
      ok: false,
      corruption: { reason: 'UNDECODABLE', seq: 3 },
    });
  });

  it('reports garbage fields as MISSING_FIELD and a record under another id as UNDECODABLE', () => {
    expect(decodeStreamEntry('9-0', [Buffer.from('foo'), Buffer.from('bar')])).toMatchObject({
      ok: false,
      corruption: { reason: 'MISSING_FIELD', seq: 9 },
    });
    expect(decodeStreamEntry('10-0', fields(encodeRecord(entry(9))))).toMatchObject({
      ok: false,
      corruption: { reason: 'UNDECODABLE', seq: 10 },
    });
    expect(decodeStreamEntry('x-y', fields(Buffer.from('junk junk junk junk junk junk junk')))).toMatchObject(
      {
        ok: false,
        corruption: { reason: 'UNDECODABLE', position: 'x-y' },
      },
    );
  });

  it('parses sequences from stream ids', () => {
    expect(seqOfId('123-0')).toBe(123);
    expect(seqOfId(Buffer.from('7-1'))).toBe(7);
    expect(seqOfId('nope')).toBeNaN();
  });
});

describe('reader thread windows (framesOf + decodeFrames)', () => {
  type Raw = [Buffer, Buffer[]];
  const payloads: unknown[] = [
    { type: 'ORDER_CANCELED', clientOrderId: 'c1', ts: 5 },
    { ts: 6, clientOrderId: 'c2', type: 'ORDER_ACCEPTED', venueOrderId: 'v2', source: 'venue' },
    { anything: [1, 2.5, 'x', null, true], n: -3 },
    'a string',
    null,
  ];
  const good = (seq: number): Raw => {
    const rec = encodeRecord({ ...entry(seq, payloads[seq % payloads.length]), type: `T${seq % 3}` });
    return [Buffer.from(`${seq}-0`), [Buffer.from('d'), rec]];
  };
  /** A sound frame (checksum recomputed) around `payload` bytes that are not one MessagePack value. */
  const badPayload = (seq: number, payload: number[]): Raw => {
    const rec = encodeRecord(entry(seq));
    const bad = Buffer.concat([rec.subarray(0, 28 + rec[27]!), Buffer.from(payload)]);
    bad.writeUInt32LE(crc32(bad.subarray(5)), 1);
    return [Buffer.from(`${seq}-0`), [Buffer.from('d'), bad]];
  };
  /** What the in-process path makes of the same entries, one by one. */
  const oneByOne = (raw: Raw[]) => raw.map(([id, f]) => decodeStreamEntry(id, f));

  it('decode a window of sound and faulty entries exactly as the in-process path does', () => {
    const raw: Raw[] = [];
    for (let seq = 1; seq <= 40; seq++) raw.push(good(seq));
    raw[6] = [Buffer.from('7-0'), [Buffer.from('zz'), Buffer.from('not a record')]];
    raw[12]![1][1] = Buffer.from(raw[12]![1][1]!);
    raw[12]![1][1]![40]! ^= 0x5a;
    raw.splice(20, 0, [Buffer.from('20-1'), [Buffer.from('hello'), Buffer.from('world')]]);
    const expected = oneByOne(raw);
    expect(decodeFrames(framesOf(raw), 1000)).toEqual(expected);
    // In chunks, as wal-read.ts decodes a window.
    const msg = framesOf(raw);
    const chunks = [];
    for (let i = 0; i < msg.count; i += 7)
      chunks.push(...decodeFrames(msg, 1000, i, Math.min(i + 7, msg.count)));
    expect(chunks).toEqual(expected);
    expect(msg.types).toEqual(['T1', 'T2', 'T0']);
  });

  it('read payloads that are not one value one at a time, even when the sequence would balance out', () => {
    // [0x91] (an array of one) would take the next payload as its element, and [0x01, 0x02] gives two
    // values: read as one sequence the window has as many values as payloads, each in the wrong place.
    const raw: Raw[] = [
      good(1),
      badPayload(2, [0x91]),
      good(3),
      good(4),
      badPayload(5, [0x01, 0x02]),
      good(6),
    ];
    const items = decodeFrames(framesOf(raw), 1000);
    expect(items).toEqual(oneByOne(raw));
    expect(items.map((i) => i.ok)).toEqual([true, false, true, true, false, true]);
    expect(items[1]).toMatchObject({
      ok: false,
      corruption: { reason: 'UNDECODABLE', seq: 2, position: '2-0' },
    });
    // Past the WAL's head (maxSeq), a corrupt entry carries no seq: a rogue id must not move replay along.
    const rogue = decodeFrames(
      framesOf([good(1), badPayload(900, [0xd9, 0x10]), [Buffer.from('901-0'), []]]),
      1,
    );
    expect(rogue.map((i) => (i.ok ? 'ok' : (i.corruption.seq ?? 'none')))).toEqual(['ok', 'none', 'none']);
    // Also the other ways a sequence read fails: several values in one payload (msgpackr reads a lone
    // 0xc1, the one unused byte, as a marker value), a value cut short.
    for (const payload of [
      [0xc1, 0xc1, 0xc1],
      [0x92, 0x01],
      [0xd9, 0x10],
    ]) {
      const r: Raw[] = [good(1), badPayload(2, payload), good(3)];
      const decoded = decodeFrames(framesOf(r), 1000);
      expect(decoded).toEqual(oneByOne(r));
      expect(decoded.map((i) => i.ok)).toEqual([true, false, true]);
    }
  });
});

describe('snapshot codec', () => {
  const state = {
    version: 1,
    lastSeq: 9,
    orders: [
      { clientOrderId: 'a', quantity: '1.5' },
      { clientOrderId: 'b', quantity: '2' },
    ],
  };

  it('round-trips and checks the sequence', () => {
    const buf = encodeSnapshot(9, 1234, state);
    expect(decodeSnapshot(buf, 9)).toEqual({ ok: true, state, seq: 9, takenAt: 1234 });
    expect(decodeSnapshot(buf, 10)).toMatchObject({ ok: false, reason: expect.stringContaining('seq 9') });
  });

  it('rejects a corrupt or truncated snapshot', () => {
    const buf = encodeSnapshot(9, 1234, state);
    buf[buf.length - 3]! ^= 1;
    expect(decodeSnapshot(buf, 9)).toMatchObject({ ok: false, reason: expect.stringContaining('checksum') });
    expect(decodeSnapshot(buf.subarray(0, 8), 9).ok).toBe(false);
  });

  // Orders of several shapes (with and without price, with fills of their own shape), as a book has.
  const big = (n: number) => ({
    version: 1,
    lastSeq: 77,
    orders: Array.from({ length: n }, (_, i) => ({
      clientOrderId: `o${i}`,
      quantity: String(i + 1),
      ...(i % 3 === 0 ? {} : { price: `${i}.5` }),
      fills: i % 5 === 0 ? [{ fillId: `f${i}`, quantity: '1', price: '2', timestamp: i }] : [],
      seq: i,
    })),
  });

  it('packs a large book a chunk per event-loop turn, into bytes any reader reads as the whole state', async () => {
    const state = big(2 * SNAPSHOT_CHUNK + 500);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const buf = await encodeSnapshotAsync(77, 5, state);
    ticking = false;
    // Three chunks: the event loop ran between them.
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(buf[0]).toBe(1);
    const back = decodeSnapshot(buf, 77);
    expect(back).toEqual({ ok: true, state, seq: 77, takenAt: 5 });
    expect(Object.keys((back as { state: object }).state)).toEqual(['version', 'lastSeq', 'orders']);
    // A reader that shares nothing with this process (an engine of an older build) reads the same.
    const fresh = new Unpackr({ useRecords: true, mapsAsObjects: true });
    expect(fresh.unpack(buf.subarray(21))).toEqual(state);
  });

  it('writes small books and other states exactly as a single pack does', async () => {
    for (const s of [state, big(SNAPSHOT_CHUNK), { any: 'thing' }, { orders: big(3000).orders, after: 1 }]) {
      expect((await encodeSnapshotAsync(9, 1234, s)).equals(encodeSnapshot(9, 1234, s))).toBe(true);
    }
  });

  it('refuses a chunked snapshot that lost its last chunk, even with a matching checksum', async () => {
    const whole = await encodeSnapshotAsync(77, 5, big(2 * SNAPSHOT_CHUNK + 1));
    const cut = Buffer.from(whole.subarray(0, whole.length - 20));
    cut.writeUInt32LE(crc32(cut.subarray(5)), 1);
    expect(decodeSnapshot(cut, 77)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('undecodable'),
    });
  });
});
