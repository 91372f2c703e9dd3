import type { OrderEvent } from '../domain/order';
import type { StoragePlugin, WalCorruption, WalCorruptionReason, WalEntry } from '../plugins/storage';
import { OrderStore, type OrderStoreSnapshot } from '../store/order-store';
import { ORDER_EVENT_TYPES, ORDER_EVENT_VERSION } from './entries';

/** How many corruptions a report lists in full; the counts stay exact beyond it. */
export const RECOVERY_CORRUPTION_LIST_CAP = 1000;

/** What recovery did: which snapshot it started from, what it applied, what it skipped and why. */
export interface RecoveryReport {
  /** Sequence of the snapshot the store was loaded from, or null for a full replay. */
  snapshotSeq: number | null;
  /** Newer snapshots that were unusable (bad checksum, undecodable, wrong shape), newest first. */
  snapshotsRejected: { seq: number; reason: string }[];
  /** Order events folded into the store. */
  entriesApplied: number;
  /** Valid entries of a type this build consumes without effect on the store (`knownTypes`). */
  entriesIgnored: number;
  /** Entries read but not applied: corrupt, unknown type or version, refused by the reducer. */
  entriesSkipped: number;
  /** Skipped entries and gaps, in WAL order; capped at RECOVERY_CORRUPTION_LIST_CAP (see counts). */
  corruptions: WalCorruption[];
  /** Exact number of skipped entries and gaps per reason (GAP counts ranges, not entries). */
  corruptionCounts: Partial<Record<WalCorruptionReason, number>>;
  /** Sequence ranges (inclusive) with no entry at all: deleted or lost. */
  gaps: { fromSeq: number; toSeq: number }[];
  /** Number of sequences inside `gaps`. */
  missingEntries: number;
  /** Highest sequence consumed (the store's lastSeq); appends continue after the WAL's own last. */
  lastSeq: number;
  /** Wall time of the whole recovery in milliseconds. */
  durationMs: number;
}

export interface RecoverOptions {
  /** Entries per WAL read (default 10,000). */
  batchSize?: number;
  /** Called after each batch: entries consumed so far, and the total expected when known. */
  onProgress?: (applied: number, total?: number) => void;
  /**
   * Non-order entry types this process understands (e.g. "RECON_FINDING"); they are counted in
   * `entriesIgnored` and passed to `onEntry`. Any other non-order type is reported as UNKNOWN_TYPE.
   */
  knownTypes?: Iterable<string>;
  /** Called with every valid entry after it was handled (order events after they were applied). */
  onEntry?: (entry: WalEntry) => void;
}

