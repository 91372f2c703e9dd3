import { Redis } from 'ioredis';
import { ACQUIRE_LEASE, RELEASE_LEASE, RENEW_LEASE } from './scripts';

type Reply = [number, number | string];

/**
 * ioredis client with the lease scripts registered (EVALSHA, falling back to EVAL on NOSCRIPT). The append
 * script is sent by the WAL itself, pre-encoded (wal.ts).
 */
export interface WalRedis extends Redis {
  velozAcquireLease(lease: string, epoch: string, owner: string, ttlMs: number): Promise<Reply>;
  velozRenewLease(lease: string, token: string, ttlMs: number): Promise<number>;
  velozReleaseLease(lease: string, token: string): Promise<number>;
}

/** Create a client (not connected until `connect()`) with the scripts defined. */
export function createWalRedis(url: string, connectionName: string): WalRedis {
  const redis = new Redis(url, { lazyConnect: true, connectionName, maxRetriesPerRequest: 3 });
  redis.defineCommand('velozAcquireLease', { numberOfKeys: 2, lua: ACQUIRE_LEASE });
  redis.defineCommand('velozRenewLease', { numberOfKeys: 1, lua: RENEW_LEASE });
  redis.defineCommand('velozReleaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE });
  return redis as WalRedis;
}
