import { crc32 } from 'node:zlib';
import { Packr, Unpackr } from 'msgpackr';
import type { WalCorruption, WalReadItem } from '@veloz/engine';
import {
  checkFrame,
  FRAME_META,
  HEADER,
  RECORD_FIELD,
  RECORD_FORMAT,
  recordField,
  seqOfIdBytes,
  type FramesMessage,
} from './frame.mjs';
import { walStructures } from './structures';
import { decodeOrderTable, encodeOrderTable, encodeOrderTableChunks } from './order-table';

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
 * Pure functions: no I/O, tested without Redis. Encoding (RecordBatch) is in record-batch.ts; the frame
 * checks live in frame.mjs, shared with the reader thread (read-worker.mjs).
 */
export { RECORD_FIELD, RECORD_FORMAT };
export { encodeRecord, encodeRecordFields, RecordBatch, crc32Range, streamId } from './record-batch';

const unpackr = new Unpackr({ structures: walStructures(), useRecords: true, mapsAsObjects: true });

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
  const idSeq = typeof id === 'string' ? seqOfId(id) : seqOfIdBytes(id);
  let buf = recordField(fields);
  if (buf === undefined) {
    const names = fields
      .filter((_, i) => i % 2 === 0)
      .map((f) => f.toString().slice(0, 20))
      .join(',');
    return corrupt('MISSING_FIELD', idSeq, positionOf(id), `no "${RECORD_FIELD}" field (fields: ${names})`);
  }
  if (typeof buf === 'string') buf = Buffer.from(buf, 'latin1');
  const fault = checkFrame(buf, idSeq, id);
  if (fault) return corrupt(fault.reason, fault.seq, positionOf(id), fault.detail);
  return decodeSoundRecord(buf, 0, buf.length, idSeq, id);
}

/**
 * The entry of a record whose frame `checkFrame` found sound (at `start`..`end` of `buf`): header fields
 * and the decoded payload, or UNDECODABLE when the payload is not MessagePack.
 */
function decodeSoundRecord(
  buf: Buffer,
  start: number,
  end: number,
  seq: number,
  id: Buffer | string,
): WalReadItem {
  const typeLen = buf[start + 27]!;
  let payload: unknown;
  try {
    payload = unpackr.unpack(buf, { start: start + HEADER + typeLen, end });
  } catch (err) {
    return corrupt('UNDECODABLE', seq, positionOf(id), `payload: ${(err as Error).message}`);
  }
  return {
    ok: true,
    entry: {
      seq,
      epoch: buf.readUInt32LE(start + 13),
      ts: buf.readDoubleLE(start + 17),
      version: buf.readUInt16LE(start + 25),
      type: typeAt(buf, start + HEADER, typeLen),
      payload,
    },
  };
}

/** A window of the WAL as the reader thread posts it (`framesOf`, frame.mjs). */
export type { FramesMessage };

/**
 * The items `from`..`to` (exclusive) of a window framed and checked by `framesOf` (in the reader thread,
 * or on this thread for shorter reads): payloads decoded here, faults turned into corruption items. A
 * corrupt entry's seq beyond `maxSeq` (a rogue id past the WAL's head) is left out, so that it cannot drag
 * replay's expected sequence along.
 *
 * The chunk's payloads lie back to back in `data`, so they are read as one MessagePack sequence
 * (`unpackMultiple`): one call instead of one per entry, and msgpackr extracts the strings of many
 * payloads at once (1M payloads of the bench mix: 0.60-1.04 s → 0.23-0.43 s of CPU in a fresh process,
 * 2026-11-27). Each value must end exactly where its payload does; when one does not, or the sequence
 * throws (a payload that is not MessagePack, inside a frame whose checksum is sound), the chunk is read
 * again one payload at a time, so that only the bad entries come out UNDECODABLE.
 */
