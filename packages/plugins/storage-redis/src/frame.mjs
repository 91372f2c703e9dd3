// Record frame checks shared by the in-process decoder (codec.ts) and the replay reader thread
// (read-worker.mjs). Plain JavaScript so that a worker thread loads it without a TypeScript loader.
// Layout (format 1) in codec.ts: [format u8][crc32 u32 LE of bytes 5..end][seq f64][epoch u32][ts f64]
// [version u16][type length u8][type][MessagePack payload].
import { crc32 } from 'node:zlib';

export const RECORD_FORMAT = 1;
/** Bytes before the type. */
export const HEADER = 28;
/** Field name of the record in a stream entry. */
export const RECORD_FIELD = 'd';

/**
 * Sequence of a stream id given as bytes (`<seq>-<n>`), without making a string; NaN when the id is not
 * one of ours (no digits, more than 16 digits, no dash).
 */
export function seqOfIdBytes(id) {
  let n = 0;
  for (let i = 0; i < id.length; i++) {
    const c = id[i];
    if (c === 0x2d) return i > 0 && i <= 16 ? n : NaN;
    if (c < 0x30 || c > 0x39) return NaN;
    n = n * 10 + (c - 0x30);
  }
  return NaN;
}

/** The `d` field's value in a flat [name, value, …] field list, or undefined. */
export function recordField(fields) {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const f = fields[i];
    if (f.length === 1 && (typeof f === 'string' ? f === RECORD_FIELD : f[0] === 0x64)) return fields[i + 1];
  }
  return undefined;
}

/**
 * Check the frame of the record in `buf` (the whole buffer): length, format, checksum, that its seq is
 * `idSeq` (that of the stream id `id`) and that its type fits. Returns undefined when the frame is sound, else
 * `{ reason: 'UNDECODABLE' | 'CHECKSUM', seq, detail }` (seq: the id's, or the record's when it was read).
 * The payload itself is not decoded here.
 */
export function checkFrame(buf, idSeq, id) {
  if (buf.length < HEADER || buf[0] !== RECORD_FORMAT) {
    return {
      reason: 'UNDECODABLE',
      seq: idSeq,
      detail:
        buf.length < HEADER
          ? `record of ${buf.length} bytes is too short`
          : `unknown record format ${buf[0]}`,
    };
  }
  const stored = buf.readUInt32LE(1);
  const actual = crc32(buf.subarray(5));
  if (stored !== actual) {
    return {
      reason: 'CHECKSUM',
      seq: idSeq,
      detail: `crc32 ${actual} != stored ${stored} (${buf.length} bytes)`,
    };
  }
  const seq = buf.readDoubleLE(5);
  if (seq !== idSeq) {
    const position = typeof id === 'string' ? id : id.toString('latin1');
    return { reason: 'UNDECODABLE', seq: idSeq, detail: `record seq ${seq} under id ${position}` };
  }
  if (HEADER + buf[27] > buf.length) return { reason: 'UNDECODABLE', seq, detail: 'type runs past the end' };
  return undefined;
}
