import type { SnapshotInfo, StoragePlugin, WalEntryInput } from '@veloz/engine';

/** What an instrumented storage reports, per call. */
export interface StorageObserver {
  /**
   * One successful `wal.append`: its duration (seconds), the entries written (do not keep or change
   * them) and their payload bytes. `at` is `performance.now()` when the append resolved.
   */
  walAppended(seconds: number, entries: readonly WalEntryInput[], bytes: number, at: number): void;
  /** One `wal.append` that rejected. */
  walAppendFailed(seconds: number): void;
  /** A snapshot was saved (or found at start by `snapshots.list`). */
  snapshotSeen(info: SnapshotInfo): void;
}

/**
 * Payload size of entries as JSON, without building the JSON: strings count their length plus quotes
 * (escapes are not counted), numbers their decimal digits. Exact for the ASCII payloads the engine
 * writes (ids, decimal strings, enums) and a few times cheaper than `JSON.stringify` on the order path.
 */
export function jsonSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number': {
      if (!Number.isFinite(value)) return 4; // null
      // Integers (timestamps, sequences) without building their string.
      const a = Math.abs(value);
      if (Number.isInteger(value) && a < 1e15) {
        let d = 1;
        for (let x = 10; x <= a; x *= 10) d++;
        return value < 0 ? d + 1 : d;
      }
      return String(value).length;
    }
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let n = 2 + Math.max(0, value.length - 1);
        for (const v of value) n += jsonSize(v);
        return n;
      }
      let n = 2;
      let first = true;
      for (const k in value) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined || typeof v === 'function') continue;
        n += (first ? 0 : 1) + k.length + 3 + jsonSize(v);
        first = false;
      }
      return n;
    }
    default:
      return 0;
  }
}

function entriesSize(entries: readonly WalEntryInput[]): number {
  let n = 0;
  for (const e of entries) n += jsonSize(e.payload);
  return n;
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
    const append: T['wal']['append'] = async (lease, entries) => {
      const t0 = performance.now();
      try {
        const seqs = await inner.append(lease, entries);
        const t = performance.now();
        observer.walAppended((t - t0) / 1000, entries, entriesSize(entries), t);
        return seqs;
      } catch (err) {
        observer.walAppendFailed((performance.now() - t0) / 1000);
        throw err;
      }
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
