import { describe, expect, it } from 'vitest';
import { Unpackr } from 'msgpackr';
import { crc32 } from 'node:zlib';
import { RecordBatch, crc32Range, decodeStreamEntry } from './codec';
import { walPackr } from './record-batch';
import { NOT_PACKED, packEvent } from './record-pack';
import { canonicalize, walStructures } from './structures';

const unpackr = new Unpackr({ structures: walStructures(), useRecords: true, mapsAsObjects: true });
// msgpackr's own packing with the WAL's options: the fast path must write exactly its bytes.
const reference = (payload: unknown): Buffer => Buffer.from(walPackr.pack(canonicalize(payload)));

const request = (over: Record<string, unknown> = {}) => ({
  clientOrderId: 'ord-00000001',
  account: 'acct',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '2',
  price: '42000.5',
  ...over,
});

const strings = [
  '',
  'x',
  'a'.repeat(31),
  'a'.repeat(32),
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(255),
  'a'.repeat(256),
  'a'.repeat(70_000),
  'é',
  'prix 42 000,5 €',
  '😀 emoji',
  'lone \ud800 surrogate',
  'é'.repeat(20),
  'é'.repeat(40),
  '日本'.repeat(30),
];
const numbers = [
  0,
  1,
  31,
  32,
  63,
  64,
  127,
  128,
  255,
  256,
  65_535,
  65_536,
  2 ** 32 - 1,
  2 ** 32,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32_768,
  -32_769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  1.5,
  -0.25,
  NaN,
  Infinity,
  -Infinity,
  -0,
  1_764_000_000_000,
  Number.MAX_SAFE_INTEGER,
];

/** Payloads the fast path packs. */
const packed: unknown[] = [
  { type: 'ORDER_SUBMITTED', clientOrderId: 'o1', ts: 1_764_000_000_000, order: request() },
  {
    type: 'ORDER_SUBMITTED',
    clientOrderId: 'o1',
    ts: 1,
    order: request({ price: undefined, type: 'MARKET' }),
  },
  { type: 'ORDER_ACCEPTED', clientOrderId: 'o1', ts: 2, venueOrderId: 'v-1', source: 'venue' },
  { source: 'venue', venueOrderId: 'v-1', ts: 2, clientOrderId: 'o1', type: 'ORDER_ACCEPTED' },
  {
    type: 'ORDER_FILLED',
    clientOrderId: 'o1',
    ts: 3,
    fill: { fillId: 'f-1', quantity: '2', price: '42000.5', timestamp: 3 },
    source: 'venue',
  },
  {
    type: 'ORDER_FILLED',
    clientOrderId: 'o1',
    ts: 3,
    venueOrderId: 'v-1',
    fill: { timestamp: 3, price: '1', quantity: '1', fillId: 'f' },
  },
  { type: 'ORDER_CANCELED', clientOrderId: 'o1', ts: 4, source: 'venue' },
  { type: 'ORDER_CANCELED', clientOrderId: 'o1', ts: 4, reason: 'user', source: undefined },
  { type: 'ORDER_REJECTED', clientOrderId: 'o1', ts: 5, reason: 'risk', order: request() },
  { type: 'CANCEL_REQUESTED', clientOrderId: 'o1', ts: 6 },
  ...strings.map((s) => ({ type: 'ORDER_CANCELED', clientOrderId: s, ts: 1, reason: s })),
  ...numbers.map((n) => ({ type: 'ORDER_CANCELED', clientOrderId: 'o', ts: n })),
  ...strings.map((s) => ({
    type: 'ORDER_SUBMITTED',
    clientOrderId: 'o',
    ts: 1,
    order: request({ symbol: s }),
  })),
  ...numbers.map((n) => ({
    type: 'ORDER_SUBMITTED',
    clientOrderId: 'o',
    ts: 1,
    order: request({ price: n }),
  })),
  { type: true, clientOrderId: null, ts: false },
  { type: 'ORDER_SUBMITTED', clientOrderId: 'o', ts: 1, order: request({ side: null, venue: true }) },
];

/** Payloads left to msgpackr (NOT_PACKED). */
const fallback: unknown[] = [
  'a string',
  42,
  null,
  [1, 2],
  {},
  { n: 1 },
  { type: 'X', clientOrderId: 'o', ts: 1, extra: 1 },
  { type: 'X', clientOrderId: 'o', ts: 1, order: request({ extra: 'x' }) },
  { type: 'X', clientOrderId: 'o', ts: 1, order: [1] },
  { type: 'X', clientOrderId: 'o', ts: 1, order: request({ price: { deep: 1 } }) },
  { type: 'X', clientOrderId: 'o', ts: 1, order: new Date(0) },
  { type: 'X', clientOrderId: 'o', ts: 10n },
  { type: 'X', ts: 1 }, // no structure with just these keys
  new (class Event {
    type = 'X';
    clientOrderId = 'o';
    ts = 1;
  })(),
  Object.assign(Object.create(null) as object, { type: 'X', clientOrderId: 'o', ts: 1 }),
];

