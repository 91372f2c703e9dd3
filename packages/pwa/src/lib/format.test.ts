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
  it('local times as HH:MM:SS, with the ISO date when not today', () => {
    const at = new Date(2026, 10, 27, 9, 5, 7).getTime();
    const sameDay = new Date(2026, 10, 27, 23, 59, 59).getTime();
    expect(formatTime(at, sameDay)).toBe('09:05:07');
    expect(formatTime(at, new Date(2026, 10, 28, 0, 0, 1).getTime())).toBe('2026-11-27 09:05:07');
    expect(formatTime(new Date(2025, 11, 31, 23, 0, 0).getTime(), at)).toBe('2025-12-31 23:00:00');
    // The same day of another month or year is another day.
    expect(formatTime(new Date(2026, 9, 27, 12, 0, 0).getTime(), at)).toBe('2026-10-27 12:00:00');
    expect(formatTime(new Date(2025, 10, 27, 12, 0, 0).getTime(), at)).toBe('2025-11-27 12:00:00');
    expect(formatTime(Date.now())).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(formatTime(null)).toBe('—');
    expect(formatTime(Number.NaN)).toBe('—');
  });
  it('counts with thousands separators', () => {
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1000)).toBe('1,000');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(-0.4)).toBe('0');
    expect(formatCount(-12345.6)).toBe('-12,346');
    expect(formatCount(Number.MAX_SAFE_INTEGER)).toBe('9,007,199,254,740,991');
    expect(formatCount(1e22)).toBe('1e+22');
    expect(formatCount(Number.NaN)).toBe('—');
    expect(formatCount(null)).toBe('—');
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
