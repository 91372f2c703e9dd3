import { Packr } from 'msgpackr';
import type { WalEntry } from '@veloz/engine';
import { crc32Range, HEADER, RECORD_FORMAT } from './frame.mjs';
import { NO_ROOM, NOT_PACKED, packEvent } from './record-pack';
import { canonicalize, walStructures } from './structures';

export { crc32Range };

/** Encoding of WAL records (format 1, layout in codec.ts): one append batch's records in one buffer. */

/** Stream id of a sequence. */
export const streamId = (seq: number): string => `${seq}-0`;

// The WAL payload packer (msgpackr's, exported for the fast path's byte-for-byte tests). Shared
// structures are never extended at run time (shouldShareStructure → false): other shapes are
// written as in-message records, so every process reads every record with the same frozen list.
export const walPackr = new Packr({
  structures: walStructures(),
  useRecords: true,
  moreTypes: false,
  shouldShareStructure: () => false,
} as ConstructorParameters<typeof Packr>[0]);

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

/** Digits of a non-negative integer below 2^53. */
function digitsOf(n: number): number {
  let d = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) d++;
  return d;
}

/** Write `n` (a non-negative integer below 2^53, `digits` long) in decimal at `at`; returns the end. */
function writeDecimal(buf: Buffer, at: number, n: number, digits: number): number {
  const end = at + digits;
  for (let p = end - 1, x = n; p >= at; p--) {
    const q = Math.floor(x / 10);
    buf[p] = 0x30 + (x - q * 10);
    x = q;
  }
  return end;
}

/** Bytes a record's RESP prefix (`$<len>\r\n`) is first given: 3 length digits, records of 100-999 bytes. */
const GUESSED_PREFIX = 6;

/**
 * Records of one append batch, encoded back to back into one growing buffer as the APPEND script's
 * argument pairs, each already framed as a RESP bulk string (`$<n>\r\n<seq>-0\r\n$<len>\r\n<record>\r\n`),
 * so the whole call goes to the socket as one buffer: `wire(header)` puts the command header into the
 * headroom in front of the first pair (no copy of the records, none of the client library's
 * per-argument encoding). The stream ids are built here, where they cost a few digit stores, rather
 * than in Lua (see `APPEND`). Order event payloads are packed straight into the buffer (`packEvent`),
 * other payloads through msgpackr and copied.
 */
export class RecordBatch {
  private buf: Buffer;
  private end: number;
  private added = 0;
  private recordBytes = 0;

  /** `headroom`: bytes kept free in front of the first record for `wire`'s command header. */
  constructor(
    initialBytes = 64 * 1024,
    private readonly headroom = 0,
  ) {
    this.buf = Buffer.allocUnsafe(headroom + initialBytes);
    this.end = headroom;
  }

  get count(): number {
    return this.added;
  }

  /** Bytes of the records themselves (header, type and payload; not the RESP framing or the ids). */
  get bytes(): number {
    return this.recordBytes;
  }

