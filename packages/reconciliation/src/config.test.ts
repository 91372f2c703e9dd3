import { describe, expect, it } from 'vitest';
import { parseConfig } from './config';

describe('parseConfig', () => {
  it('applies defaults and merges the policy', () => {
    const c = parseConfig(
      { account: 'acc-1', policy: { ORPHANED: 'cancel' } },
      { REDIS_URL: 'redis://10.0.0.1:6380' },
    );
    expect(c).toMatchObject({
      connection: 'redis://10.0.0.1:6380',
      intervalMs: 30_000,
      attempts: 3,
      haltAfterRuns: 3,
      policy: { ORPHANED: 'cancel', MISSING: 'resolve', STATUS_MISMATCH: 'apply', FILL_MISMATCH: 'apply' },
    });
  });

  it('names the bad field or variable', () => {
    expect(() => parseConfig({ account: 'bad account' })).toThrow(/account/);
    expect(() => parseConfig({ account: 'a', intervalMs: 5 })).toThrow(/intervalMs/);
    expect(() => parseConfig({ account: 'a', policy: { MISSING: 'adopt' as never } })).toThrow(
      /policy\.MISSING/,
    );
    expect(() => parseConfig({ account: 'a' }, { REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
  });
});
