export { createRedisStorage, type RedisStorage } from './storage';
export {
  DURABILITY_MODES,
  redisStorageConfigSchema,
  resolveConfig,
  type DurabilityMode,
  type RedisStorageConfig,
  type ResolvedRedisStorageConfig,
} from './config';
export { StorageConfigError, DurabilityError } from './errors';
export { accountKeys, type AccountKeys } from './keys';
export {
  decodeSnapshot,
  decodeStreamEntry,
  encodeRecord,
  encodeSnapshot,
  RECORD_FIELD,
  RECORD_FORMAT,
  seqOfId,
  streamId,
} from './codec';
export type { RedisWal, RedisWalStats } from './wal';

import { createRedisStorage } from './storage';
/** Factory the plugin host looks up. */
export const createPlugin = createRedisStorage;
