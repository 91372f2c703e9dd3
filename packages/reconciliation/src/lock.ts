import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Compare-and-delete / compare-and-extend: only the holder's token may release or renew the lock.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** A held run lock. `release` is idempotent. `lost` is true once a renewal found another owner. */
export interface HeldLock {
  readonly token: string;
  readonly lost: boolean;
  release(): Promise<void>;
}

/**
 * At most one reconciliation per account at a time, across every worker and process: `SET key token NX
 * PX ttl`, renewed every ttl/3 while held, released with compare-and-delete. A crashed holder's lock
 * expires after `ttlMs`. Resolves undefined when the lock stayed busy for `waitMs`.
 */
export async function acquireLock(
  redis: Redis,
  key: string,
  options: { ttlMs: number; waitMs: number; pollMs?: number },
): Promise<HeldLock | undefined> {
  const token = randomUUID();
  const deadline = Date.now() + options.waitMs;
  const poll = options.pollMs ?? 25;
  for (;;) {
    const ok = await redis.set(key, token, 'PX', options.ttlMs, 'NX');
    if (ok === 'OK') break;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, poll));
  }
  let lost = false;
  let released = false;
  const timer = setInterval(
    () => {
      redis.eval(EXTEND, 1, key, token, String(options.ttlMs)).then(
        (n) => {
          if (n === 0) lost = true;
        },
        () => undefined,
      );
    },
    Math.max(10, Math.floor(options.ttlMs / 3)),
  );
  timer.unref();
  return {
    token,
    get lost() {
      return lost;
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
