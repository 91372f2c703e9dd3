import { EVENT_ORDER, NESTED_ORDER, walStructures } from './structures';

/**
 * The append hot path's MessagePack writer: an order event payload packed straight into the batch
 * buffer, byte for byte what `packr.pack(canonicalize(payload))` (codec.ts) writes, without the
 * canonical copy, msgpackr's own buffer and the copy out of it (~1.9 → ~0.5 µs per event).
 *
 * Only the shapes the frozen structures cover are packed here: a plain object whose defined keys are one
 * of the event structures, its values strings, numbers, booleans, null or a plain object whose defined
 * keys are one of the nested structures (order request, fill) with such scalar values. Anything else
 * (unknown keys, arrays, other objects) answers NOT_PACKED and goes through msgpackr, so the format is
 * msgpackr's in every case; record-pack.test.ts checks the bytes against msgpackr's.
 */

/** The payload is not one of the shapes packed here: pack it with msgpackr. */
export const NOT_PACKED = -1;
/** Too little room left in the buffer: grow it and pack again. */
export const NO_ROOM = -2;

type Ranks = Record<string, number | undefined>;

const ranks = (order: readonly string[]): Ranks => {
  const t = Object.create(null) as Ranks;
  order.forEach((k, i) => (t[k] = i));
  return t;
};
const EVENT_RANK = ranks(EVENT_ORDER);
const NESTED_RANK = ranks(NESTED_ORDER);

/**
 * Record id by the set of defined keys (bit i: the key of rank i), 0 when no structure has exactly
 * those keys in rank order. msgpackr's ids are 0x40 + the position in the frozen list, one byte below
 * 0x60; a later structure with the same keys wins, as in msgpackr's transition table.
 */
function recordIds(order: readonly string[], rank: Ranks): Uint8Array {
  const ids = new Uint8Array(1 << order.length);
  walStructures().forEach((keys, i) => {
    if (i >= 0x20) return;
    let mask = 0;
    let last = -1;
    for (const k of keys) {
      const r = rank[k];
      if (r === undefined || r <= last) return;
      last = r;
      mask |= 1 << r;
    }
    ids[mask] = 0x40 + i;
  });
  return ids;
}
const EVENT_IDS = recordIds(EVENT_ORDER, EVENT_RANK);
const NESTED_IDS = recordIds(NESTED_ORDER, NESTED_RANK);

const isPlainObject = (v: object): v is Record<string, unknown> =>
  Object.getPrototypeOf(v) === Object.prototype;

/**
 * Pack `payload` into `buf` from `at`. Returns the end of the packed bytes, NOT_PACKED (nothing usable
 * written) or NO_ROOM.
 */
export function packEvent(buf: Buffer, at: number, payload: unknown): number {
  if (typeof payload !== 'object' || payload === null || !isPlainObject(payload)) return NOT_PACKED;
  if (UNROLLED) {
    const end = packEventUnrolled(buf, at, payload);
    if (end !== NOT_PACKED) return end;
  }
  return packRecord(buf, at, payload, EVENT_ORDER, EVENT_RANK, EVENT_IDS, true);
}

/**
 * The key lists as the unrolled readers below spell them out. Should the frozen lists ever gain keys,
 * the unrolled path switches off (packRecord handles every list) until it is extended here too.
 */
const UNROLLED =
  EVENT_ORDER.join() === 'type,clientOrderId,ts,source,order,venueOrderId,reason,fill' &&
  NESTED_ORDER.join() ===
    'clientOrderId,account,venue,symbol,side,type,timeInForce,fillId,quantity,price,timestamp';

/**
 * `packRecord` for the event keys with named reads: inline caches keep them fast across the few event
 * shapes, where packRecord's computed keys go megamorphic (0.75 → ~0.3 µs an event, measured in the
 * append benchmark). NOT_PACKED when the object has other keys or undefined members: packRecord decides.
 */
