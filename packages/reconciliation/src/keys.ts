/**
 * Redis keys of one account's reconciliation. All carry the `{account}` hash tag so they share a slot
 * on Redis Cluster (with the account's WAL and BullMQ keys).
 */
export function reconKeys(account: string) {
  const base = `veloz:{${account}}:recon`;
  return {
    /** String: the run lock (`SET NX PX`, value = owner token). */
    lock: `${base}:lock`,
    /** List: JSON reports, newest first, trimmed to the history limit. */
    reports: `${base}:reports`,
    /** Hash: venue → JSON halt record, present while new orders on that venue are halted. */
    halt: `${base}:halt`,
    /** Hash: venue → consecutive runs that left findings unresolved. */
    streak: `${base}:streak`,
    /** BullMQ key prefix: the queue's keys are `veloz:{account}:bull:reconciliation:*`. */
    bullPrefix: `veloz:{${account}}:bull`,
  };
}

/** Name of the BullMQ queue (one per account, namespaced by the prefix above). */
export const QUEUE_NAME = 'reconciliation';
