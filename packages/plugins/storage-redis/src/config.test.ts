import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config';
import { StorageConfigError } from './errors';

describe('resolveConfig', () => {
  it('applies defaults once, taking the URL from REDIS_URL', () => {
    expect(resolveConfig({}, { REDIS_URL: 'redis://10.0.0.1:6380' })).toMatchObject({
      redisUrl: 'redis://10.0.0.1:6380',
      durability: 'ack',
      leaseTtlMs: 10_000,
      maxBatch: 256,
      snapshotKeep: 3,
    });
  });

  it('fails naming the bad field or variable', () => {
    expect(() => resolveConfig({ leaseTtlMs: 5 }, {})).toThrow(/leaseTtlMs/);
    expect(() => resolveConfig({ durability: 'maybe' as never }, {})).toThrow(/durability/);
    expect(() => resolveConfig({ account: 'has space' }, {})).toThrow(/account/);
    expect(() => resolveConfig({}, { REDIS_URL: 'http://nope' })).toThrow(StorageConfigError);
    expect(() => resolveConfig({}, { REDIS_URL: 'http://nope' })).toThrow(/REDIS_URL/);
  });
});
