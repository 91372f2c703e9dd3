import { Subject } from 'rxjs';
import { VelozError } from '../errors';
import { systemClock, type Clock, type PluginContext } from '../plugins/context';
import {
  FencedError,
  type Lease,
  type SnapshotInfo,
  type StoragePlugin,
  type WalEntry,
  type WalEntryInput,
  type WalReadItem,
} from '../plugins/storage';

export interface MemoryStorageOptions {
  /** Plugin name (default "storage:memory"). */
  name?: string;
  /** Snapshots kept (default 3). */
  snapshotKeep?: number;
  /** Clock for entry timestamps and kv expiry (default: the plugin context's clock, else system). */
  clock?: Clock;
}

/** Test controls of the in-memory storage, beyond the StoragePlugin contract. */
export interface MemoryStorageControls {
  /** Every stored WAL item in sequence order (copies). */
  entries(): WalEntry[];
  /**
   * Expire the current lease as a lease TTL would: its `lost$` emits, its appends throw FencedError,
   * and `acquireLease` succeeds again. With `silent`, `lost$` does not emit (a writer that has not noticed).
   */
  expireLease(options?: { silent?: boolean }): void;
  /** Make every following WAL call (append, read, lastSeq) reject with `error`; `undefined` heals it. */
  failWith(error: Error | undefined): void;
  /** Replace the stored item at `seq` with a corruption report (read yields it in place). */
  corrupt(seq: number, reason: 'CHECKSUM' | 'UNDECODABLE', detail?: string): void;
  /** Make the snapshot at `seq` fail its checksum on load. */
  corruptSnapshot(seq: number): void;
  /** Number of append calls that wrote something. */
  readonly appendCalls: number;
  /** True between start and stop. */
  readonly running: boolean;
}

export type MemoryStorage = StoragePlugin & MemoryStorageControls;

