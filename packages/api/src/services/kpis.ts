import { keys } from '@veloz/engine';
import type { Redis } from 'ioredis';

/** One KPI sample as the engine published it (field `kpi`, JSON), with its stream id and time. */
export interface KpiSample {
  /** Stream id (`<ms>-<n>`). */
  id: string;
  /** Epoch ms of the sample (its `ts`/`at` field, else the stream id's time). */
  at: number;
  data: Record<string, unknown>;
}

function parseSample(id: string, fields: string[]): KpiSample | undefined {
  const i = fields.indexOf('kpi');
  if (i < 0 || i % 2 !== 0) return undefined;
  try {
    const data = JSON.parse(fields[i + 1] ?? '') as Record<string, unknown>;
    if (typeof data !== 'object' || data === null) return undefined;
    const at =
      typeof data.ts === 'number'
        ? data.ts
        : typeof data.at === 'number'
          ? data.at
          : Number(id.split('-')[0]);
    return { id, at, data };
  } catch {
    return undefined;
  }
}

/** Reads the engine's KPI samples stream. */
export interface KpiReader {
  /** Newest `count` samples, newest first. */
  latest(count: number): Promise<KpiSample[]>;
}

export function createKpiReader(account: string, redis: Redis): KpiReader {
  const key = keys.kpis(account);
  return {
    async latest(count) {
      const raw = (await redis.xrevrange(key, '+', '-', 'COUNT', count)) as [string, string[]][];
      return raw.map(([id, f]) => parseSample(id, f)).filter((s): s is KpiSample => s !== undefined);
    },
  };
}
