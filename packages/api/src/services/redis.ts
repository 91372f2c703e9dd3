import { Redis } from 'ioredis';

/**
 * A Redis client for the API: reconnects forever with a capped backoff, fails queued commands fast
 * while disconnected (so reads of Redis-backed data answer with an error instead of hanging).
 */
export function createRedisClient(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  });
}

/** Error message of an unknown failure. */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
