import type { KeyValueStorage, PluginContext, SnapshotStorage, StoragePlugin } from '@veloz/engine';
import { VelozError } from '@veloz/engine';
import type { Redis } from 'ioredis';
import { resolveConfig, type RedisStorageConfig, type ResolvedRedisStorageConfig } from './config';
import { StorageConfigError } from './errors';
import { accountKeys, type AccountKeys } from './keys';
import { createWalRedis, type WalRedis } from './redis-client';
import { createRedisSnapshots } from './snapshots';
import { createRedisWal, type RedisWal } from './wal';

/** The Redis storage plugin, with its resolved config and keys visible for tools and health. */
export interface RedisStorage extends StoragePlugin {
  readonly wal: RedisWal;
  /** Resolved configuration (after start). */
  readonly config: ResolvedRedisStorageConfig;
  /** The account's keys (after start). */
  readonly keys: AccountKeys;
  /** True while the Redis connection is up. */
  readonly connected: boolean;
  /** The plugin's Redis client (after start), for tools and health checks. Do not write WAL keys with it. */
  readonly redis: Redis;
}

interface Started {
  redis: WalRedis;
  config: ResolvedRedisStorageConfig;
  keys: AccountKeys;
  wal: RedisWal;
  snapshots: SnapshotStorage;
  kv: KeyValueStorage;
}

const notStarted = () => new VelozError('STORAGE_NOT_STARTED', 'storage:redis is not started');

async function checkDurability(redis: WalRedis, config: ResolvedRedisStorageConfig): Promise<void> {
  if (config.durability !== 'fsync') return;
  let settings: string[];
  try {
    settings = [
      ...((await redis.config('GET', 'appendonly')) as string[]),
      ...((await redis.config('GET', 'appendfsync')) as string[]),
    ];
  } catch (err) {
    throw new StorageConfigError('durability "fsync": cannot read the server config (CONFIG GET refused)', {
      cause: err,
    });
  }
  const get = (k: string) => settings[settings.indexOf(k) + 1];
  if (get('appendonly') !== 'yes' || get('appendfsync') !== 'always') {
    throw new StorageConfigError(
      `durability "fsync" needs the Redis server to run appendonly yes + appendfsync always ` +
        `(it runs appendonly ${get('appendonly')}, appendfsync ${get('appendfsync')})`,
    );
  }
}

/**
 * The WAL, snapshots and key-value store of one account on Redis (`storage:redis`). See docs/wal.md
 * for the record format, durability modes, fencing and recovery. Config is validated at start.
 */
export function createRedisStorage(config: Partial<RedisStorageConfig> = {}): RedisStorage {
  let started: Started | undefined;
  let starting: Promise<void> | undefined;
  const need = (): Started => {
    if (!started) throw notStarted();
    return started;
  };

  const plugin: RedisStorage = {
    name: 'storage:redis',

    start(ctx: PluginContext): Promise<void> {
      if (started) return Promise.resolve();
      starting ??= (async () => {
        const resolved = resolveConfig(config);
        const account = resolved.account ?? ctx.account;
        const keys = accountKeys(resolveConfig({ ...config, account }).account!, resolved.keyPrefix);
        const redis = createWalRedis(resolved.redisUrl, `veloz-wal:${account}`);
        const onError = (err: unknown) => ctx.logger.warn({ err, account }, 'storage:redis background error');
        redis.on('error', (err: unknown) => ctx.logger.debug({ err }, 'storage:redis connection error'));
        try {
          await redis.connect();
          await checkDurability(redis, resolved);
        } catch (err) {
          redis.disconnect();
          throw err instanceof VelozError
            ? err
            : new StorageConfigError(`storage:redis: cannot connect to ${resolved.redisUrl}`, { cause: err });
        }
        const now = () => ctx.clock.now();
        started = {
          redis,
          config: resolved,
          keys,
          wal: createRedisWal({ redis, keys, config: resolved, now, onError }),
          snapshots: createRedisSnapshots({
            redis,
            redisUrl: resolved.redisUrl,
            keys,
            keep: resolved.snapshotKeep,
            now,
          }),
          kv: {
            async get(key) {
              return (await redis.get(keys.kv(key))) ?? undefined;
            },
            async set(key, value, ttlMs) {
              if (ttlMs === undefined) await redis.set(keys.kv(key), value);
              else await redis.set(keys.kv(key), value, 'PX', Math.max(1, Math.ceil(ttlMs)));
            },
            async del(key) {
              await redis.del(keys.kv(key));
            },
          },
        };
        ctx.logger.info({ account, durability: resolved.durability, wal: keys.wal }, 'storage:redis started');
      })().finally(() => {
        starting = undefined;
      });
      return starting;
    },

    async stop(): Promise<void> {
      const s = started;
      started = undefined;
      if (!s) return;
      try {
        await s.redis.quit();
      } catch {
        s.redis.disconnect();
      }
    },

    get wal() {
      return need().wal;
    },
    get snapshots() {
      return need().snapshots;
    },
    get kv() {
      return need().kv;
    },
    get config() {
      return need().config;
    },
    get keys() {
      return need().keys;
    },
    get redis() {
      return need().redis;
    },
    get connected() {
      return started?.redis.status === 'ready';
    },
  };
  return plugin;
}
