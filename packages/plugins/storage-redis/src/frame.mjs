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
 * Sequence of a stream id given as bytes (`<seq>-<n>`, at `start`..`end` of `buf`, the whole buffer by
 * default), without making a string; NaN when the id is not one of ours (no digits, more than 16 digits,
 * no dash).
 */
export function seqOfIdBytes(buf, start = 0, end = buf.length) {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === 0x2d) return i > start && i - start <= 16 ? n : NaN;
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
  return checkFrameAt(buf, 0, buf.length, idSeq, id, 0, id.length);
}

/** The id at `start`..`end` of `id` (a string is taken whole) as a position. */
const positionOf = (id, start, end) => (typeof id === 'string' ? id : id.toString('latin1', start, end));

/** `checkFrame` of the record at `start`..`end` of `buf`, its id at `idStart`..`idEnd` of `id`. */
function checkFrameAt(buf, start, end, idSeq, id, idStart, idEnd) {
  const length = end - start;
  if (length < HEADER || buf[start] !== RECORD_FORMAT) {
    return {
      reason: 'UNDECODABLE',
      seq: idSeq,
      detail:
        length < HEADER ? `record of ${length} bytes is too short` : `unknown record format ${buf[start]}`,
    };
  }
  const stored = buf.readUInt32LE(start + 1);
  const actual = crc32Range(buf, start + 5, end);
  if (stored !== actual) {
    return {
      reason: 'CHECKSUM',
      seq: idSeq,
      detail: `crc32 ${actual} != stored ${stored} (${length} bytes)`,
    };
  }
  const seq = buf.readDoubleLE(start + 5);
  if (seq !== idSeq) {
    return {
      reason: 'UNDECODABLE',
      seq: idSeq,
      detail: `record seq ${seq} under id ${positionOf(id, idStart, idEnd)}`,
    };
  }
  if (HEADER + buf[start + 27] > length)
    return { reason: 'UNDECODABLE', seq, detail: 'type runs past the end' };
  return undefined;
}

/** Sub-sequence of an id `<seq>-<n>` (0 for ours), from the bytes at `start`..`end` of `buf`. */
function subOfIdBytes(buf, start, end) {
  let i = start;
  while (i < end && buf[i] !== 0x2d) i++;
  if (i === end) return NaN;
  let n = 0;
  for (i++; i < end; i++) n = n * 10 + (buf[i] - 0x30);
  return n;
}

/** Numbers per entry in a window's `meta` (see `framesOf`). */
export const FRAME_META = 8;

/**
 * A window being framed (`framesOf`, and the reply scanner in xrange-scan.mjs): entries are added in
 * order by the position of their id and record in some buffer and checked; the caller copies the sound
 * payloads back to back into the window's data (`record` says where each goes), and `finish` makes the
 * `FramesMessage`.
 */
export class FrameWindow {
  /** @param {number} count entries in the window */
  constructor(count) {
    this.count = count;
    this.meta = new Float64Array(count * FRAME_META);
    this.faults = [];
    /** Entry types of this window, by first appearance; meta holds the index. */
    this.types = [];
    /** Bytes of the sound payloads so far. */
    this.total = 0;
  }

  /** Entry `i` has no record field; `detail` names the fields it has. */
  missing(i, idBuf, idStart, idEnd, detail) {
    const m = i * FRAME_META;
    this.meta[m] = seqOfIdBytes(idBuf, idStart, idEnd);
    this.meta[m + 1] = -1;
    this.meta[m + 3] = subOfIdBytes(idBuf, idStart, idEnd);
    this.faults.push({
      reason: 'MISSING_FIELD',
      seq: this.meta[m],
      position: positionOf(idBuf, idStart, idEnd),
      detail,
    });
  }

  /**
   * Entry `i`: id at `idStart`..`idEnd` of `idBuf`, record at `start`..`end` of `rec`, checked here.
   * Returns where its payload starts in `rec` (it goes to `meta[i * FRAME_META + 1]` in the data), or -1
   * for a fault.
   */
  record(i, idBuf, idStart, idEnd, rec, start, end) {
    const meta = this.meta;
    const m = i * FRAME_META;
    const idSeq = seqOfIdBytes(idBuf, idStart, idEnd);
    meta[m] = idSeq;
    meta[m + 3] = subOfIdBytes(idBuf, idStart, idEnd);
    const fault = checkFrameAt(rec, start, end, idSeq, idBuf, idStart, idEnd);
    if (fault) {
      this.faults.push({ ...fault, position: positionOf(idBuf, idStart, idEnd) });
      meta[m + 1] = -1;
      return -1;
    }
    // The header's fields go to meta, the payload (after the type) to data: the main thread reads the
    // window's payloads as one MessagePack sequence.
    const typeLen = rec[start + 27];
    const payload = start + HEADER + typeLen;
    meta[m + 1] = this.total;
    this.total += end - payload;
    meta[m + 2] = this.total;
    meta[m + 4] = rec.readUInt32LE(start + 13);
    meta[m + 5] = rec.readDoubleLE(start + 17);
    meta[m + 6] = rec.readUInt16LE(start + 25);
    meta[m + 7] = typeIndex(this.types, rec, start + HEADER, typeLen);
    return payload;
  }

  /** The window as a `FramesMessage`, with `data` (`total` bytes: the sound payloads back to back). */
  finish(data) {
    return {
      type: 'frames',
      count: this.count,
      data,
      meta: this.meta,
      types: this.types,
      faults: this.faults,
    };
  }
}

/** The detail of a MISSING_FIELD fault: the names of the fields the entry has (each cut to 20 characters). */
export function missingFieldDetail(names) {
  return `no "${RECORD_FIELD}" field (fields: ${names.map((n) => n.slice(0, 20)).join(',')})`;
}

/**
 * A window of raw XRANGE entries ([id, [field, value, …]], Buffers) as the reader thread posts it
 * (`FramesMessage` in codec.ts, decoded by `decodeFrames`): every frame checked, the sound records'
 * payloads back to back in one transferable buffer, their header fields in `meta` (8 numbers per entry:
 * seq of its id, payload start and end in `data` (start -1: a fault, described in order in `faults`), id
 * sub-sequence, epoch, ts, schema version, index of its type in `types`).
 */
export function framesOf(raw) {
  const w = new FrameWindow(raw.length);
  const sound = new Array(raw.length);
  const at = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const [id, fields] = raw[i];
    const rec = recordField(fields);
    if (rec === undefined) {
      const names = [];
      for (let f = 0; f < fields.length; f += 2) names.push(fields[f].toString());
      w.missing(i, id, 0, id.length, missingFieldDetail(names));
      continue;
    }
    at[i] = w.record(i, id, 0, id.length, rec, 0, rec.length);
    if (at[i] >= 0) sound[i] = rec;
  }
  const data = new Uint8Array(new ArrayBuffer(w.total));
  for (let i = 0; i < raw.length; i++) {
    const rec = sound[i];
    if (rec !== undefined) data.set(rec.subarray(at[i]), w.meta[i * FRAME_META + 1]);
  }
  return w.finish(data.buffer);
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
