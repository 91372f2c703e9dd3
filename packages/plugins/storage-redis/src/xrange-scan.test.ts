import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import type { WalEntry } from '@veloz/engine';
import { encodeRecord } from './codec';
import { framesOf, type FramesMessage } from './frame.mjs';
import { XrangeScanner } from './xrange-scan.mjs';

type Raw = [Buffer, Buffer[]];

const entry = (seq: number, payload: unknown): WalEntry => ({
  seq,
  epoch: 3,
  ts: 1_700_000_000_000 + seq,
  type: seq % 2 ? 'ORDER_ACCEPTED' : 'ORDER_CANCELED',
  version: 1,
  payload,
});
const good = (seq: number): Raw => [
  Buffer.from(`${seq}-0`),
  [
    Buffer.from('d'),
    encodeRecord(entry(seq, { clientOrderId: `c${seq}`, ts: seq, n: [seq, 'x'.repeat(seq % 61)] })),
  ],
];

/** A window with every kind of entry the reader meets: sound, and each way an entry can be faulty. */
function mixedWindow(): Raw[] {
  const raw: Raw[] = [];
  for (let seq = 1; seq <= 30; seq++) raw.push(good(seq));
  // No `d` field (several other fields, one name longer than the 20 characters a fault lists).
  raw[3] = [
    Buffer.from('4-0'),
    [Buffer.from('zz'), Buffer.from('v'), Buffer.from('n'.repeat(30)), Buffer.from('w')],
  ];
  // A flipped byte (checksum).
  raw[5]![1][1] = Buffer.from(raw[5]![1][1]!);
  raw[5]![1][1]![40]! ^= 0x5a;
  // Too short, unknown format, a record of another seq under this id.
  raw[7]![1][1] = Buffer.from([1, 2, 3]);
  raw[8]![1][1] = Buffer.concat([Buffer.from([9]), raw[8]![1][1]!.subarray(1)]);
  raw[9] = [Buffer.from('10-0'), raw[10]![1]];
  // Extra fields around `d`; `d` as a value, not a name; two `d` fields (the first counts).
  raw[11] = [
    Buffer.from('12-0'),
    [
      Buffer.from('a'),
      Buffer.from('d'),
      Buffer.from('d'),
      raw[11]![1][1]!,
      Buffer.from('b'),
      Buffer.from(''),
    ],
  ];
  raw[12] = [Buffer.from('13-0'), [Buffer.from('d'), raw[12]![1][1]!, Buffer.from('d'), Buffer.from('junk')]];
  // No fields at all; an id that is not one of ours; a payload that is not MessagePack (sound frame).
  raw[13] = [Buffer.from('14-0'), []];
  raw.splice(20, 0, [Buffer.from('20-7'), [Buffer.from('hello'), Buffer.from('world')]]);
  const rec = encodeRecord(entry(25, null));
  const bad = Buffer.concat([rec.subarray(0, 28 + rec[27]!), Buffer.from([0xd9, 0x10])]);
  bad.writeUInt32LE(crc32(bad.subarray(5)), 1);
  raw[25] = [Buffer.from('25-0'), [Buffer.from('d'), bad]];
  return raw;
}