function packEventUnrolled(buf: Buffer, at: number, o: Record<string, unknown>): number {
  const type = o.type;
  const clientOrderId = o.clientOrderId;
  const ts = o.ts;
  const source = o.source;
  const order = o.order;
  const venueOrderId = o.venueOrderId;
  const reason = o.reason;
  const fill = o.fill;
  let keys = 0;
  for (const _ in o) keys++;
  let mask = 0;
  if (type !== undefined) mask |= 1 << 0;
  if (clientOrderId !== undefined) mask |= 1 << 1;
  if (ts !== undefined) mask |= 1 << 2;
  if (source !== undefined) mask |= 1 << 3;
  if (order !== undefined) mask |= 1 << 4;
  if (venueOrderId !== undefined) mask |= 1 << 5;
  if (reason !== undefined) mask |= 1 << 6;
  if (fill !== undefined) mask |= 1 << 7;
  if (bitCount(mask) !== keys) return NOT_PACKED;
  const id = EVENT_IDS[mask]!;
  if (id === 0) return NOT_PACKED;
  if (at + 1 > buf.length) return NO_ROOM;
  buf[at++] = id;
  if (type !== undefined && (at = packValue(buf, at, type, true)) < 0) return at;
  if (clientOrderId !== undefined && (at = packValue(buf, at, clientOrderId, true)) < 0) return at;
  if (ts !== undefined && (at = packValue(buf, at, ts, true)) < 0) return at;
  if (source !== undefined && (at = packValue(buf, at, source, true)) < 0) return at;
  if (order !== undefined && (at = packValue(buf, at, order, true)) < 0) return at;
  if (venueOrderId !== undefined && (at = packValue(buf, at, venueOrderId, true)) < 0) return at;
  if (reason !== undefined && (at = packValue(buf, at, reason, true)) < 0) return at;
  if (fill !== undefined && (at = packValue(buf, at, fill, true)) < 0) return at;
  return at;
}

/** The nested keys (order request, fill) the same way. */
function packNestedUnrolled(buf: Buffer, at: number, o: Record<string, unknown>): number {
  const clientOrderId = o.clientOrderId;
  const account = o.account;
  const venue = o.venue;
  const symbol = o.symbol;
  const side = o.side;
  const type = o.type;
  const timeInForce = o.timeInForce;
  const fillId = o.fillId;
  const quantity = o.quantity;
  const price = o.price;
  const timestamp = o.timestamp;
  let keys = 0;
  for (const _ in o) keys++;
  let mask = 0;
  if (clientOrderId !== undefined) mask |= 1 << 0;
  if (account !== undefined) mask |= 1 << 1;
  if (venue !== undefined) mask |= 1 << 2;
  if (symbol !== undefined) mask |= 1 << 3;
  if (side !== undefined) mask |= 1 << 4;
  if (type !== undefined) mask |= 1 << 5;
  if (timeInForce !== undefined) mask |= 1 << 6;
  if (fillId !== undefined) mask |= 1 << 7;
  if (quantity !== undefined) mask |= 1 << 8;
  if (price !== undefined) mask |= 1 << 9;
  if (timestamp !== undefined) mask |= 1 << 10;
  if (bitCount(mask) !== keys) return NOT_PACKED;
  const id = NESTED_IDS[mask]!;
  if (id === 0) return NOT_PACKED;
  if (at + 1 > buf.length) return NO_ROOM;
  buf[at++] = id;
  if (clientOrderId !== undefined && (at = packValue(buf, at, clientOrderId, false)) < 0) return at;
  if (account !== undefined && (at = packValue(buf, at, account, false)) < 0) return at;
  if (venue !== undefined && (at = packValue(buf, at, venue, false)) < 0) return at;
  if (symbol !== undefined && (at = packValue(buf, at, symbol, false)) < 0) return at;
  if (side !== undefined && (at = packValue(buf, at, side, false)) < 0) return at;
  if (type !== undefined && (at = packValue(buf, at, type, false)) < 0) return at;
  if (timeInForce !== undefined && (at = packValue(buf, at, timeInForce, false)) < 0) return at;
  if (fillId !== undefined && (at = packValue(buf, at, fillId, false)) < 0) return at;
  if (quantity !== undefined && (at = packValue(buf, at, quantity, false)) < 0) return at;
  if (price !== undefined && (at = packValue(buf, at, price, false)) < 0) return at;
  if (timestamp !== undefined && (at = packValue(buf, at, timestamp, false)) < 0) return at;
  return at;
}

const bitCount = (x: number): number => {
  let n = 0;
  for (; x !== 0; x &= x - 1) n++;
  return n;
};

