import { crc32 } from 'node:zlib';
import { Packr, Unpackr } from 'msgpackr';
import type { WalCorruption, WalEntry, WalReadItem } from '@veloz/engine';
import { canonicalize, walStructures } from './structures';

/**
 * The WAL record, format 1: one binary stream field `d` per entry, the stream id being `<seq>-0`.
 *
 *   offset size
 *   0      1    format (1)
 *   1      4    crc32 (LE) of every byte from offset 5 to the end
 *   5      8    seq (float64 LE, integral)
 *   13     4    epoch (uint32 LE)
 *   17     8    ts, epoch ms (float64 LE)
 *   25     2    schema version of the payload (uint16 LE)
 *   27     1    type length n (bytes)
 *   28     n    type (ASCII)
 *   28+n   …    payload (MessagePack; records from the frozen list in structures.ts)
 *
 * Pure functions: no I/O, tested without Redis.
 */
export const RECORD_FORMAT = 1;
export const RECORD_FIELD = 'd';
const HEADER = 28;

// Shared structures are never extended at run time (shouldShareStructure → false): other shapes are
// written as in-message records, so every process reads every record with the same frozen list.
const packr = new Packr({
  structures: walStructures(),
  useRecords: true,
  moreTypes: false,
  shouldShareStructure: () => false,
} as ConstructorParameters<typeof Packr>[0]);
const unpackr = new Unpackr({ structures: walStructures(), useRecords: true, mapsAsObjects: true });

/** Encode one entry (with its assigned seq, epoch and ts) into a checksummed record. */
export function encodeRecord(entry: WalEntry): Buffer {
  return encodeRecordFields(entry.seq, entry.epoch, entry.ts, entry.type, entry.version, entry.payload);
}

/** `encodeRecord` without building the entry object. */
export function encodeRecordFields(
  seq: number,
  epoch: number,
  ts: number,
  type: string,
  version: number,
  payload: unknown,
): Buffer {
  const batch = new RecordBatch(256);
  batch.add(seq, epoch, ts, type, version, payload);
  return Buffer.from(batch.records()[0]!);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]{0,255}$/;
/** Types already checked against PRINTABLE_ASCII (they repeat: one regex test per type, not per entry). */
const validTypes = new Set<string>();

/**
 * Records of one append batch, encoded back to back into one growing buffer, each already framed as a
 * RESP bulk string (`$<len>\r\n<record>\r\n`), so the whole APPEND command goes to the socket as one
 * buffer: `wire(header)` puts the command header into the headroom in front of the first record (no
 * copy of the records, none of the client library's per-argument encoding). `records()` gives views of
 * the records themselves, one APPEND script argument each (Redis then XADDs each argument as it
 * arrived; splitting one blob inside Lua cost more server time than the client saves).
 */
export class RecordBatch {
  private buf: Buffer;
  private end: number;
  private starts: number[] = [];
  private sizes: number[] = [];

  /** `headroom`: bytes kept free in front of the first record for `wire`'s command header. */
  constructor(
    initialBytes = 64 * 1024,
    private readonly headroom = 0,
  ) {
    this.buf = Buffer.allocUnsafe(headroom + initialBytes);
    this.end = headroom;
  }

  get count(): number {
    return this.starts.length;
  }