  /** Make room for `need` bytes from `at`, keeping the bytes before `at` (those of a record in progress too). */
  private room(at: number, need: number): Buffer {
    if (at + need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + need));
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    return this.buf;
  }

  /** Append one record. Throws (adding nothing) when the type or payload cannot be encoded. */
  add(seq: number, epoch: number, ts: number, type: string, version: number, payload: unknown): void {
    if (!validTypes.has(type)) {
      if (!PRINTABLE_ASCII.test(type)) {
        throw new RangeError(`entry type must be 0-255 printable ASCII characters: ${type.slice(0, 40)}`);
      }
      if (validTypes.size < 64) validTypes.add(type);
    }
    const typeLen = type.length;
    const seqDigits = digitsOf(seq);
    const idLen = seqDigits + 2;
    // The id pair (`$`, ≤ 2 digits, CRLF, id, CRLF), the guessed record prefix, header, type, and a
    // typical payload; a bigger payload grows the buffer below.
    let buf = this.room(this.end, 7 + idLen + GUESSED_PREFIX + HEADER + typeLen + 512);
    let at = this.end;
    buf[at++] = 0x24; // $
    at = writeDecimal(buf, at, idLen, idLen < 10 ? 1 : 2);
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
    at = writeDecimal(buf, at, seq, seqDigits);
    buf[at++] = 0x2d; // -
    buf[at++] = 0x30; // 0
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
    const prefixAt = at;
    let start = at + GUESSED_PREFIX;
    const body = start + HEADER + typeLen;
    let end = packEvent(buf, body, payload);
    for (let more = 1024; end === NO_ROOM; more *= 4) {
      buf = this.room(body, more);
      end = packEvent(buf, body, payload);
    }
    if (end === NOT_PACKED) {
      const packed = walPackr.pack(canonicalize(payload));
      buf = this.room(body, packed.length);
      packed.copy(buf, body);
      end = body + packed.length;
    }
    buf[start] = RECORD_FORMAT;
    buf.writeDoubleLE(seq, start + 5);
    buf.writeUInt32LE(epoch, start + 13);
    buf.writeDoubleLE(ts, start + 17);
    buf.writeUInt16LE(version, start + 25);
    buf[start + 27] = typeLen;
    for (let i = 0; i < typeLen; i++) buf[start + HEADER + i] = type.charCodeAt(i);
    const size = end - start;
    const sizeDigits = digitsOf(size);
    if (sizeDigits + 3 !== GUESSED_PREFIX) {
      // Not a 3-digit length: move the record to fit its prefix (10 digits at most, then CRLF).
      buf = this.room(end, 10);
      const moved = prefixAt + sizeDigits + 3;
      buf.copyWithin(moved, start, end);
      end += moved - start;
      start = moved;
    } else buf = this.room(end, 2);
    buf[prefixAt] = 0x24; // $
    writeDecimal(buf, prefixAt + 1, size, sizeDigits);
    buf[start - 2] = 0x0d;
    buf[start - 1] = 0x0a;
    buf.writeUInt32LE(crc32Range(buf, start + 5, end), start + 1);
    buf[end] = 0x0d;
    buf[end + 1] = 0x0a;
    this.added++;
    this.recordBytes += size;
    this.end = end + 2;
  }

  /** A point to roll back to (before a caller whose entries fail to encode). */
  mark(): { end: number; count: number; bytes: number } {
    return { end: this.end, count: this.added, bytes: this.recordBytes };
  }

  rollback(mark: { end: number; count: number; bytes: number }): void {
    this.end = mark.end;
    this.added = mark.count;
    this.recordBytes = mark.bytes;
  }

  /**
   * The whole command: `header` (RESP of the command and its arguments before the records) followed
   * by the framed id and record pairs. Written into the headroom when it fits, else copied once.
   */
  wire(header: string): Buffer {
    const len = Buffer.byteLength(header, 'utf8');
    const records = this.buf.subarray(this.headroom, this.end);
    if (len > this.headroom) return Buffer.concat([Buffer.from(header, 'utf8'), records]);
    const from = this.headroom - len;
    this.buf.write(header, from, 'utf8');
    return this.buf.subarray(from, this.end);
  }

  /** The records themselves (views into the batch buffer; read back from the framing, for tools and tests). */
  records(): Buffer[] {
    const out: Buffer[] = [];
    const bulkAt = (at: number): [number, number] => {
      const eol = this.buf.indexOf(0x0d, at);
      return [eol + 2, eol + 2 + Number(this.buf.toString('latin1', at + 1, eol))];
    };
    for (let at = this.headroom; at < this.end;) {
      const [, idEnd] = bulkAt(at);
      const [start, end] = bulkAt(idEnd + 2);
      out.push(this.buf.subarray(start, end));
      at = end + 2;
    }
    return out;
  }

  /** The APPEND script's record arguments: stream id, record, stream id, record, … (for tools and tests). */
  args(): Buffer[] {
    return this.records().flatMap((r) => [Buffer.from(streamId(r.readDoubleLE(5))), r]);
  }
}
