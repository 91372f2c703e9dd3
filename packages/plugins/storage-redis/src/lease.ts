import { Subject, type Observable } from 'rxjs';
import { FencedError, type Lease } from '@veloz/engine';
import type { AccountKeys } from './keys';
import type { WalRedis } from './redis-client';

/** A lease held in Redis (`SET NX PX`, renewed every third of its TTL). */
export interface RedisLease extends Lease {
  /** `<epoch>:<owner>`: what the lease key holds while this lease is current. */
  readonly token: string;
  /** False once lost or released: appends under it are refused locally too. */
  readonly valid: boolean;
  /** Mark lost (an append was fenced): stops renewing, emits `lost$`. */
  markLost(): void;
}

export interface AcquireOptions {
  redis: WalRedis;
  keys: AccountKeys;
  owner: string;
  ttlMs: number;
  waitMs: number;
  now: () => number;
  onError: (err: unknown) => void;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Acquire the account's writer lease. A held lease is waited for up to `waitMs` (polled, a standby
 * engine takes over when the holder's TTL runs out); then FencedError.
 */
export async function acquireLease(opts: AcquireOptions): Promise<RedisLease> {
  const { redis, keys, owner, ttlMs } = opts;
  const deadline = opts.now() + opts.waitMs;
  for (;;) {
    const [epoch, tokenOrHolder] = await redis.velozAcquireLease(keys.lease, keys.epoch, owner, ttlMs);
    if (epoch > 0) return startLease(opts, Number(epoch), String(tokenOrHolder));
    const left = deadline - opts.now();
    if (left <= 0) {
      throw new FencedError(
        `WAL lease of ${keys.lease} is held by ${String(tokenOrHolder) || 'another writer'}`,
      );
    }
    await delay(Math.min(left, Math.max(20, ttlMs / 10)));
  }
}

function startLease(opts: AcquireOptions, epoch: number, token: string): RedisLease {
  const { redis, keys, ttlMs } = opts;
  const lost = new Subject<void>();
  let valid = true;
  let lastRenewed = opts.now();
  let renewing = false;

  const end = (emit: boolean) => {
    if (!valid) return;
    valid = false;
    clearInterval(timer);
    if (emit) lost.next();
    lost.complete();
  };

  const timer = setInterval(
    () => {
      if (renewing || !valid) return;
      renewing = true;
      redis
        .velozRenewLease(keys.lease, token, ttlMs)
        .then((ok) => {
          if (ok === 1) lastRenewed = opts.now();
          else end(true);
        })
        .catch((err: unknown) => {
          opts.onError(err);
          // Past the TTL the key has expired in Redis whatever happened: the lease is gone.
          if (opts.now() - lastRenewed >= ttlMs) end(true);
        })
        .finally(() => {
          renewing = false;
        });
    },
    Math.max(10, Math.floor(ttlMs / 3)),
  );
  timer.unref();

  return {
    epoch,
    token,
    get valid() {
      return valid;
    },
    lost$: lost.asObservable() as Observable<void>,
    markLost: () => end(true),
    async release() {
      if (!valid) return;
      end(false);
      try {
        await redis.velozReleaseLease(keys.lease, token);
      } catch (err) {
        opts.onError(err);
      }
    },
  };
}
