// Record frame checks shared by the in-process decoder (codec.ts) and the replay reader thread
// (read-worker.mjs). Plain JavaScript so that a worker thread loads it without a TypeScript loader.
// Layout (format 1) in codec.ts: [format u8][crc32 u32 LE of bytes 5..end][seq f64][epoch u32][ts f64]
// [version u16][type length u8][type][MessagePack payload].

/** CRC-32 (zlib's) tables for slice-by-8. */
const CRC = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC[n] = c;
}
for (let t = 1; t < 8; t++) {
  for (let n = 0; n < 256; n++) {
    const prev = CRC[(t - 1) * 256 + n];
    CRC[t * 256 + n] = (prev >>> 8) ^ CRC[prev & 0xff];
  }
}

/**
 * `zlib.crc32(buf.subarray(start, end))` without the view. Appends and reads checksum every record, and
 * the view was one more object per entry for the scavenger; for records of a few hundred bytes this loop is
 * also faster than the native call plus its view (0.16 against 0.24 µs per 220-byte record, measured
 * 2026-11-27). record-pack.test.ts compares the two.
 */
export function crc32Range(buf, start, end) {
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    c =
      CRC[1792 + (c & 0xff)] ^
      CRC[1536 + ((c >>> 8) & 0xff)] ^
      CRC[1280 + ((c >>> 16) & 0xff)] ^
      CRC[1024 + (c >>> 24)] ^
      CRC[768 + buf[i + 4]] ^
      CRC[512 + buf[i + 5]] ^
      CRC[256 + buf[i + 6]] ^
      CRC[buf[i + 7]];
  }
  for (; i < end; i++) c = CRC[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

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
  const actual = crc32Range(buf, 5, buf.length);
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

/** Sub-sequence of an id `<seq>-<n>` (0 for ours), from the bytes. */
function subOfIdBytes(id) {
  let n = 0;
  let i = id.indexOf(0x2d) + 1;
  if (i === 0) return NaN;
  for (; i < id.length; i++) n = n * 10 + (id[i] - 0x30);
  return n;
}

/** Numbers per entry in a window's `meta` (see `framesOf`). */
export const FRAME_META = 8;

/**
 * A window of raw XRANGE entries ([id, [field, value, …]], Buffers) as the reader thread posts it
 * (`FramesMessage` in codec.ts, decoded by `decodeFrames`): every frame checked, the sound records'
 * payloads back to back in one transferable buffer, their header fields in `meta` (8 numbers per entry:
 * seq of its id, payload start and end in `data` (start -1: a fault, described in order in `faults`), id
 * sub-sequence, epoch, ts, schema version, index of its type in `types`).
 */
export function framesOf(raw) {
  const count = raw.length;
  const meta = new Float64Array(count * FRAME_META);
  const faults = [];
  /** Entry types of this window, by first appearance; meta holds the index. */
  const types = [];
  let total = 0;
  const sound = new Array(count);
  for (let i = 0; i < count; i++) {
    const entry = raw[i];
    const id = entry[0];
    const fields = entry[1];
    const idSeq = seqOfIdBytes(id);
    const m = i * FRAME_META;
    meta[m] = idSeq;
    meta[m + 3] = subOfIdBytes(id);
    const rec = recordField(fields);
    if (rec === undefined) {
      const names = [];
      for (let f = 0; f < fields.length; f += 2) names.push(fields[f].toString().slice(0, 20));
      faults.push({
        reason: 'MISSING_FIELD',
        seq: idSeq,
        position: id.toString('latin1'),
        detail: `no "${RECORD_FIELD}" field (fields: ${names.join(',')})`,
      });
      meta[m + 1] = -1;
      continue;
    }
    const fault = checkFrame(rec, idSeq, id);
    if (fault) {
      faults.push({ ...fault, position: id.toString('latin1') });
      meta[m + 1] = -1;
      continue;
    }
    // The header's fields go to meta, the payload (after the type) to data: the main thread reads the
    // window's payloads as one MessagePack sequence.
    const typeLen = rec[27];
    const payload = HEADER + typeLen;
    sound[i] = rec;
    meta[m + 1] = total;
    total += rec.length - payload;
    meta[m + 2] = total;
    meta[m + 4] = rec.readUInt32LE(13);
    meta[m + 5] = rec.readDoubleLE(17);
    meta[m + 6] = rec.readUInt16LE(25);
    meta[m + 7] = typeIndex(types, rec, HEADER, typeLen);
  }
  const data = new Uint8Array(new ArrayBuffer(total));
  for (let i = 0; i < count; i++) {
    const rec = sound[i];
    if (rec !== undefined) data.set(rec.subarray(HEADER + rec[27]), meta[i * FRAME_META + 1]);
  }
  return { type: 'frames', count, data: data.buffer, meta, types, faults };
}

/** Index in `types` of the type at `at`..`at + len` of `rec`, added when new. */
function typeIndex(types, rec, at, len) {
  outer: for (let t = 0; t < types.length; t++) {
    const name = types[t];
    if (name.length !== len) continue;
    for (let j = 0; j < len; j++) if (rec[at + j] !== name.charCodeAt(j)) continue outer;
    return t;
  }
  types.push(rec.toString('latin1', at, at + len));
  return types.length - 1;
}
