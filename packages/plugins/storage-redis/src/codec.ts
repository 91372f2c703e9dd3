import { crc32 } from 'node:zlib';
import { Packr, Unpackr } from 'msgpackr';
import type { WalCorruption, WalReadItem } from '@veloz/engine';
import { checkFrame, HEADER, RECORD_FIELD, RECORD_FORMAT, recordField, seqOfIdBytes } from './frame.mjs';
import { walStructures } from './structures';

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
  id: Buffer | string | number,
): WalReadItem {
  const typeLen = buf[start + 27]!;
  let payload: unknown;
  try {
    payload = unpackr.unpack(buf, { start: start + HEADER + typeLen, end });
  } catch (err) {
    // A number is the id's sub-sequence (reader thread): the id was `<seq>-<sub>`.
    const position = typeof id === 'number' ? `${seq}-${id}` : positionOf(id);
    return corrupt('UNDECODABLE', seq, position, `payload: ${(err as Error).message}`);
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

/** A window of the WAL as the reader thread posts it (read-worker.mjs). */
export interface FramesMessage {
  type: 'frames';
  count: number;
  /** The sound records, back to back. */
  data: ArrayBuffer;
  /** Four numbers per entry: seq of its id, start and end in `data` (start -1: a fault), id sub-sequence. */
  meta: Float64Array;
  /** The faulty entries, in order. */
  faults: { reason: WalCorruption['reason']; seq: number; position: string; detail: string }[];
  /** `data` as a Buffer, made on first use (main thread only). */
  buffer?: Buffer;
}

/**
 * The items `from`..`to` (exclusive) of a window checked by the reader thread: payloads decoded here,
 * faults turned into corruption items. A fault's seq beyond `maxSeq` (a rogue id past the WAL's head) is dropped, as in the
 * in-process path.
 */
export function decodeFrames(msg: FramesMessage, maxSeq: number, from = 0, to = msg.count): WalReadItem[] {
  const data = (msg.buffer ??= Buffer.from(msg.data));
  const { meta, faults } = msg;
  const out = new Array<WalReadItem>(to - from);
  // Faults before `from` (decoded in an earlier chunk).
  let f = 0;
  for (let i = 0; i < from; i++) if (meta[i * 4 + 1]! < 0) f++;
  for (let i = from; i < to; i++) {
    const m = i * 4;
    const start = meta[m + 1]!;
    if (start < 0) {
      const fault = faults[f++]!;
      const seq = fault.seq > maxSeq ? NaN : fault.seq;
      out[i - from] = corrupt(fault.reason, seq, fault.position, fault.detail);
      continue;
    }
    const seq = meta[m]!;
    out[i - from] = decodeSoundRecord(data, start, meta[m + 2]!, seq, meta[m + 3]!);
  }
  return out;
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
 * Snapshot value: [format u8][crc32 u32 of the rest][seq f64][takenAt f64][MessagePack body].
 * - format 1: the body is the whole state, packed at once.
 * - format 2 (segmented, what `encodeSnapshotAsync` writes for a state with an `orders` array): the body
 *   is several MessagePack values back to back: `{ s: the state without orders, k: chunk count }`, then
 *   the orders in k arrays. Packed one chunk per event-loop turn, so a large book never stalls the
 *   engine for the whole encoding (100,000 orders took 65-97 ms at once).
 * Packed with msgpackr records: an OrderStore of many same-shaped orders packs each key once per chunk.
 */
const SNAP_HEADER = 21;
const SNAP_WHOLE = 1;
const SNAP_SEGMENTED = 2;
/** Orders per segment of a segmented snapshot (~1-3 ms of packing each). */
export const SNAPSHOT_CHUNK = 2000;
const snapPackr = new Packr({ useRecords: true, moreTypes: false });
const snapUnpackr = new Unpackr({ useRecords: true, mapsAsObjects: true });

function snapshotBuffer(format: number, seq: number, takenAt: number, body: Buffer[]): Buffer {
  let bytes = SNAP_HEADER;
  for (const b of body) bytes += b.length;
  const buf = Buffer.allocUnsafe(bytes);
  buf[0] = format;
  buf.writeDoubleLE(seq, 5);
  buf.writeDoubleLE(takenAt, 13);
  let at = SNAP_HEADER;
  for (const b of body) at += b.copy(buf, at);
  buf.writeUInt32LE(crc32(buf.subarray(5)), 1);
  return buf;
}

/** The state packed at once (format 1). */
export function encodeSnapshot(seq: number, takenAt: number, state: unknown): Buffer {
  return snapshotBuffer(SNAP_WHOLE, seq, takenAt, [snapPackr.pack(state)]);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/**
 * The state packed a chunk of orders per event-loop turn (format 2), or at once (format 1) when it has
 * no `orders` array or a small one. The state must not change meanwhile: the OrderStore's snapshot is an
 * array of immutable orders taken at one sequence, so it does not.
 */
export async function encodeSnapshotAsync(seq: number, takenAt: number, state: unknown): Promise<Buffer> {
  if (!isPlainObject(state) || !Array.isArray(state.orders) || state.orders.length <= SNAPSHOT_CHUNK) {
    return encodeSnapshot(seq, takenAt, state);
  }
  const { orders, ...rest } = state as Record<string, unknown> & { orders: unknown[] };
  const chunks = Math.ceil(orders.length / SNAPSHOT_CHUNK);
  // Copies: msgpackr may reuse its buffer on the next pack.
  const body = [Buffer.from(snapPackr.pack({ s: rest, k: chunks }))];
  for (let i = 0; i < orders.length; i += SNAPSHOT_CHUNK) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    body.push(Buffer.from(snapPackr.pack(orders.slice(i, i + SNAPSHOT_CHUNK))));
  }
  return snapshotBuffer(SNAP_SEGMENTED, seq, takenAt, body);
}

/** Header of a snapshot (readable from its first bytes, without the state). */
export function decodeSnapshotHeader(buf: Buffer): { seq: number; takenAt: number } | undefined {
  if (buf.length < SNAP_HEADER || (buf[0] !== SNAP_WHOLE && buf[0] !== SNAP_SEGMENTED)) return undefined;
  return { seq: buf.readDoubleLE(5), takenAt: buf.readDoubleLE(13) };
}

function unpackSegmented(body: Buffer): unknown {
  const values = snapUnpackr.unpackMultiple(body) as unknown[];
  const head = values[0];
  if (!isPlainObject(head) || !isPlainObject(head.s) || typeof head.k !== 'number')
    throw new Error('segmented snapshot without its head');
  if (values.length !== head.k + 1)
    throw new Error(`segmented snapshot has ${values.length - 1} of ${head.k} order chunks`);
  const orders: unknown[] = [];
  for (let i = 1; i < values.length; i++) {
    const chunk = values[i];
    if (!Array.isArray(chunk)) throw new Error(`order chunk ${i} is not an array`);
    for (const o of chunk) orders.push(o);
  }
  return { ...head.s, orders };
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
    const body = buf.subarray(SNAP_HEADER);
    const state = buf[0] === SNAP_SEGMENTED ? unpackSegmented(body) : snapUnpackr.unpack(body);
    return { ok: true, state, ...header };
  } catch (err) {
    return { ok: false, reason: `snapshot undecodable: ${(err as Error).message}` };
  }
}