  /** Append one record. Throws (adding nothing) when the type or payload cannot be encoded. */
  add(seq: number, epoch: number, ts: number, type: string, version: number, payload: unknown): void {
    if (!validTypes.has(type)) {
      if (!PRINTABLE_ASCII.test(type)) {
        throw new RangeError(`entry type must be 0-255 printable ASCII characters: ${type.slice(0, 40)}`);
      }
      if (validTypes.size < 64) validTypes.add(type);
    }
    const packed = packr.pack(canonicalize(payload));
    const typeLen = type.length;
    const size = HEADER + typeLen + packed.length;
    // `$` + up to 10 digits + CRLF, the record, CRLF.
    const need = 13 + size + 2;
    if (this.end + need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.end + need));
      this.buf.copy(grown, 0, 0, this.end);
      this.buf = grown;
    }
    const buf = this.buf;
    let at = this.end;
    buf[at++] = 0x24; // $
    at += buf.write(String(size), at, 'latin1');
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
    buf[at] = RECORD_FORMAT;
    buf.writeDoubleLE(seq, at + 5);
    buf.writeUInt32LE(epoch, at + 13);
    buf.writeDoubleLE(ts, at + 17);
    buf.writeUInt16LE(version, at + 25);
    buf[at + 27] = typeLen;
    buf.write(type, at + HEADER, 'latin1');
    packed.copy(buf, at + HEADER + typeLen);
    buf.writeUInt32LE(crc32(buf.subarray(at + 5, at + size)), at + 1);
    buf[at + size] = 0x0d;
    buf[at + size + 1] = 0x0a;
    this.starts.push(at);
    this.sizes.push(size);
    this.end = at + size + 2;
  }

  /** A point to roll back to (before a caller whose entries fail to encode). */
  mark(): { end: number; count: number } {
    return { end: this.end, count: this.starts.length };
  }

  rollback(mark: { end: number; count: number }): void {
    this.end = mark.end;
    this.starts.length = mark.count;
    this.sizes.length = mark.count;
  }

  /**
   * The whole command: `header` (RESP of the command and its arguments before the records) followed
   * by the framed records. Written into the headroom when it fits, else copied once.
   */
  wire(header: string): Buffer {
    const len = Buffer.byteLength(header, 'utf8');
    const records = this.buf.subarray(this.headroom, this.end);
    if (len > this.headroom) return Buffer.concat([Buffer.from(header, 'utf8'), records]);
    const from = this.headroom - len;
    this.buf.write(header, from, 'utf8');
    return this.buf.subarray(from, this.end);
  }

  /** The records themselves (views into the batch buffer). */
  records(): Buffer[] {
    return this.starts.map((s, i) => this.buf.subarray(s, s + this.sizes[i]!));
  }
}

/** Stream id of a sequence. */
export const streamId = (seq: number): string => `${seq}-0`;

/** Sequence of a stream id (`<seq>-<n>`), or NaN when it is not one of ours. */
export function seqOfId(id: Buffer | string): number {
  const s = typeof id === 'string' ? id : id.toString('latin1');
  const dash = s.indexOf('-');
  return dash > 0 ? Number(s.slice(0, dash)) : NaN;
}

const corrupt = (
  reason: WalCorruption['reason'],
  seq: number,
  position: string,
  detail: string,
): WalReadItem => ({
  ok: false,
  corruption: Number.isFinite(seq) ? { reason, seq, position, detail } : { reason, position, detail },
});

/**
 * Decode one stream entry (`id` and its flat field list) into a WAL entry, or the reason it is corrupt:
 * MISSING_FIELD (no `d` field), UNDECODABLE (too short, unknown format, seq not matching its id, payload
 * not MessagePack), CHECKSUM (crc mismatch: flipped or truncated bytes).
 */
export function decodeStreamEntry(id: Buffer | string, fields: (Buffer | string)[]): WalReadItem {
  const idSeq = typeof id === 'string' ? seqOfId(id) : seqOfIdBuffer(id);
  let buf: Buffer | string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const f = fields[i]!;
    if (f.length === 1 && (typeof f === 'string' ? f === RECORD_FIELD : f[0] === 0x64)) {
      buf = fields[i + 1];
      break;
    }
  }
  if (buf === undefined) {
    const names = fields
      .filter((_, i) => i % 2 === 0)
      .map((f) => f.toString().slice(0, 20))
      .join(',');
    return corrupt('MISSING_FIELD', idSeq, positionOf(id), `no "${RECORD_FIELD}" field (fields: ${names})`);
  }
  if (typeof buf === 'string') buf = Buffer.from(buf, 'latin1');
  if (buf.length < HEADER || buf[0] !== RECORD_FORMAT) {
    return corrupt(
      'UNDECODABLE',
      idSeq,
      positionOf(id),
      buf.length < HEADER ? `record of ${buf.length} bytes is too short` : `unknown record format ${buf[0]}`,
    );
  }
  const stored = buf.readUInt32LE(1);
  const actual = crc32(buf.subarray(5));
  if (stored !== actual) {
    return corrupt(
      'CHECKSUM',
      idSeq,
      positionOf(id),
      `crc32 ${actual} != stored ${stored} (${buf.length} bytes)`,
    );
  }
  const seq = buf.readDoubleLE(5);
  if (seq !== idSeq)
    return corrupt('UNDECODABLE', idSeq, positionOf(id), `record seq ${seq} under id ${positionOf(id)}`);
  const typeLen = buf[27]!;
  if (HEADER + typeLen > buf.length)
    return corrupt('UNDECODABLE', seq, positionOf(id), 'type runs past the end');
  let payload: unknown;
  try {
    payload = unpackr.unpack(buf, { start: HEADER + typeLen, end: buf.length });
  } catch (err) {
    return corrupt('UNDECODABLE', seq, positionOf(id), `payload: ${(err as Error).message}`);
  }
  return {
    ok: true,
    entry: {
      seq,
      epoch: buf.readUInt32LE(13),
      ts: buf.readDoubleLE(17),
      version: buf.readUInt16LE(25),
      type: typeAt(buf, typeLen),
      payload,
    },
  };
}

