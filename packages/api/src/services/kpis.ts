import { keys } from '@veloz/engine';
import { decodeKpi, engineDownKpi, kpiWindowMs, type KpiSnapshot } from '@veloz/metrics';
import type { Redis } from 'ioredis';

/** How long one read of the newest sample is shared by concurrent callers (subscribers), ms. */
const LATEST_CACHE_MS = 100;
/** Entries read back from the newest when looking for a valid sample. */
const LATEST_SCAN = 5;

function decodeEntry(fields: string[]): KpiSnapshot | undefined {
  const i = fields.indexOf('kpi');
  if (i < 0 || i % 2 !== 0) return undefined;
  try {
    return decodeKpi(fields[i + 1] ?? '');
  } catch {
    // An entry of another shape (an older engine) is not a sample; it is skipped, not served.
    return undefined;
  }
}

/** Reads the engine's typed KPI snapshots (`KpiSnapshot` v1) from the capped stream `keys.kpis(account)`. */
export interface KpiReader {
  /** The newest valid snapshot, or undefined when there is none. Rejects when Redis cannot be read. */
  latest(): Promise<KpiSnapshot | undefined>;
  /**
   * Valid snapshots of the last `windowMs` before `now`, oldest first (stream ids are Redis time, the
   * same clock the engine samples with on one machine; the sample's own `at` is filtered again).
   */
  since(windowMs: number, now: number): Promise<KpiSnapshot[]>;
}

export function createKpiReader(account: string, redis: Redis): KpiReader {
  const key = keys.kpis(account);
  let cached: { at: number; value: Promise<KpiSnapshot | undefined> } | undefined;

  const readLatest = async () => {
    const raw = (await redis.xrevrange(key, '+', '-', 'COUNT', LATEST_SCAN)) as [string, string[]][];
    for (const [, fields] of raw) {
      const s = decodeEntry(fields);
      if (s) return s;
    }
    return undefined;
  };

  return {
    latest() {
      // Many subscribers ticking at once share one XREVRANGE (at most LATEST_CACHE_MS old).
      const now = performance.now();
      if (!cached || now - cached.at > LATEST_CACHE_MS) {
        const value = readLatest();
        cached = { at: now, value };
        value.catch(() => {
          if (cached?.value === value) cached = undefined;
        });
      }
      return cached.value;
    },
    async since(windowMs, now) {
      const from = now - windowMs;
      const raw = (await redis.xrange(key, String(Math.max(0, Math.floor(from))), '+')) as [
        string,
        string[],
      ][];
      const out: KpiSnapshot[] = [];
      for (const [, fields] of raw) {
        const s = decodeEntry(fields);
        if (s && s.at >= from && s.at <= now) out.push(s);
      }
      return out;
    },
  };
}

/** The engine as the API's heartbeat monitor sees it (`HeartbeatMonitor.view()`). */
export interface EngineLiveness {
  /** True while the heartbeat key is fresh. */
  connected: boolean;
  /** Engine state of the last heartbeat. */
  heartbeat?: { state: string } | undefined;
}

/**
 * The `kpis` answer: the newest engine snapshot while the engine heartbeat is fresh; otherwise the last
 * known figures with `engineUp: false`, `engineState: "DOWN"` and every venue UNKNOWN (a killed engine
 * shows as down as soon as its heartbeat key expires, whatever its last sample said). Pure.
 */
export function kpiView(
  account: string,
  latest: KpiSnapshot | undefined,
  engine: EngineLiveness,
  now: number,
): KpiSnapshot {
  if (engine.connected && latest) return latest;
  const down = engineDownKpi(account, latest, now);
  // Up, but no sample yet (the first follows the engine's start within a second): zeros, engine up.
  if (engine.connected)
    return { ...down, engineUp: true, engineState: engine.heartbeat?.state ?? 'STARTING' };
  return down;
}

/**
 * The window of `kpiHistory(window)` in ms; throws a `RangeError` naming the allowed windows
 * (`KPI_HISTORY_WINDOWS`: 1m, 5m, 15m, 1h).
 */
export function historyWindowMs(window: string): number {
  try {
    return kpiWindowMs(window);
  } catch (err) {
    throw new RangeError((err as Error).message);
  }
}
