import { describe, expect, it } from 'vitest';
import { backoffDelay, type BackoffConfig } from './backoff';

const cfg = (jitter: BackoffConfig['jitter']): BackoffConfig => ({
  initialMs: 100,
  maxMs: 5_000,
  multiplier: 2,
  jitter,
});

describe('backoffDelay', () => {
  it('grows exponentially without jitter and caps at maxMs', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 10, 50].map((a) => backoffDelay(a, cfg('none')));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('full jitter stays within [0, exponential delay]', () => {
    for (let a = 0; a < 20; a++) {
      expect(backoffDelay(a, cfg('full'), () => 0)).toBe(0);
      const hi = backoffDelay(a, cfg('full'), () => 0.999999);
      expect(hi).toBeLessThanOrEqual(Math.min(5000, 100 * 2 ** a));
      expect(hi).toBeGreaterThanOrEqual(Math.min(5000, 100 * 2 ** a) - 1);
    }
  });

  it('decorrelated jitter stays within [initialMs, min(maxMs, previous * multiplier)]', () => {
    expect(backoffDelay(0, cfg('decorrelated'), () => 0)).toBe(100);
    expect(backoffDelay(3, cfg('decorrelated'), () => 0, 700)).toBe(100);
    expect(backoffDelay(3, cfg('decorrelated'), () => 0.999999, 700)).toBe(1399);
    expect(backoffDelay(30, cfg('decorrelated'), () => 0.999999, 4_000)).toBeLessThanOrEqual(5000);
    let prev: number | undefined;
    for (let a = 0; a < 50; a++) {
      const d = backoffDelay(a, cfg('decorrelated'), Math.random, prev);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(5000);
      prev = d;
    }
  });

  it('never exceeds maxMs even when initialMs is larger', () => {
    const c: BackoffConfig = { initialMs: 10_000, maxMs: 1_000, multiplier: 3, jitter: 'none' };
    expect(backoffDelay(0, c)).toBe(1000);
    expect(backoffDelay(0, { ...c, jitter: 'decorrelated' }, () => 0.5)).toBe(1000);
  });
});