// Entry types repeat: reuse the string of one already seen (a byte compare) instead of making one per entry.
const typeCache: string[] = [];
function typeAt(buf: Buffer, len: number): string {
  outer: for (let i = 0; i < typeCache.length; i++) {
    const t = typeCache[i]!;
    if (t.length !== len) continue;
    for (let j = 0; j < len; j++) if (buf[HEADER + j] !== t.charCodeAt(j)) continue outer;
    return t;
  }
  const t = buf.toString('latin1', HEADER, HEADER + len);
  if (typeCache.length < 32) typeCache.push(t);
  return t;
}

const positionOf = (id: Buffer | string): string => (typeof id === 'string' ? id : id.toString('latin1'));

/** `seqOfId` on the raw id bytes, without making a string (the replay hot path). */
function seqOfIdBuffer(id: Buffer): number {
  let n = 0;
  for (let i = 0; i < id.length; i++) {
    const c = id[i]!;
    if (c === 0x2d) return i > 0 && i <= 16 ? n : NaN;
    if (c < 0x30 || c > 0x39) return NaN;
    n = n * 10 + (c - 0x30);
  }
  return NaN;
}

/**
 * Snapshot value, format 1: [format u8][crc32 u32 of the rest][seq f64][takenAt f64][MessagePack state].
 * The state is packed with msgpackr records: an OrderStore of many same-shaped orders packs each key once.
 */
const SNAP_HEADER = 21;
const snapPackr = new Packr({ useRecords: true, moreTypes: false });
const snapUnpackr = new Unpackr({ useRecords: true, mapsAsObjects: true });

export function encodeSnapshot(seq: number, takenAt: number, state: unknown): Buffer {
  const body = snapPackr.pack(state);
  const buf = Buffer.allocUnsafe(SNAP_HEADER + body.length);
  buf[0] = RECORD_FORMAT;
  buf.writeDoubleLE(seq, 5);
  buf.writeDoubleLE(takenAt, 13);
  body.copy(buf, SNAP_HEADER);
  buf.writeUInt32LE(crc32(buf.subarray(5)), 1);
  return buf;
}

/** Header of a snapshot (readable from its first bytes, without the state). */
export function decodeSnapshotHeader(buf: Buffer): { seq: number; takenAt: number } | undefined {
  if (buf.length < SNAP_HEADER || buf[0] !== RECORD_FORMAT) return undefined;
  return { seq: buf.readDoubleLE(5), takenAt: buf.readDoubleLE(13) };
}

export function decodeSnapshot(
  buf: Buffer,
  expectedSeq: number,
): { ok: true; state: unknown; seq: number; takenAt: number } | { ok: false; reason: string } {
  const header = decodeSnapshotHeader(buf);
  if (!header) return { ok: false, reason: `snapshot of ${buf.length} bytes: bad header` };
  const stored = buf.readUInt32LE(1);
  const actual = crc32(buf.subarray(5));
  if (stored !== actual)
    return { ok: false, reason: `snapshot checksum mismatch (crc32 ${actual} != ${stored})` };
  if (header.seq !== expectedSeq)
    return { ok: false, reason: `snapshot holds seq ${header.seq}, not ${expectedSeq}` };
  try {
    return { ok: true, state: snapUnpackr.unpack(buf.subarray(SNAP_HEADER)), ...header };
  } catch (err) {
    return { ok: false, reason: `snapshot undecodable: ${(err as Error).message}` };
  }
}
