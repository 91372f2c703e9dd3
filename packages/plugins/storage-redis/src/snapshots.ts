import type { SnapshotInfo, SnapshotStorage } from '@veloz/engine';
import type { Redis } from 'ioredis';
import { decodeSnapshot, decodeSnapshotHeader, encodeSnapshotAsync } from './codec';
import type { AccountKeys } from './keys';
import { storageUnavailable } from './errors';
import { getValue, ownsConnection } from './resp-reader.mjs';

export interface RedisSnapshotsOptions {
  redis: Redis;
  /**
   * The storage's Redis URL: with `redis://`, snapshots load over a connection of their own, the value
   * read straight into one buffer (`getValue`, resp-reader.mjs); otherwise (TLS) through `redis`.
   */
  redisUrl: string;
  keys: AccountKeys;
  keep: number;
  now: () => number;
}

/**
 * Snapshots as one checksummed binary value per sequence (`…:snap:<seq>`), indexed by a sorted set.
 * Saving prunes all but the newest `keep`.
 */
export function createRedisSnapshots({
  redis,
  redisUrl,
  keys,
  keep,
  now,
}: RedisSnapshotsOptions): SnapshotStorage {
  const ownConnection = ownsConnection(redisUrl);
  return {
    async save(seq: number, state: unknown): Promise<SnapshotInfo> {
      const takenAt = now();
      // Packed a chunk of orders per event-loop turn: the engine keeps serving orders meanwhile.
      const buf = await encodeSnapshotAsync(seq, takenAt, state);
      await redis.multi().set(keys.snap(seq), buf).zadd(keys.snapIndex, seq, String(seq)).exec();
      const old = await redis.zrevrange(keys.snapIndex, keep, -1);
      if (old.length > 0) {
        await redis
          .multi()
          .del(...old.map((s) => keys.snap(Number(s))))
          .zrem(keys.snapIndex, ...old)
          .exec();
      }
      return { seq, takenAt, bytes: buf.length };
    },

    async list(): Promise<SnapshotInfo[]> {
      const seqs = (await redis.zrevrange(keys.snapIndex, 0, -1)).map(Number);
      if (seqs.length === 0) return [];
      const pipe = redis.pipeline();
      for (const seq of seqs) pipe.getrangeBuffer(keys.snap(seq), 0, 20).strlen(keys.snap(seq));
      const res = (await pipe.exec()) ?? [];
      return seqs.map((seq, i) => {
        const head = res[2 * i]?.[1] as Buffer | undefined;
        const bytes = Number(res[2 * i + 1]?.[1] ?? 0);
        return { seq, takenAt: (head && decodeSnapshotHeader(head)?.takenAt) || 0, bytes };
      });
    },

    async load(seq: number) {
      const key = keys.snap(seq);
      let buf: Buffer | null;
      try {
        buf = ownConnection
          ? await getValue(redisUrl, 'veloz-wal-snapshot', key)
          : await redis.getBuffer(key);
      } catch (err) {
        // An error reply (the key holds a list, say) is a bad snapshot: recovery falls back to an older one.
        // Anything else (connection lost, timeout) is the storage failing.
        if (err instanceof Error && err.name === 'ReplyError') {
          return { ok: false as const, reason: `snapshot ${seq} is unreadable: ${err.message}` };
        }
        throw storageUnavailable(`loading snapshot ${seq}`, err);
      }
      if (!buf) return { ok: false as const, reason: `snapshot ${seq} is missing` };
      const res = decodeSnapshot(buf, seq);
      return res.ok ? { ok: true as const, state: res.state } : res;
    },
  };
}