export function decodeFrames(msg: FramesMessage, maxSeq: number, from = 0, to = msg.count): WalReadItem[] {
  const data = (msg.buffer ??= Buffer.from(msg.data));
  const { meta, faults, types } = msg;
  const out = new Array<WalReadItem>(to - from);
  const payloads = unpackChunk(data, meta, from, to);
  // Faults before `from` (decoded in an earlier chunk).
  let f = 0;
  for (let i = 0; i < from; i++) if (meta[i * FRAME_META + 1]! < 0) f++;
  let p = 0;
  for (let i = from; i < to; i++) {
    const m = i * FRAME_META;
    const start = meta[m + 1]!;
    if (start < 0) {
      const fault = faults[f++]!;
      const seq = fault.seq > maxSeq ? NaN : fault.seq;
      out[i - from] = corrupt(fault.reason, seq, fault.position, fault.detail);
      continue;
    }
    const seq = meta[m]!;
    let payload: unknown;
    if (payloads !== undefined) payload = payloads[p++];
    else {
      try {
        payload = unpackr.unpack(data, { start, end: meta[m + 2]! });
      } catch (err) {
        out[i - from] = corrupt(
          'UNDECODABLE',
          seq > maxSeq ? NaN : seq,
          `${seq}-${meta[m + 3]!}`,
          `payload: ${(err as Error).message}`,
        );
        continue;
      }
    }
    out[i - from] = {
      ok: true,
      entry: {
        seq,
        epoch: meta[m + 4]!,
        ts: meta[m + 5]!,
        version: meta[m + 6]!,
        type: types[meta[m + 7]!]!,
        payload,
      },
    };
  }
  return out;
}

/**
 * The payloads of the sound entries `from`..`to` read as one MessagePack sequence, or undefined when a
 * value does not end where its payload does or the sequence cannot be read (then: one at a time).
 */
function unpackChunk(data: Buffer, meta: Float64Array, from: number, to: number): unknown[] | undefined {
  let first = -1;
  let last = -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const m = i * FRAME_META;
    if (meta[m + 1]! < 0) continue;
    if (first < 0) first = meta[m + 1]!;
    last = meta[m + 2]!;
    n++;
  }
  if (n === 0) return [];
  const values = new Array<unknown>(n);
  let k = 0;
  let i = from;
  let ok = true;
  try {
    unpackr.unpackMultiple(data.subarray(first, last), (value, start, end) => {
      while (meta[i * FRAME_META + 1]! < 0) i++;
      const m = i * FRAME_META;
      if (k >= n || start !== meta[m + 1]! - first || end !== meta[m + 2]! - first) {
        ok = false;
        return false;
      }
      values[k++] = value;
      i++;
      return true;
    });
  } catch {
    return undefined;
  }
  return ok && k === n ? values : undefined;
}

// Entry types repeat: reuse the string of one already seen (a byte compare) instead of making one per entry.
const typeCache: string[] = [];
function typeAt(buf: Buffer, at: number, len: number): string {
  outer: for (let i = 0; i < typeCache.length; i++) {
    const t = typeCache[i]!;
    if (t.length !== len) continue;
    for (let j = 0; j < len; j++) if (buf[at + j] !== t.charCodeAt(j)) continue outer;
    return t;
  }
  const t = buf.toString('latin1', at, at + len);
  if (typeCache.length < 32) typeCache.push(t);
  return t;
}

const positionOf = (id: Buffer | string): string => (typeof id === 'string' ? id : id.toString('latin1'));

/**
 * Snapshot value: [format u8][crc32 u32 of the rest][seq f64][takenAt f64][state].
 * - Format 2, the OrderStore's snapshot (`{ version: 1, lastSeq, orders }` whose orders have exactly the
 *   Order fields): the order table of order-table.ts, which restores the book with one string per
 *   distinct value instead of one per field of every order.
 * - Format 1, any other state: MessagePack, packed with msgpackr records (each key once per shape).
 * A large book is encoded a chunk of orders per event-loop turn (`encodeSnapshotAsync`) into the same
 * bytes a single pass gives (see there), so the engine is never stalled for the whole encoding (100,000
 * orders took 65-97 ms at once as MessagePack). Readers read both formats; a build older than format 2
 * rejects a format-2 snapshot as a bad header and recovers from an older snapshot or the whole WAL.
 */
const SNAP_HEADER = 21;
/** Format byte of a snapshot holding an order table (format 1 is RECORD_FORMAT's value). */
export const SNAPSHOT_TABLE_FORMAT = 2;
/** Orders packed per event-loop turn by `encodeSnapshotAsync` (~1-3 ms each). */
export const SNAPSHOT_CHUNK = 2000;
const snapPackr = new Packr({ useRecords: true, moreTypes: false });
const snapUnpackr = new Unpackr({ useRecords: true, mapsAsObjects: true });