interface HeldLease extends Lease {
  owner: string;
  valid: boolean;
  lose(emit: boolean): void;
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/**
 * An in-memory StoragePlugin that honours the storage contract: sequence numbers from 1, epoch-fenced
 * appends (an append under any lease but the newest throws FencedError and writes nothing), JSON-copied
 * payloads (what you read is never what you wrote, as with a real store), snapshots keeping the newest
 * N, and a kv with TTL. State survives stop/start, so a second engine on the same object sees a restart.
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  const keep = options.snapshotKeep ?? 3;
  let clock: Clock = options.clock ?? systemClock;
  const items = new Map<number, WalReadItem>();
  let lastSeq = 0;
  let epoch = 0;
  let current: HeldLease | undefined;
  let failure: Error | undefined;
  let appendCalls = 0;
  let running = false;
  const snapshots = new Map<number, { info: SnapshotInfo; json: string; corrupt: boolean }>();
  const kv = new Map<string, { value: string; expiresAt?: number }>();

  const check = () => {
    if (failure) throw failure;
  };

  const newLease = (owner: string): HeldLease => {
    const lost = new Subject<void>();
    const lease: HeldLease = {
      epoch: ++epoch,
      owner,
      valid: true,
      lost$: lost.asObservable(),
      lose(emit: boolean) {
        if (!lease.valid) return;
        lease.valid = false;
        if (emit) lost.next();
        lost.complete();
      },
      async release() {
        if (current === lease) current = undefined;
        lease.valid = false;
        lost.complete();
      },
    };
    return lease;
  };

  const storage: MemoryStorage = {
    name: options.name ?? 'storage:memory',

    async start(ctx: PluginContext) {
      if (!options.clock) clock = ctx.clock;
      running = true;
    },
    async stop() {
      running = false;
    },

    wal: {
      async acquireLease(owner: string) {
        check();
        if (current?.valid) {
          throw new FencedError(`lease held by ${current.owner} (epoch ${current.epoch})`);
        }
        current = newLease(owner);
        return current;
      },

      async append(lease: Lease, entries: WalEntryInput[]) {
        // Resolve after a microtask so callers cannot depend on synchronous appends.
        await Promise.resolve();
        check();
        const held = lease as HeldLease;
        if (held !== current || !held.valid || held.epoch !== epoch) {
          throw new FencedError(`stale lease epoch ${lease.epoch} (current ${epoch})`);
        }
        const ts = clock.now();
        const seqs: number[] = [];
        const staged = entries.map((e) => {
          const seq = lastSeq + seqs.length + 1;
          seqs.push(seq);
          return {
            seq,
            epoch: lease.epoch,
            ts,
            type: e.type,
            version: e.version,
            payload: clone(e.payload),
          } satisfies WalEntry;
        });
        for (const entry of staged) items.set(entry.seq, { ok: true, entry });
        if (staged.length > 0) {
          lastSeq += staged.length;
          appendCalls++;
        }
        return seqs;
      },

      read(fromSeq: number, batchSize = 500) {
        return {
          async *[Symbol.asyncIterator]() {
            check();
            const seqs = [...items.keys()].filter((s) => s >= fromSeq).sort((a, b) => a - b);
            for (let i = 0; i < seqs.length; i += batchSize) {
              check();
              yield seqs.slice(i, i + batchSize).map((s) => clone(items.get(s)!));
            }
          },
        };
      },

      async lastSeq() {
        check();
        return lastSeq;
      },

      async trim(belowSeq: number) {
        check();
        let removed = 0;
        for (const seq of [...items.keys()]) {
          if (seq < belowSeq) {
            items.delete(seq);
            removed++;
          }
        }
        return removed;
      },
    },

    snapshots: {
      async save(seq: number, state: unknown) {
        const json = JSON.stringify(state);
        const info: SnapshotInfo = { seq, takenAt: clock.now(), bytes: Buffer.byteLength(json) };
        snapshots.set(seq, { info, json, corrupt: false });
        const newest = [...snapshots.keys()].sort((a, b) => b - a);
        for (const old of newest.slice(keep)) snapshots.delete(old);
        return info;
      },
      async list() {
        return [...snapshots.values()].map((s) => s.info).sort((a, b) => b.seq - a.seq);
      },
      async load(seq: number) {
        const snap = snapshots.get(seq);
        if (!snap) return { ok: false as const, reason: `no snapshot at ${seq}` };
        if (snap.corrupt) return { ok: false as const, reason: `checksum mismatch in snapshot ${seq}` };
        return { ok: true as const, state: JSON.parse(snap.json) as unknown };
      },
    },

    kv: {
      async get(key: string) {
        const v = kv.get(key);
        if (!v) return undefined;
        if (v.expiresAt !== undefined && v.expiresAt <= clock.now()) {
          kv.delete(key);
          return undefined;
        }
        return v.value;
      },
      async set(key: string, value: string, ttlMs?: number) {
        kv.set(key, { value, ...(ttlMs !== undefined ? { expiresAt: clock.now() + ttlMs } : {}) });
      },
      async del(key: string) {
        kv.delete(key);
      },
    },

    entries() {
      return [...items.values()]
        .filter((i): i is { ok: true; entry: WalEntry } => i.ok)
        .map((i) => clone(i.entry))
        .sort((a, b) => a.seq - b.seq);
    },
    expireLease(opts?: { silent?: boolean }) {
      current?.lose(!opts?.silent);
    },
    failWith(error: Error | undefined) {
      failure = error;
    },
    corrupt(seq: number, reason: 'CHECKSUM' | 'UNDECODABLE', detail = 'corrupted by test') {
      if (!items.has(seq)) throw new VelozError('NO_ENTRY', `no WAL entry ${seq}`);
      items.set(seq, { ok: false, corruption: { reason, seq, position: String(seq), detail } });
    },
    corruptSnapshot(seq: number) {
      const snap = snapshots.get(seq);
      if (!snap) throw new VelozError('NO_SNAPSHOT', `no snapshot ${seq}`);
      snap.corrupt = true;
    },
    get appendCalls() {
      return appendCalls;
    },
    get running() {
      return running;
    },
  };
  return storage;
}
