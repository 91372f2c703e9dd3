import { reconKeys, type ReconciliationReport } from '@veloz/reconciliation';
import type { Redis } from 'ioredis';

/** Reads the reconciliation reports `@veloz/reconciliation` keeps in Redis (a JSON list, newest first). */
export interface ReportReader {
  /** Newest `limit` reports, newest first. Malformed entries are skipped. */
  latest(limit: number): Promise<ReconciliationReport[]>;
}

export function createReportReader(account: string, redis: Redis): ReportReader {
  const key = reconKeys(account).reports;
  return {
    async latest(limit) {
      const raw = await redis.lrange(key, 0, Math.max(0, limit - 1));
      const out: ReconciliationReport[] = [];
      for (const r of raw) {
        try {
          out.push(JSON.parse(r) as ReconciliationReport);
        } catch {
          // one malformed entry must not hide the others
        }
      }
      return out;
    },
  };
}