function snapshotBuffer(
  seq: number,
  takenAt: number,
  body: Uint8Array[],
  format: number = RECORD_FORMAT,
): Buffer {
  let bytes = SNAP_HEADER;
  for (const b of body) bytes += b.length;
  const buf = Buffer.allocUnsafe(bytes);
  buf[0] = format;
  buf.writeDoubleLE(seq, 5);
  buf.writeDoubleLE(takenAt, 13);
  let at = SNAP_HEADER;
  for (const b of body) {
    buf.set(b, at);
    at += b.length;
  }
  buf.writeUInt32LE(crc32(buf.subarray(5)), 1);
  return buf;
}

/** The state encoded at once. */
export function encodeSnapshot(seq: number, takenAt: number, state: unknown): Buffer {
  const table = encodeOrderTable(state);
  if (table) return snapshotBuffer(seq, takenAt, [table], SNAPSHOT_TABLE_FORMAT);
  return packedSnapshot(seq, takenAt, state);
}

/** Format 1: the state as MessagePack, at once. */
const packedSnapshot = (seq: number, takenAt: number, state: unknown): Buffer =>
  snapshotBuffer(seq, takenAt, [snapPackr.pack(state)]);

const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Bytes of a MessagePack array header at the start of `b` (fixarray, array16, array32). */
function arrayHeaderLength(b: Uint8Array): number {
  const t = b[0]!;
  if (t >= 0x90 && t <= 0x9f) return 1;
  if (t === 0xdc) return 3;
  if (t === 0xdd) return 5;
  throw new Error(`not a MessagePack array (0x${t.toString(16)})`);
}

/**
 * The same snapshot as `encodeSnapshot`, packed a chunk of SNAPSHOT_CHUNK orders per event-loop turn
 * when the state is a plain object whose last key is a long `orders` array (the OrderStore's snapshot).
 * MessagePack streams: the state is packed with an empty `orders`, whose one-byte array header (the
 * last byte) becomes an array32 header of the full count, followed by each chunk's elements (each chunk
 * packed alone, its array header dropped). Each chunk defines its msgpackr records again where it first
 * uses them, which a reader simply follows. The orders must not change meanwhile: the OrderStore's
 * snapshot is an array of immutable orders taken at one sequence, so they do not.
 */
export async function encodeSnapshotAsync(seq: number, takenAt: number, state: unknown): Promise<Buffer> {
  const table = await encodeOrderTableChunks(state, SNAPSHOT_CHUNK, nextTurn);
  if (table) return snapshotBuffer(seq, takenAt, table, SNAPSHOT_TABLE_FORMAT);
  if (!isPlainObject(state)) return packedSnapshot(seq, takenAt, state);
  const keys = Object.keys(state);
  const orders = state.orders;
  if (!Array.isArray(orders) || orders.length <= SNAPSHOT_CHUNK || keys[keys.length - 1] !== 'orders') {
    return packedSnapshot(seq, takenAt, state);
  }
  // Copies: msgpackr may reuse its buffer on the next pack.
  const head = Buffer.from(snapPackr.pack({ ...state, orders: [] }));
  if (head[head.length - 1] !== 0x90) return packedSnapshot(seq, takenAt, state);
  const count = Buffer.allocUnsafe(5);
  count[0] = 0xdd;
  count.writeUInt32BE(orders.length, 1);
  const body: Uint8Array[] = [head.subarray(0, head.length - 1), count];
  for (let i = 0; i < orders.length; i += SNAPSHOT_CHUNK) {
    await nextTurn();
    const chunk = Buffer.from(snapPackr.pack(orders.slice(i, i + SNAPSHOT_CHUNK)));
    body.push(chunk.subarray(arrayHeaderLength(chunk)));
  }
  return snapshotBuffer(seq, takenAt, body);
}

/** Header of a snapshot (readable from its first bytes, without the state). */
export function decodeSnapshotHeader(buf: Buffer): { seq: number; takenAt: number } | undefined {
  if (buf.length < SNAP_HEADER || (buf[0] !== RECORD_FORMAT && buf[0] !== SNAPSHOT_TABLE_FORMAT))
    return undefined;
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
    const state =
      buf[0] === SNAPSHOT_TABLE_FORMAT
        ? decodeOrderTable(buf, SNAP_HEADER)
        : (snapUnpackr.unpack(buf.subarray(SNAP_HEADER)) as unknown);
    return { ok: true, state, ...header };
  } catch (err) {
    return { ok: false, reason: `snapshot undecodable: ${(err as Error).message}` };
  }
}
