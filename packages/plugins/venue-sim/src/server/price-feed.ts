import { dec, isPositive, mul, type Decimal } from '@veloz/engine';
import { floorToStep, maxDec } from './decimal-steps';

/** Deterministic PRNG (mulberry32): the same seed gives the same walk on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PriceFeedConfig {
  seed: number;
  /** Largest relative move per tick of the random walk, e.g. 0.001 for ±0.1 %. */
  volatility: number;
  /** Per symbol, prices to replay in order (cycling) instead of the random walk. */
  replay?: Record<string, Decimal[]>;
}

/**
 * Where the next price of a symbol comes from: a replayed list when one is configured for it, else a seeded
 * random walk rounded to the tick (never below one tick). Pure apart from its own PRNG and replay cursor.
 */
export function createPriceFeed(config: PriceFeedConfig) {
  const random = seededRandom(config.seed);
  const cursors = new Map<string, number>();
  return {
    next(symbol: string, current: Decimal, tickSize: Decimal): Decimal {
      const list = config.replay?.[symbol];
      if (list && list.length > 0) {
        const i = cursors.get(symbol) ?? 0;
        cursors.set(symbol, (i + 1) % list.length);
        return list[i]!;
      }
      const factor = 1 + (random() * 2 - 1) * config.volatility;
      const moved = floorToStep(mul(current, dec(factor.toFixed(12))), tickSize);
      return isPositive(moved) ? maxDec(moved, tickSize) : tickSize;
    },
  };
}
export type PriceFeed = ReturnType<typeof createPriceFeed>;