/** One member's value: a scalar, or (when `nest`) a nested record. */
function packValue(buf: Buffer, at: number, v: unknown, nest: boolean): number {
  if (typeof v === 'string') return packString(buf, at, v);
  if (typeof v === 'number') return packNumber(buf, at, v);
  if (typeof v === 'boolean' || v === null) {
    if (at + 1 > buf.length) return NO_ROOM;
    buf[at] = v === null ? 0xc0 : v ? 0xc3 : 0xc2;
    return at + 1;
  }
  if (nest && typeof v === 'object' && isPlainObject(v)) {
    const end = UNROLLED ? packNestedUnrolled(buf, at, v) : NOT_PACKED;
    return end !== NOT_PACKED ? end : packRecord(buf, at, v, NESTED_ORDER, NESTED_RANK, NESTED_IDS, false);
  }
  return NOT_PACKED;
}

function packRecord(
  buf: Buffer,
  at: number,
  obj: Record<string, unknown>,
  order: readonly string[],
  rank: Ranks,
  ids: Uint8Array,
  nest: boolean,
): number {
  let mask = 0;
  for (const k in obj) {
    const r = rank[k];
    if (r === undefined) return NOT_PACKED;
    if (obj[k] !== undefined) mask |= 1 << r;
  }
  const id = ids[mask]!;
  if (id === 0) return NOT_PACKED;
  if (at + 1 > buf.length) return NO_ROOM;
  buf[at++] = id;
  for (let r = 0; r < order.length; r++) {
    if ((mask & (1 << r)) === 0) continue;
    const v = obj[order[r]!];
    if (typeof v === 'string') at = packString(buf, at, v);
    else if (typeof v === 'number') at = packNumber(buf, at, v);
    else if (typeof v === 'boolean' || v === null) {
      if (at + 1 > buf.length) return NO_ROOM;
      buf[at++] = v === null ? 0xc0 : v ? 0xc3 : 0xc2;
    } else if (nest && typeof v === 'object' && isPlainObject(v)) {
      at = packRecord(buf, at, v, NESTED_ORDER, NESTED_RANK, NESTED_IDS, false);
    } else return NOT_PACKED;
    if (at < 0) return at;
  }
  return at;
}

/** A str of the shortest header for its UTF-8 length (lone surrogates as U+FFFD, as msgpackr and Buffer do). */
function packString(buf: Buffer, at: number, s: string): number {
  const len = s.length;
  if (at + 5 + len * 3 > buf.length) return NO_ROOM;
  if (len < 0x40) {
    // Short ASCII strings (ids, symbols, decimals): a byte loop beats the native call.
    const head = len < 0x20 ? 1 : 2;
    let p = at + head;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return packUtf8(buf, at, s);
      buf[p++] = c;
    }
    if (head === 1) buf[at] = 0xa0 | len;
    else {
      buf[at] = 0xd9;
      buf[at + 1] = len;
    }
    return p;
  }
  return packUtf8(buf, at, s);
}

function packUtf8(buf: Buffer, at: number, s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  if (n < 0x20) buf[at++] = 0xa0 | n;
  else if (n < 0x100) {
    buf[at++] = 0xd9;
    buf[at++] = n;
  } else if (n < 0x10000) {
    buf[at++] = 0xda;
    buf[at++] = n >> 8;
    buf[at++] = n & 0xff;
  } else {
    buf[at++] = 0xdb;
    buf.writeUInt32BE(n, at);
    at += 4;
  }
  return at + buf.write(s, at, n, 'utf8');
}

/** msgpackr's number encoding: integers in the smallest int form (0..63 as one byte), others float64. */
function packNumber(buf: Buffer, at: number, v: number): number {
  if (at + 9 > buf.length) return NO_ROOM;
  if (v >>> 0 === v) {
    if (v < 0x40) buf[at++] = v;
    else if (v < 0x100) {
      buf[at++] = 0xcc;
      buf[at++] = v;
    } else if (v < 0x10000) {
      buf[at++] = 0xcd;
      buf[at++] = v >> 8;
      buf[at++] = v & 0xff;
    } else {
      buf[at++] = 0xce;
      buf.writeUInt32BE(v, at);
      at += 4;
    }
  } else if (v >> 0 === v) {
    if (v >= -0x20) buf[at++] = 0x100 + v;
    else if (v >= -0x80) {
      buf[at++] = 0xd0;
      buf[at++] = v + 0x100;
    } else if (v >= -0x8000) {
      buf[at++] = 0xd1;
      buf.writeInt16BE(v, at);
      at += 2;
    } else {
      buf[at++] = 0xd2;
      buf.writeInt32BE(v, at);
      at += 4;
    }
  } else {
    buf[at++] = 0xcb;
    buf.writeDoubleBE(v, at);
    at += 8;
  }
  return at;
}
