/** zlib's CRC-32 of `buf[start..end)` (no view is made). */
export declare function crc32Range(buf: Uint8Array, start: number, end: number): number;
export declare const RECORD_FORMAT: 1;
export declare const HEADER: 28;
export declare const RECORD_FIELD: 'd';
export declare function seqOfIdBytes(buf: Uint8Array, start?: number, end?: number): number;
export declare function recordField(fields: (Buffer | string)[]): Buffer | string | undefined;
export interface FrameFault {
  reason: 'UNDECODABLE' | 'CHECKSUM';
  /** The id's sequence (NaN when the id is not one of ours), or the record's once it was read. */
  seq: number;
  detail: string;
}
export declare function checkFrame(buf: Buffer, idSeq: number, id: Buffer | string): FrameFault | undefined;
/** Numbers per entry in `FramesMessage.meta`. */
export declare const FRAME_META: 8;
export interface FramesMessage {
  type: 'frames';
  count: number;
  /** The sound records' payloads (MessagePack), back to back. */
  data: ArrayBuffer;
  /**
   * 8 numbers per entry: seq of its id, payload start and end in `data` (start -1: a fault), id
   * sub-sequence, then the record header's epoch, ts, schema version and the index of its type in `types`.
   */
  meta: Float64Array;
  /** The window's entry types, indexed by `meta`. */
  types: string[];
  /** The faulty entries, in order. */
  faults: {
    reason: 'MISSING_FIELD' | 'UNDECODABLE' | 'CHECKSUM';
    seq: number;
    position: string;
    detail: string;
  }[];
  /** `data` as a Buffer, made on first use (main thread only). */
  buffer?: Buffer;
}
/** The detail of a MISSING_FIELD fault for an entry with these field names. */
export declare function missingFieldDetail(names: string[]): string;
/** A window of raw XRANGE entries ([id, [field, value, …]] as Buffers), checked, as the reader thread posts it. */
export declare function framesOf(raw: [Buffer, Buffer[]][]): FramesMessage;
