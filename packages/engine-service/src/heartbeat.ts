import {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TTL_MS,
  keys,
  type EngineHeartbeat,
  type EngineStatus,
} from '@veloz/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from './errors';

/** Build the heartbeat from the engine's status (pure). */
export function buildHeartbeat(
  status: EngineStatus,
  lease: { owner: string; epoch: number },
  pid: number,
  now: number,
): EngineHeartbeat {
  const r = status.recovery;
  return {
    account: status.account,
    state: status.state,
    owner: lease.owner,
    epoch: lease.epoch,
    pid,
    startedAt: status.startedAt,
    publishedAt: now,
    venues: status.venues,
    wal: { lastSeq: status.wal.lastSeq },
    recovery: r && {
      durationMs: Math.round(r.durationMs),
      entriesApplied: r.entriesApplied,
      entriesSkipped: r.entriesSkipped,
      snapshotSeq: r.snapshotSeq ?? null,
      lastSeq: r.lastSeq,
    },
    openOrders: status.openOrders,
  };
}

// Deletes the key only while it is ours: a successor engine's heartbeat must survive our shutdown.
const DELETE_IF_OWNER = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, hb = pcall(cjson.decode, v)
if ok and hb.owner == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface HeartbeatOptions {
  redis: Redis;
  account: string;
  status: () => EngineStatus;
  lease: () => { owner: string; epoch: number };
  now: () => number;
  logger: Logger;
  /** Default HEARTBEAT_INTERVAL_MS / HEARTBEAT_TTL_MS of the protocol. */
  intervalMs?: number;
  ttlMs?: number;
}

/** Publishes `EngineHeartbeat` with a TTL every interval; `stop(true)` deletes it. */
export interface HeartbeatPublisher {
  /** Publish now and every interval after. Idempotent. */
  start(): void;
  /** Publish now (e.g. on a state change), outside the schedule; nothing before `start`. Failures are logged. */
  publish(): Promise<void>;
  /** Stop publishing; with `remove`, delete the key when it is still ours. Idempotent; never rejects. */
  stop(remove: boolean): Promise<void>;
  /** Publish failures since start. */
  errors(): number;
}

export function createHeartbeat(opts: HeartbeatOptions): HeartbeatPublisher {
  const key = keys.heartbeat(opts.account);
  const ttl = opts.ttlMs ?? HEARTBEAT_TTL_MS;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;
  let errors = 0;
  let stopping: Promise<void> | undefined;

  const publish = async () => {
    if (!started || stopped) return;
    try {
      const hb = buildHeartbeat(opts.status(), opts.lease(), process.pid, opts.now());
      await opts.redis.set(key, JSON.stringify(hb), 'PX', ttl);
    } catch (err) {
      errors++;
      opts.logger.warn({ err: errorMessage(err) }, 'heartbeat publish failed');
    }
  };

  return {
    start() {
      if (started || stopped) return;
      started = true;
      void publish();
      timer = setInterval(() => void publish(), opts.intervalMs ?? HEARTBEAT_INTERVAL_MS);
    },
    publish,
    stop(remove) {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(timer);
        if (!remove) return;
        try {
          await opts.redis.eval(DELETE_IF_OWNER, 1, key, opts.lease().owner);
        } catch (err) {
          opts.logger.warn({ err: errorMessage(err) }, 'heartbeat delete failed; it expires on its own');
        }
      })();
      return stopping;
    },
    errors: () => errors,
  };
}
