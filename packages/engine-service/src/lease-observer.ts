import type { Lease, StoragePlugin } from '@veloz/engine';

const bind = (target: object, prop: string | symbol) => {
  const v: unknown = Reflect.get(target, prop);
  return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
};

/**
 * The storage plugin, unchanged, except that every lease it grants is reported to `onLease` (owner and
 * epoch, for the heartbeat): the engine keeps its lease to itself.
 */
export function observeLease(
  storage: StoragePlugin,
  onLease: (lease: { owner: string; epoch: number }) => void,
): StoragePlugin {
  const wrapped = new WeakMap<object, StoragePlugin['wal']>();
  const wrapWal = (wal: StoragePlugin['wal']) =>
    new Proxy(wal, {
      get(target, prop) {
        if (prop !== 'acquireLease') return bind(target, prop);
        return async (owner: string): Promise<Lease> => {
          const lease = await target.acquireLease(owner);
          onLease({ owner, epoch: lease.epoch });
          return lease;
        };
      },
    });
  return new Proxy(storage, {
    get(target, prop) {
      if (prop !== 'wal') return bind(target, prop);
      // `wal` may only be readable once the storage started: wrap it on access.
      const wal = target.wal;
      let w = wrapped.get(wal);
      if (!w) wrapped.set(wal, (w = wrapWal(wal)));
      return w;
    },
  });
}