function isSnapshotShape(state: unknown): state is OrderStoreSnapshot {
  if (typeof state !== 'object' || state === null) return false;
  const s = state as Partial<OrderStoreSnapshot>;
  return typeof s.version === 'number' && typeof s.lastSeq === 'number' && Array.isArray(s.orders);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Rebuild the OrderStore from a storage plugin: the newest valid snapshot (falling back to older ones,
 * then to a full replay), then every WAL entry after it, in batches. Never throws on bad data: corrupt
 * entries, unknown types or versions, sequence gaps and events the reducer refuses are skipped, counted
 * and listed in the report. Rejects only when the storage itself fails (Redis unreachable).
 */
export async function recover(
  storage: StoragePlugin,
  options: RecoverOptions = {},
): Promise<{ store: OrderStore; report: RecoveryReport }> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 10_000;
  const known = new Set(options.knownTypes ?? []);
  const { onEntry, onProgress } = options;

  let store: OrderStore | undefined;
  let snapshotSeq: number | null = null;
  const snapshotsRejected: { seq: number; reason: string }[] = [];
  for (const info of await storage.snapshots.list()) {
    const loaded = await storage.snapshots.load(info.seq);
    if (!loaded.ok) {
      snapshotsRejected.push({ seq: info.seq, reason: loaded.reason });
      continue;
    }
    if (!isSnapshotShape(loaded.state)) {
      snapshotsRejected.push({ seq: info.seq, reason: 'not an OrderStore snapshot' });
      continue;
    }
    try {
      store = OrderStore.fromSnapshot(loaded.state);
      snapshotSeq = info.seq;
      // A snapshot saved at `seq` may carry lastSeq < seq when the tail held no order events.
      store.advanceTo(info.seq);
      break;
    } catch (err) {
      snapshotsRejected.push({ seq: info.seq, reason: errorMessage(err) });
    }
  }
  store ??= new OrderStore();

  const corruptions: WalCorruption[] = [];
  const corruptionCounts: Partial<Record<WalCorruptionReason, number>> = {};
  const gaps: { fromSeq: number; toSeq: number }[] = [];
  let missingEntries = 0;
  let applied = 0;
  let ignored = 0;
  let skipped = 0;
  let consumed = 0;

  const note = (c: WalCorruption): void => {
    corruptionCounts[c.reason] = (corruptionCounts[c.reason] ?? 0) + 1;
    if (corruptions.length < RECOVERY_CORRUPTION_LIST_CAP) corruptions.push(c);
  };
  const noteGap = (fromSeq: number, toSeq: number, position: string): void => {
    gaps.push({ fromSeq, toSeq });
    missingEntries += toSeq - fromSeq + 1;
    note({
      reason: 'GAP',
      seq: fromSeq,
      toSeq,
      position,
      detail: `sequences ${fromSeq}..${toSeq} missing`,
    });
  };

  const fromSeq = (snapshotSeq ?? 0) + 1;
  // Next sequence we expect; anything between it and the next one seen is a gap.
  let expected = fromSeq;
  const walLast = await storage.wal.lastSeq();
  const total = walLast >= fromSeq ? walLast - fromSeq + 1 : 0;

  for await (const batch of storage.wal.read(fromSeq, batchSize)) {
    for (const item of batch) {
      consumed++;
      if (!item.ok) {
        const c = item.corruption;
        if (c.reason === 'GAP') {
          const from = Math.max(c.seq ?? expected, expected);
          const to = c.toSeq ?? from;
          if (to >= from) noteGap(from, to, c.position);
          if (to + 1 > expected) expected = to + 1;
          consumed--;
          continue;
        }
        skipped++;
        if (c.seq !== undefined) {
          if (c.seq > expected) noteGap(expected, c.seq - 1, c.position);
          if (c.seq + 1 > expected) expected = c.seq + 1;
          store.advanceTo(c.seq);
        }
        note(c);
        continue;
      }
      const entry = item.entry;
      const seq = entry.seq;
      if (seq < expected) {
        // Already consumed (duplicate delivery or a snapshot that covers it): applying again is not safe.
        skipped++;
        note({
          reason: 'GAP',
          seq,
          position: String(seq),
          detail: `sequence ${seq} out of order (expected ${expected})`,
        });
        continue;
      }
      if (seq > expected) noteGap(expected, seq - 1, `before ${seq}`);
      expected = seq + 1;

      const type = entry.type;
      if (ORDER_EVENT_TYPES.has(type as OrderEvent['type'])) {
        if (entry.version !== ORDER_EVENT_VERSION) {
          skipped++;
          store.advanceTo(seq);
          note({
            reason: 'UNKNOWN_VERSION',
            seq,
            position: String(seq),
            detail: `${type} version ${entry.version} (this build reads ${ORDER_EVENT_VERSION})`,
          });
          continue;
        }
        const payload = entry.payload as OrderEvent | null;
        if (
          typeof payload !== 'object' ||
          payload === null ||
          payload.type !== type ||
          typeof payload.clientOrderId !== 'string'
        ) {
          skipped++;
          store.advanceTo(seq);
          note({ reason: 'MISSING_FIELD', seq, position: String(seq), detail: `${type} payload malformed` });
          continue;
        }
        try {
          store.apply(payload, seq);
          applied++;
        } catch (err) {
          skipped++;
          store.advanceTo(seq);
          note({
            reason: 'REFUSED',
            seq,
            position: String(seq),
            detail: `${type} ${payload.clientOrderId}: ${errorMessage(err)}`,
          });
          continue;
        }
      } else if (known.has(type)) {
        ignored++;
        store.advanceTo(seq);
      } else {
        skipped++;
        store.advanceTo(seq);
        note({ reason: 'UNKNOWN_TYPE', seq, position: String(seq), detail: `unknown entry type ${type}` });
        continue;
      }
      if (onEntry) onEntry(entry);
    }
    onProgress?.(consumed, total);
  }
  // Entries lost at the tail (written, then deleted) are a gap too: the WAL says it reached walLast.
  if (walLast >= expected) noteGap(expected, walLast, 'tail');
  store.advanceTo(walLast);

  return {
    store,
    report: {
      snapshotSeq,
      snapshotsRejected,
      entriesApplied: applied,
      entriesIgnored: ignored,
      entriesSkipped: skipped,
      corruptions,
      corruptionCounts,
      gaps,
      missingEntries,
      lastSeq: store.lastSeq,
      durationMs: performance.now() - started,
    },
  };
}