/** The RESP2 bytes Redis sends for an XRANGE reply of these entries. */
function resp(raw: Raw[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${raw.length}\r\n`)];
  const bulk = (b: Buffer) => parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  for (const [id, fields] of raw) {
    parts.push(Buffer.from('*2\r\n'));
    bulk(id);
    parts.push(Buffer.from(`*${fields.length}\r\n`));
    for (const f of fields) bulk(f);
  }
  return Buffer.concat(parts);
}

/** A message in a form `toEqual` compares whole (its data as bytes). */
const plain = (m: FramesMessage) => ({
  count: m.count,
  meta: Array.from(m.meta),
  types: m.types,
  faults: m.faults,
  data: Buffer.from(m.data).toString('base64'),
});

/** Feed `bytes` in pieces cut at `cuts`; the replies and errors in order. */
function scan(bytes: Buffer, cuts: number[] = []): (FramesMessage | Error)[] {
  const out: (FramesMessage | Error)[] = [];
  const scanner = new XrangeScanner(
    (m) => out.push(m),
    (e) => out.push(e),
  );
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.push(bytes.subarray(at, cut));
    at = cut;
  }
  return out;
}

describe('XRANGE replies read off the bytes (XrangeScanner)', () => {
  it('frames a window exactly as framesOf frames the parsed reply, sound and faulty entries alike', () => {
    const raw = mixedWindow();
    const [msg] = scan(resp(raw)) as FramesMessage[];
    const expected = plain(framesOf(raw));
    expect(plain(msg!)).toEqual(expected);
    // The window really holds each kind of fault, and the sound entries' payloads.
    expect(new Set(expected.faults.map((f) => f.reason))).toEqual(
      new Set(['MISSING_FIELD', 'CHECKSUM', 'UNDECODABLE']),
    );
    expect(expected.faults.find((f) => f.position === '4-0')?.detail).toBe(
      `no "d" field (fields: zz,${'n'.repeat(20)})`,
    );
    expect(Buffer.from(expected.data, 'base64').length).toBeGreaterThan(1000);
  });

  it('gives the same window however the bytes arrive: cut anywhere, or a byte at a time', () => {
    const raw = mixedWindow().slice(0, 16);
    const bytes = resp(raw);
    const expected = plain(framesOf(raw));
    for (let cut = 1; cut < bytes.length; cut++) {
      const out = scan(bytes, [cut]);
      expect(out).toHaveLength(1);
      expect(plain(out[0] as FramesMessage)).toEqual(expected);
    }
    const bytewise = scan(
      bytes,
      Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
    );
    expect(plain(bytewise[0] as FramesMessage)).toEqual(expected);
  });

  it('reads pipelined replies and error replies in order, reusing its buffer', () => {
    const windows = Array.from({ length: 200 }, (_, w) =>
      Array.from({ length: 20 }, (_, i) => good(w * 20 + i + 1)),
    );
    const replies: Buffer[] = [];
    for (const [w, raw] of windows.entries()) {
      replies.push(resp(raw));
      if (w % 50 === 7)
        replies.push(Buffer.from('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n'));
    }
    replies.push(Buffer.from('*0\r\n'));
    const all = Buffer.concat(replies);
    const out: (FramesMessage | Error)[] = [];
    const scanner = new XrangeScanner(
      (m) => out.push(m),
      (e) => out.push(e),
    );
    // In 64 KiB chunks, as a socket delivers a long pipelined read.
    for (let at = 0; at < all.length; at += 65_536) scanner.push(all.subarray(at, at + 65_536));
    const expected: unknown[] = [];
    for (const [w, raw] of windows.entries()) {
      expected.push(plain(framesOf(raw)));
      if (w % 50 === 7) expected.push('WRONGTYPE Operation against a key holding the wrong kind of value');
    }
    expected.push(plain(framesOf([])));
    expect(out.map((o) => (o instanceof Error ? o.message : plain(o)))).toEqual(expected);
    // It kept about one reply plus one chunk, not the whole read.
    const largest = Math.max(...windows.map((raw) => resp(raw).length));
    expect(all.length).toBeGreaterThan(4 * (largest + 65_536));
    expect((scanner as unknown as { buf: Buffer }).buf.length).toBeLessThanOrEqual(2 * (largest + 65_536));
  });

  it('throws on bytes that are not an XRANGE reply', () => {
    for (const bytes of [
      '+OK\r\n',
      ':12\r\n',
      '*1\r\n*3\r\n',
      '*1\r\n*2\r\n:5\r\n',
      '*1\r\n*2\r\n$3\r\n1-0\r\n$1\r\nd\r\n',
      '*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$x\r\n',
      '*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$-1\r\n',
      '*-1\r\n',
      '*1\n',
    ]) {
      expect(() => scan(Buffer.from(bytes)), bytes).toThrow(/Redis protocol error/);
    }
  });

  it('waits for the rest of a reply instead of reading past what arrived', () => {
    const bytes = resp([good(1), good(2)]);
    const out: unknown[] = [];
    const scanner = new XrangeScanner(
      (m) => out.push(m),
      (e) => out.push(e),
    );
    scanner.push(bytes.subarray(0, bytes.length - 1));
    expect(out).toEqual([]);
    scanner.push(bytes.subarray(bytes.length - 1));
    expect(out).toHaveLength(1);
  });
});
