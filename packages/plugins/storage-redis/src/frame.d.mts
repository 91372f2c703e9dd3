/** zlib's CRC-32 of `buf[start..end)` (no view is made). */
export declare function crc32Range(buf: Uint8Array, start: number, end: number): number;
export declare const RECORD_FORMAT: 1;
export declare const HEADER: 28;
export declare const RECORD_FIELD: 'd';
export declare function seqOfIdBytes(id: Buffer): number;
export declare function recordField(fields: (Buffer | string)[]): Buffer | string | undefined;
export interface FrameFault {
  reason: 'UNDECODABLE' | 'CHECKSUM';
  /** The id's sequence (NaN when the id is not one of ours), or the record's once it was read. */
  seq: number;
  detail: string;
}
export declare function checkFrame(buf: Buffer, idSeq: number, id: Buffer | string): FrameFault | undefined;
