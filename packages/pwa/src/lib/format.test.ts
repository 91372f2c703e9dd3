// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { formatAge, formatCount, formatMs, formatTime } from './format';
import { pushBounded, sparklinePath } from './sparkline';
import { matchRoute } from './router';

describe('format', () => {
  it('ages', () => {
    expect(formatAge(300)).toBe('just now');
    expect(formatAge(42_000)).toBe('42 s ago');
    expect(formatAge(5 * 60_000 + 10)).toBe('5 min ago');
    expect(formatAge(3 * 3_600_000)).toBe('3 h ago');
    expect(formatAge(72 * 3_600_000)).toBe('3 d ago');
  });
  it('milliseconds', () => {
    expect(formatMs(0.4219)).toBe('0.42 ms');
    expect(formatMs(12.34)).toBe('12.3 ms');
    expect(formatMs(1200)).toBe('1.20 s');
    expect(formatMs(null)).toBe('—');
  });
  it('times and counts as the locale methods write them (the formatters are made once)', () => {
    const now = Date.now();
    const yesterday = now - 3 * 86_400_000;
    const opts = { hour: '2-digit', minute: '2-digit', second: '2-digit' } as const;
    for (let i = 0; i < 2; i++) {
      expect(formatTime(now)).toBe(new Date(now).toLocaleTimeString(undefined, opts));
      expect(formatTime(yesterday)).toBe(
        `${new Date(yesterday).toLocaleDateString()} ${new Date(yesterday).toLocaleTimeString(undefined, opts)}`,
      );
      expect(formatCount(1234567.4)).toBe((1234567).toLocaleString());
    }
    expect(formatTime(null)).toBe('—');
    expect(formatCount(Number.NaN)).toBe('—');
  });
});

describe('sparkline', () => {
  it('scales into the box, oldest left, highest on top', () => {
    expect(sparklinePath([0, 10], 104, 24, 2)).toBe('M2.0 22.0L102.0 2.0');
    expect(sparklinePath([5, 5, 5], 104, 24, 2)).toBe('M2.0 12.0L52.0 12.0L102.0 12.0');
    expect(sparklinePath([1], 100, 20)).toBe('');
  });
  it('keeps a bounded history', () => {
    expect(pushBounded([1, 2, 3], 4, 3)).toEqual([2, 3, 4]);
    expect(pushBounded([], 1, 3)).toEqual([1]);
  });
});

describe('matchRoute', () => {
  it('maps paths to views', () => {
    expect(matchRoute('/')).toEqual({ name: 'dashboard' });
    expect(matchRoute('/orders/')).toEqual({ name: 'orders' });
    expect(matchRoute('/orders/new')).toEqual({ name: 'new-order' });
    expect(matchRoute('/orders/pwa%2Dx')).toEqual({ name: 'order', clientOrderId: 'pwa-x' });
    expect(matchRoute('/reconciliation')).toEqual({ name: 'reconciliation' });
    expect(matchRoute('/nope')).toEqual({ name: 'not-found', path: '/nope' });
  });
});
