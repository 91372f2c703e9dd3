import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit';

/** A clock the test moves by hand, ms. */
const manualClock = () => {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('createRateLimiter (token bucket per key)', () => {
  it('lets a burst through, refuses the next with the wait until one request is back', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerSecond: 10, burst: 3, now: clock.now });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(100); // 10/s: one request every 100 ms
    clock.advance(40);
    expect(limiter.take('a')).toBe(60);
    clock.advance(60);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(100);
  });

  it('keeps keys apart', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerSecond: 1, burst: 1, now: clock.now });
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1000);
    expect(limiter.take('b')).toBe(0);
  });

  it('refills at the rate but never above the burst', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerSecond: 100, burst: 5, now: clock.now });
    for (let i = 0; i < 5; i++) expect(limiter.take('a')).toBe(0);
    clock.advance(60_000); // idle a minute: back to 5, not 6 000
    let allowed = 0;
    while (limiter.take('a') === 0) allowed++;
    expect(allowed).toBe(5);
    // Sustained: 1 s at exactly the rate is all allowed.
    for (let i = 0; i < 100; i++) {
      clock.advance(10);
      expect(limiter.take('a')).toBe(0);
    }
    expect(limiter.take('a')).toBeGreaterThan(0);
  });

  it('bounds the number of buckets', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 2, now: clock.now });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c'); // drops a's bucket
    expect(limiter.take('b')).toBe(1000);
    expect(limiter.take('a')).toBe(0); // a fresh bucket
  });
});
