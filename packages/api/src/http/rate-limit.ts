import type { ServerResponse } from 'node:http';
import { sendJson } from './respond';

/** Error code of a request or graphql-ws operation refused by the per-token rate limit. */
export const RATE_LIMITED = 'RATE_LIMITED';

export interface RateLimiterOptions {
  /** Sustained requests per second per key (> 0). */
  ratePerSecond: number;
  /** Requests a key may make at once after being idle (>= 1); the bucket's size. */
  burst: number;
  /** Most keys kept; past it the least recently created bucket is dropped. Default 10 000. */
  maxKeys?: number;
  /** Monotonic clock, ms. Default `performance.now`. */
  now?: () => number;
}

/**
 * Token buckets per key (the principal's token name), in memory: each API process (every replica and
 * every `VELOZ_API_WORKERS` worker) has its own, so the limit a token sees across N processes behind a
 * load balancer is up to N times the configured one.
 */
export interface RateLimiter {
  /**
   * Count one request for `key`. Returns 0 when it may proceed, otherwise how long until the bucket
   * holds a request again, ms (> 0; nothing was taken). O(1), no timers, no allocation once the key's
   * bucket exists.
   */
  take(key: string): number;
}

/** A bucket refilled lazily from the time of its last use. */
interface Bucket {
  tokens: number;
  at: number;
}

/** Create a limiter; see RateLimiterOptions. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { burst } = options;
  const perMs = options.ratePerSecond / 1000;
  const maxKeys = options.maxKeys ?? 10_000;
  const now = options.now ?? (() => performance.now());
  // Keys are the configured token names (a fixed, small set); maxKeys only guards against misuse.
  const buckets = new Map<string, Bucket>();
  return {
    take(key) {
      const t = now();
      let b = buckets.get(key);
      if (b === undefined) {
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!);
        b = { tokens: burst, at: t };
        buckets.set(key, b);
      } else {
        const refilled = b.tokens + (t - b.at) * perMs;
        b.tokens = refilled > burst ? burst : refilled;
        b.at = t;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / perMs));
    },
  };
}

/** The GraphQL-shaped error of a refused request or operation (`extensions.retryAfterMs`). */
export function rateLimitedError(retryAfterMs: number): {
  message: string;
  extensions: { code: string; retryAfterMs: number };
} {
  return {
    message: `rate limit exceeded for this token; retry in ${retryAfterMs} ms`,
    extensions: { code: RATE_LIMITED, retryAfterMs },
  };
}

/** Answer HTTP 429 with `Retry-After` (whole seconds, at least 1) and the GraphQL-shaped error. */
export function sendRateLimited(
  res: ServerResponse,
  retryAfterMs: number,
  headers: Record<string, string> | undefined,
): void {
  sendJson(
    res,
    429,
    { errors: [rateLimitedError(retryAfterMs)] },
    { ...headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  );
}
