import { Redis } from 'ioredis';
import { ACQUIRE_LEASE, APPEND, RELEASE_LEASE, RENEW_LEASE } from './scripts';

type Reply = [number, number | string];

/** ioredis client with the WAL's Lua scripts registered (EVALSHA, falling back to EVAL on NOSCRIPT). */
export interface WalRedis extends Redis {
  velozAcquireLease(lease: string, epoch: string, owner: string, ttlMs: number): Promise<Reply>;
  velozRenewLease(lease: string, token: string, ttlMs: number): Promise<number>;
  velozReleaseLease(lease: string, token: string): Promise<number>;
  velozAppend(
    wal: string,
    seq: string,
    lease: string,
    token: string,
    first: number,
    count: number,
    ...records: Buffer[]
  ): Promise<Reply>;
}

/** Create a client (not connected until `connect()`) with the scripts defined. */
export function createWalRedis(url: string, connectionName: string): WalRedis {
  const redis = new Redis(url, { lazyConnect: true, connectionName, maxRetriesPerRequest: 3 });
  redis.defineCommand('velozAcquireLease', { numberOfKeys: 2, lua: ACQUIRE_LEASE });
  redis.defineCommand('velozRenewLease', { numberOfKeys: 1, lua: RENEW_LEASE });
  redis.defineCommand('velozReleaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE });
  redis.defineCommand('velozAppend', { numberOfKeys: 3, lua: APPEND });
  return redis as WalRedis;
}
