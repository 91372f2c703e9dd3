import type { Observable } from 'rxjs';
import { VelozError } from '../errors';
import type { Plugin } from './context';

/** What the engine asks to journal. The storage assigns the sequence, epoch and checksum. */
export interface WalEntryInput {
  /** Entry type, e.g. an OrderEvent type ("ORDER_SUBMITTED") or "RECON_FINDING". */
  type: string;
  /** Schema version of `payload` for this type; readers skip versions they do not know. */
  version: number;
  /** JSON-compatible value (strings, numbers, booleans, null, arrays, plain objects). */
  payload: unknown;
}

/** A journaled entry, as read back. */
export interface WalEntry extends WalEntryInput {
  /** Monotonic sequence number, from 1, without gaps when nothing was lost. */
  seq: number;
  /** Epoch (lease generation) of the writer. */
  epoch: number;
  /** Epoch ms when the storage accepted it. */
  ts: number;
}

/**
 * Why an entry was skipped. The storage reports CHECKSUM, UNDECODABLE, MISSING_FIELD and GAP; replay adds
 * UNKNOWN_TYPE / UNKNOWN_VERSION (a type or schema version this build does not understand) and REFUSED
 * (a well-formed order event the reducer refuses: illegal transition, unknown order, over-fill).
 */
export type WalCorruptionReason =
  'CHECKSUM' | 'UNDECODABLE' | 'UNKNOWN_TYPE' | 'UNKNOWN_VERSION' | 'GAP' | 'MISSING_FIELD' | 'REFUSED';

/** An entry (or range) that could not be read. Replay skips it, counts it and reports it. */
export interface WalCorruption {
  reason: WalCorruptionReason;
  /** Sequence when it could be read; for GAP, the first missing sequence. */
  seq?: number;
  /** For GAP: the last missing sequence. */
  toSeq?: number;
  /** Storage-specific position (Redis stream id). */
  position: string;
  detail: string;
}

export type WalReadItem = { ok: true; entry: WalEntry } | { ok: false; corruption: WalCorruption };

/** Fencing token of the single writer of an account. */
export interface Lease {
  /** Strictly increasing across all holders of the account's lease. */
  readonly epoch: number;
  /** Emits once, and completes, if the lease is lost (not renewed in time, or taken over). */
  readonly lost$: Observable<void>;
  /** Give the lease up. Idempotent. */
  release(): Promise<void>;
}

/** Refused because the writer's epoch is stale or the sequence does not follow the last one. */
export class FencedError extends VelozError {
  constructor(message: string) {
    super('WAL_FENCED', message);
  }
}

export interface WalStorage {
  /**
   * Acquire the account's writer lease. Rejects with FencedError when another live writer holds it.
   * Appends are only accepted under the newest lease.
   */
  acquireLease(owner: string): Promise<Lease>;
  /**
   * Append entries, in order, under `lease`. Concurrent calls are group-committed. Resolves with the
   * assigned sequence numbers only after the storage accepted every entry; rejects with FencedError when
   * the lease is stale, in which case nothing of this call was written.
   */
  append(lease: Lease, entries: WalEntryInput[]): Promise<number[]>;
  /** Entries with seq >= fromSeq, in batches of at most `batchSize`, corrupt ones reported in place. */
  read(fromSeq: number, batchSize?: number): AsyncIterable<WalReadItem[]>;
  /** Highest sequence written (0 when empty). */
  lastSeq(): Promise<number>;
  /** Delete entries with seq < belowSeq. Resolves with the count removed. */
  trim(belowSeq: number): Promise<number>;
  /**
   * Optional, for metrics: bytes of the records this storage wrote for acknowledged appends since it
   * was created, in its own encoding (header and payload). Storages that keep entries as objects (the
   * in-memory one) leave it out. Read at scrape time, so counting costs nothing per append.
   */
  readonly appendedBytes?: number;
}

export interface SnapshotInfo {
  /** The snapshot covers every WAL entry up to and including this sequence. */
  seq: number;
  /** Epoch ms when taken. */
  takenAt: number;
  bytes: number;
}

export interface SnapshotStorage {
  /** Store a snapshot of state at `seq` (checksummed by the storage). Keeps the newest `keep` (default 3). */
  save(seq: number, state: unknown): Promise<SnapshotInfo>;
  /** Snapshots, newest first. */
  list(): Promise<SnapshotInfo[]>;
  /** The snapshot at `seq`, or a corruption reason when its checksum or encoding is bad. */
  load(seq: number): Promise<{ ok: true; state: unknown } | { ok: false; reason: string }>;
}

export interface KeyValueStorage {
  get(key: string): Promise<string | undefined>;
  /** `ttlMs` absent: no expiry. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  del(key: string): Promise<void>;
}

/** A storage plugin: the WAL, snapshots and a small key-value store for one account. */
export interface StoragePlugin extends Plugin {
  readonly wal: WalStorage;
  readonly snapshots: SnapshotStorage;
  readonly kv: KeyValueStorage;
}
