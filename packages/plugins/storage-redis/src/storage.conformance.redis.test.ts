import { describeStorageConformance } from '@veloz/engine/testing';
import { deleteAccountKeys } from '../test/helpers/redis';
import { createRedisStorage } from './storage';

describeStorageConformance('storage:redis', {
  create: (account) => createRedisStorage({ account, leaseTtlMs: 2000 }),
  cleanup: (account) => deleteAccountKeys(account),
});
