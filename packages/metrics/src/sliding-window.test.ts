import { describe, expect, it } from 'vitest';
import { createSlidingWindow, quantileOfSorted } from './sliding-window';

describe('quantileOfSorted', () => {
  it('is the nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileOfSorted(xs, 0.5)).toBe(50);
    expect(quantileOfSorted(xs, 0.99)).toBe(99);
    expect(quantileOfSorted(xs, 1)).toBe(100);
    expect(quantileOfSorted(xs, 0)).toBe(1);
    expect(quantileOfSorted([7], 0.99)).toBe(7);
    expect(quantileOfSorted([], 0.5)).toBeUndefined();
    expect(() => quantileOfSorted(xs, 1.5)).toThrow(RangeError);
  });
});

describe('createSlidingWindow', () => {
  it('computes quantiles over the values of the window only', () => {
    const w = createSlidingWindow({ windowMs: 1000 });
    // Old values (t < 1000) are large; only the recent ones must count at now = 2000.
    for (let i = 0; i < 50; i++) w.add(1000 + i, 500 + i);
    for (let i = 1; i <= 100; i++) w.add(i, 1500 + i);
    expect(w.count(2000)).toBe(100);
    expect(w.quantiles([0.5, 0.99], 2000)).toEqual([50, 99]);
    // Later on, the window moves past everything.
    expect(w.count(3000)).toBe(0);
    expect(w.quantile(0.5, 3000)).toBeUndefined();
    // At 1520, the first 20 of the recent ones and the old ones after 520 are in the window.
    expect(w.count(1520)).toBe(20 + 29);
  });

  it('forgets the oldest values beyond its capacity', () => {
    const w = createSlidingWindow({ windowMs: 10_000, capacity: 10 });
    for (let i = 1; i <= 25; i++) w.add(i, i);
    expect(w.count(25)).toBe(10);
    expect(w.quantile(0, 25)).toBe(16);
    expect(w.quantile(1, 25)).toBe(25);
  });

  it('validates its options', () => {
    expect(() => createSlidingWindow({ windowMs: 0 })).toThrow(RangeError);
    expect(() => createSlidingWindow({ capacity: 1.5 })).toThrow(RangeError);
  });
});
