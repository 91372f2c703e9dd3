import { z } from 'zod';

/** Reconnect backoff. Delays grow `initialMs * multiplier^attempt`, capped at `maxMs`, then jittered. */
export interface BackoffConfig {
  /** Delay of the first retry, in ms (before jitter). */
  initialMs: number;
  /** Upper bound of any delay, in ms. */
  maxMs: number;
  /** Growth factor per attempt, >= 1. */
  multiplier: number;
  /**
   * `none`: the exponential delay itself. `full`: uniform in [0, exponential delay] (AWS "full jitter").
   * `decorrelated`: uniform in [initialMs, previous delay * multiplier], capped (AWS "decorrelated jitter").
   */
  jitter: 'none' | 'full' | 'decorrelated';
}

export const backoffConfigSchema = z.object({
  initialMs: z.number().finite().positive(),
  maxMs: z.number().finite().positive(),
  multiplier: z.number().finite().min(1),
  jitter: z.enum(['none', 'full', 'decorrelated']),
});

export const DEFAULT_BACKOFF: BackoffConfig = {
  initialMs: 250,
  maxMs: 30_000,
  multiplier: 2,
  jitter: 'full',
};

/**
 * The delay before retry number `attempt` (0 for the first retry), in ms. Pure: `random` returns a
 * number in [0, 1). `previousMs` is only used by decorrelated jitter (defaults to the un-jittered
 * delay of the previous attempt). The result is always within [0, maxMs].
 */
export function backoffDelay(
  attempt: number,
  cfg: BackoffConfig,
  random: () => number = Math.random,
  previousMs?: number,
): number {
  const n = Math.max(0, Math.floor(attempt));
  const exp = (k: number) => Math.min(cfg.maxMs, cfg.initialMs * Math.pow(cfg.multiplier, k));
  const base = exp(n);
  switch (cfg.jitter) {
    case 'none':
      return base;
    case 'full':
      return Math.min(cfg.maxMs, Math.floor(random() * base));
    case 'decorrelated': {
      const low = Math.min(cfg.initialMs, cfg.maxMs);
      const prev = previousMs ?? (n === 0 ? low : exp(n - 1));
      const high = Math.max(low, Math.min(cfg.maxMs, prev * cfg.multiplier));
      return Math.min(cfg.maxMs, Math.floor(low + random() * (high - low)));
    }
  }
}
