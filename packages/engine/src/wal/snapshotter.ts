import type { Logger } from 'pino';
import type { SnapshotInfo, StoragePlugin } from '../plugins/storage';
import type { OrderStore } from '../store/order-store';

export interface SnapshotterOptions {
  storage: StoragePlugin;
  /** The live store (read at snapshot time). */
  store: OrderStore | (() => OrderStore);
  /** Take a snapshot once this many sequences were applied since the last one (default 10,000; 0: never). */
  everyEntries?: number;
  /** ...or once this much time passed with anything new (default 60,000 ms; 0: never). */
  everyMs?: number;
  /**
   * Sequence already covered by a stored snapshot (e.g. the one recovery started from), so the first
   * snapshot waits for K new sequences instead of following the restart at once (default 0).
   */
  fromSeq?: number;
  /** Trim the WAL below the oldest snapshot kept after each snapshot (default true). */
  trim?: boolean;
  logger?: Logger;
}

/** Figures for health and metrics. */
export interface SnapshotterStats {
  taken: number;
  failed: number;
  /** Sequence of the last snapshot taken (`fromSeq` until one is). */
  lastSeq: number;
  lastTakenAt: number;
  /** WAL entries removed by trimming. */
  trimmed: number;
}

export interface Snapshotter {
  /** Tell the snapshotter the store reached `seq`; may start a background snapshot (not after stop). Never throws. */
  notify(seq: number): void;
  /** Take a snapshot now (waits for one in progress first). Undefined when nothing new since the last. */
  snapshotNow(): Promise<SnapshotInfo | undefined>;
  start(): void;
  /** Stop the timer and `notify` for good, and wait for a snapshot in progress. Idempotent. */
  stop(): Promise<void>;
  readonly stats: SnapshotterStats;
}

/**
 * Background snapshots of the OrderStore every K entries or T ms, then the WAL is trimmed below the
 * oldest snapshot the storage keeps (older entries are only needed when every kept snapshot is
 * corrupt). Failures are logged and counted, never thrown: the WAL stays the source of truth.
 */
export function createSnapshotter(options: SnapshotterOptions): Snapshotter {
  const everyEntries = options.everyEntries ?? 10_000;
  const everyMs = options.everyMs ?? 60_000;
  const trim = options.trim ?? true;
  const getStore = typeof options.store === 'function' ? options.store : () => options.store as OrderStore;
  const stats: SnapshotterStats = {
    taken: 0,
    failed: 0,
    lastSeq: options.fromSeq ?? 0,
    lastTakenAt: 0,
    trimmed: 0,
  };
  let running: Promise<SnapshotInfo | undefined> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const take = async (): Promise<SnapshotInfo | undefined> => {
    const store = getStore();
    const seq = store.lastSeq;
    if (seq <= stats.lastSeq) return undefined;
    // toSnapshot copies the order references synchronously: orders are immutable, so the state is
    // exactly the one at `seq` even while events keep being applied during the save.
    const info = await options.storage.snapshots.save(seq, store.toSnapshot());
    stats.taken++;
    stats.lastSeq = seq;
    stats.lastTakenAt = info.takenAt;
    if (trim) {
      const kept = await options.storage.snapshots.list();
      const oldest = kept.at(-1);
      if (oldest) stats.trimmed += await options.storage.wal.trim(oldest.seq + 1);
    }
    options.logger?.info({ seq, bytes: info.bytes, orders: store.size }, 'snapshot taken');
    return info;
  };

  const run = (): Promise<SnapshotInfo | undefined> => {
    running ??= take()
      .catch((err: unknown) => {
        stats.failed++;
        options.logger?.warn({ err }, 'snapshot failed');
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  return {
    stats,
    notify(seq: number) {
      if (!stopped && everyEntries > 0 && seq - stats.lastSeq >= everyEntries && !running) void run();
    },
    async snapshotNow() {
      if (running) await running;
      return run();
    },
    start() {
      if (timer || stopped || everyMs <= 0) return;
      timer = setInterval(() => {
        if (!running && getStore().lastSeq > stats.lastSeq) void run();
      }, everyMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (running) await running;
    },
  };
}
