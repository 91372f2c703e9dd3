/**
 * Redis keys of one account, all hash-tagged `{account}` so they live in one Cluster slot (the Lua
 * scripts touch several of them at once).
 */
export interface AccountKeys {
  /** The WAL stream; entry ids are `<seq>-0`. */
  wal: string;
  /** Last sequence written (the Lua append script checks and moves it). */
  seq: string;
  /** Writer lease: `<epoch>:<owner>` with a PX expiry. */
  lease: string;
  /** Epoch counter (INCR on every lease acquisition). */
  epoch: string;
  /** Sorted set of snapshot sequences (score = seq). */
  snapIndex: string;
  /** Snapshot value at `seq`. */
  snap(seq: number): string;
  /** Key-value entry. */
  kv(key: string): string;
}

export function accountKeys(account: string, prefix = 'veloz'): AccountKeys {
  const base = `${prefix}:{${account}}`;
  return {
    wal: `${base}:wal`,
    seq: `${base}:wal:seq`,
    lease: `${base}:lease`,
    epoch: `${base}:lease:epoch`,
    snapIndex: `${base}:snaps`,
    snap: (seq) => `${base}:snap:${seq}`,
    kv: (key) => `${base}:kv:${key}`,
  };
}
