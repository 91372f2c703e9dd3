import type { SnapshotInfo, StoragePlugin, WalEntryInput } from '@veloz/engine';

/** What an instrumented storage reports, per call. */
export interface StorageObserver {
  /**
   * One successful `wal.append`: its duration (seconds) and the entries written (do not keep or change
   * them). `at` is `performance.now()` when the append resolved. (Bytes are the storage's own figure,
   * `wal.appendedBytes`, read at scrape time: sizing each payload here cost 2-6% of the order path.)
   */
  walAppended(seconds: number, entries: readonly WalEntryInput[], at: number): void;
  /** One `wal.append` that rejected. */
  walAppendFailed(seconds: number): void;
  /** A snapshot was saved (or found at start by `snapshots.list`). */
  snapshotSeen(info: SnapshotInfo): void;
}

/**
 * Wrap a storage plugin so WAL appends (latency, entries, bytes, failures) and snapshots are measured.
 * The wrapper inherits everything else from the plugin (its prototype is the plugin, so test controls
 * and extra members stay reachable) and is given to the engine in place of the plugin.
 */
export function instrumentStorage<T extends StoragePlugin>(storage: T, observer: StorageObserver): T {
  // `wal` and `snapshots` are wrapped on access, not here: a plugin may only have them once started
  // (the Redis storage throws before `start`), and may hand out new ones after a restart.
  const walCache = new WeakMap<object, T['wal']>();
  const snapCache = new WeakMap<object, T['snapshots']>();
  const wrapWal = (inner: T['wal']): T['wal'] => {
    const wal = Object.create(inner) as T['wal'];
    // A `then` on the plugin's promise, not an async function awaiting it: one promise and one
    // microtask fewer per append, on the order path.
    const append: T['wal']['append'] = (lease, entries) => {
      const t0 = performance.now();
      const failed = (err: unknown): never => {
        observer.walAppendFailed((performance.now() - t0) / 1000);
        throw err;
      };
      let pending: Promise<number[]>;
      try {
        pending = inner.append(lease, entries);
      } catch (err) {
        pending = Promise.reject(err as Error); // a plugin that throws instead of rejecting
      }
      return pending.then((seqs) => {
        const t = performance.now();
        observer.walAppended((t - t0) / 1000, entries, t);
        return seqs;
      }, failed);
    };
    Object.defineProperty(wal, 'append', { value: append, enumerable: true });
    return wal;
  };
  const wrapSnapshots = (inner: T['snapshots']): T['snapshots'] => {
    const snapshots = Object.create(inner) as T['snapshots'];
    const save: T['snapshots']['save'] = async (seq, state) => {
      const info = await inner.save(seq, state);
      observer.snapshotSeen(info);
      return info;
    };
    const list: T['snapshots']['list'] = async () => {
      const infos = await inner.list();
      if (infos[0]) observer.snapshotSeen(infos[0]);
      return infos;
    };
    Object.defineProperty(snapshots, 'save', { value: save, enumerable: true });
    Object.defineProperty(snapshots, 'list', { value: list, enumerable: true });
    return snapshots;
  };
  const wrapped = Object.create(storage) as T;
  Object.defineProperty(wrapped, 'wal', {
    enumerable: true,
    get() {
      const inner = storage.wal;
      let w = walCache.get(inner);
      if (!w) walCache.set(inner, (w = wrapWal(inner)));
      return w;
    },
  });
  Object.defineProperty(wrapped, 'snapshots', {
    enumerable: true,
    get() {
      const inner = storage.snapshots;
      let w = snapCache.get(inner);
      if (!w) snapCache.set(inner, (w = wrapSnapshots(inner)));
      return w;
    },
  });
  return wrapped;
}