describe('packEvent', () => {
  it('writes exactly the bytes msgpackr writes for the shapes it packs', () => {
    for (const payload of packed) {
      const buf = Buffer.alloc(300_000);
      const end = packEvent(buf, 7, payload);
      expect(end, JSON.stringify(payload)?.slice(0, 80)).toBeGreaterThan(7);
      expect(buf.subarray(7, end).equals(reference(payload)), JSON.stringify(payload)?.slice(0, 80)).toBe(
        true,
      );
    }
  });

  it('leaves other shapes to msgpackr', () => {
    for (const payload of fallback) expect(packEvent(Buffer.alloc(1000), 0, payload)).toBe(NOT_PACKED);
  });

  it('answers NO_ROOM rather than writing past the end', () => {
    const payload = packed[0]!;
    const size = reference(payload).length;
    for (let len = 0; len < size + 40; len++) {
      const buf = Buffer.alloc(len);
      const end = packEvent(buf, 0, payload);
      if (end >= 0) expect(buf.subarray(0, end).equals(reference(payload))).toBe(true);
    }
  });
});

describe('RecordBatch', () => {
  /** Parse `wire`'s RESP: `*n`, the header's bulk strings, then (id, record) pairs. */
  const parse = (wire: Buffer): Buffer[] => {
    const out: Buffer[] = [];
    let at = wire.indexOf('\r\n') + 2;
    const n = Number(wire.toString('latin1', 1, at - 2));
    for (let i = 0; i < n; i++) {
      expect(wire[at]).toBe(0x24);
      const eol = wire.indexOf('\r\n', at);
      const len = Number(wire.toString('latin1', at + 1, eol));
      out.push(wire.subarray(eol + 2, eol + 2 + len));
      expect(wire.toString('latin1', eol + 2 + len, eol + 4 + len)).toBe('\r\n');
      at = eol + 4 + len;
    }
    expect(at).toBe(wire.length);
    return out;
  };

  it('frames ids and records of every size as RESP argument pairs that decode back', () => {
    const payloads = [
      { n: 1 }, // a 2-digit record
      ...packed,
      { type: 'X', clientOrderId: 'o', ts: 1, reason: 'r'.repeat(20_000) }, // 5 digits, grown buffer
      { big: 'b'.repeat(200_000) }, // through msgpackr, 6 digits
    ];
    const batch = new RecordBatch(64, 64);
    const seqs = payloads.map((_, i) => [9, 99, 100, 12_345, 2 ** 40][i % 5]! + i);
    payloads.forEach((p, i) => batch.add(seqs[i]!, 3, 1_764_000_000_000, 'ORDER_X', 1, p));
    const args = parse(batch.wire(`*${1 + 2 * payloads.length}\r\n$4\r\nTEST\r\n`));
    expect(args[0]!.toString()).toBe('TEST');
    expect(args.length).toBe(1 + 2 * payloads.length);
    const records = batch.records();
    payloads.forEach((p, i) => {
      const id = args[1 + 2 * i]!.toString();
      const record = args[2 + 2 * i]!;
      expect(id).toBe(`${seqs[i]}-0`);
      expect(record.equals(records[i]!)).toBe(true);
      const item = decodeStreamEntry(id, ['d', record]);
      expect(item.ok && item.entry).toEqual({
        seq: seqs[i],
        epoch: 3,
        ts: 1_764_000_000_000,
        type: 'ORDER_X',
        version: 1,
        payload: unpackr.unpack(reference(p)),
      });
    });
    expect(batch.args().map(String)).toEqual(args.slice(1).map(String));
    // `bytes` (the WAL's appendedBytes) counts exactly the records, not their framing or ids.
    expect(batch.bytes).toBe(records.reduce((n, r) => n + r.length, 0));
  });

  it('rolls back to a mark: count, bytes and wire as they were', () => {
    const batch = new RecordBatch(64, 8);
    batch.add(1, 1, 1, 'T', 1, { n: 1 });
    const mark = batch.mark();
    const before = { count: batch.count, bytes: batch.bytes, wire: Buffer.from(batch.wire('')) };
    batch.add(2, 1, 1, 'T', 1, { n: 'x'.repeat(5000) });
    expect(batch.bytes).toBeGreaterThan(before.bytes + 5000);
    batch.rollback(mark);
    expect({ count: batch.count, bytes: batch.bytes, wire: Buffer.from(batch.wire('')) }).toEqual(before);
  });

  it('adds nothing for a payload that cannot be encoded', () => {
    const batch = new RecordBatch(64, 8);
    batch.add(1, 1, 1, 'T', 1, { n: 1 });
    const before = batch.wire('');
    const bad = { self: {} as Record<string, unknown> };
    bad.self.self = bad; // too deep for msgpackr: it throws
    expect(() => batch.add(2, 1, 1, 'T', 1, bad)).toThrow();
    expect(batch.count).toBe(1);
    expect(batch.wire('').equals(before)).toBe(true);
  });
});

describe('crc32Range', () => {
  it('equals zlib.crc32 of the same bytes, for every length and offset', () => {
    const data = Buffer.alloc(2000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    for (let start = 0; start < 9; start++) {
      for (let end = start; end < 700; end += 7) {
        expect(crc32Range(data, start, end)).toBe(crc32(data.subarray(start, end)));
      }
    }
    expect(crc32Range(data, 3, 2000)).toBe(crc32(data.subarray(3)));
  });
});
