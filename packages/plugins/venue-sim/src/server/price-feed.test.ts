import { describe, expect, it } from 'vitest';
import { createPriceFeed } from './price-feed';

describe('createPriceFeed', () => {
  it('walks deterministically for a seed, on the tick grid, never below one tick', () => {
    const walk = (seed: number) => {
      const feed = createPriceFeed({ seed, volatility: 0.01 });
      const out: string[] = [];
      let p = '100';
      for (let i = 0; i < 50; i++) out.push((p = feed.next('X', p, '0.05')));
      return out;
    };
    expect(walk(3)).toEqual(walk(3));
    expect(walk(3)).not.toEqual(walk(4));
    for (const p of walk(3)) expect(Math.round(Number(p) * 100) % 5).toBe(0);
    const crash = createPriceFeed({ seed: 1, volatility: 0.5 });
    let p = '0.05';
    for (let i = 0; i < 20; i++)
      expect(Number((p = crash.next('X', p, '0.05')))).toBeGreaterThanOrEqual(0.05);
  });

  it('replays a given price list, cycling', () => {
    const feed = createPriceFeed({ seed: 1, volatility: 0.01, replay: { X: ['1', '2', '3'] } });
    expect([1, 2, 3, 4].map(() => feed.next('X', '9', '1'))).toEqual(['1', '2', '3', '1']);
  });
});
