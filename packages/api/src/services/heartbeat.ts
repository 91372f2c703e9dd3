import { HEARTBEAT_TTL_MS, keys, type EngineHeartbeat } from '@veloz/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from './redis';
import { createWake } from './wake';

/** What the API knows about the engine right now. */
export interface EngineView {
  /** True exactly while the engine's heartbeat key exists (it expires `HEARTBEAT_TTL_MS` after the last beat). */
  connected: boolean;
  /** The last heartbeat read (kept while the engine is gone, for last-known venue states). */
  heartbeat: EngineHeartbeat | undefined;
  /** Epoch ms of the last successful read of the heartbeat key (present or not). */
  checkedAt: number | undefined;
}

export interface HeartbeatMonitorOptions {
  account: string;
  redis: Redis;
  /** Poll period, ms (default 500: a dead engine shows within TTL + 0.5 s). */
  pollMs?: number;
  logger: Logger;
}

/** Polls the engine heartbeat; `engine.connected` follows the key's existence. */
export interface HeartbeatMonitor {
  start(): void;
  stop(): void;
  view(): EngineView;
  /** Resolves at the next change (new heartbeat, connected flipped) or stop. */
  changed(): Promise<void>;
}

export function createHeartbeatMonitor(opts: HeartbeatMonitorOptions): HeartbeatMonitor {
  const key = keys.heartbeat(opts.account);
  const pollMs = opts.pollMs ?? 500;
  const wake = createWake();
  const log = opts.logger.child({ component: 'heartbeat' });
  let view: EngineView = { connected: false, heartbeat: undefined, checkedAt: undefined };
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const raw = await opts.redis.get(key);
      let hb: EngineHeartbeat | undefined;
      if (raw) {
        try {
          hb = JSON.parse(raw) as EngineHeartbeat;
        } catch {
          log.warn('heartbeat is not JSON');
        }
      }
      const connected = hb !== undefined;
      const changed = connected !== view.connected || (hb && hb.publishedAt !== view.heartbeat?.publishedAt);
      if (connected !== view.connected)
        log.info({ connected }, connected ? 'engine connected' : 'engine lost');
      view = { connected, heartbeat: hb ?? view.heartbeat, checkedAt: Date.now() };
      if (changed) wake.fire();
    } catch (err) {
      // Redis down: the engine cannot be seen either.
      if (view.connected) {
        view = { ...view, connected: false };
        wake.fire();
      }
      log.debug({ err: errorMessage(err) }, 'heartbeat read failed');
    } finally {
      polling = false;
    }
  };

  return {
    start() {
      if (timer) return;
      void poll();
      timer = setInterval(() => void poll(), pollMs);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      wake.fire();
    },
    view: () => view,
    changed: () => wake.wait(),
  };
}

export { HEARTBEAT_TTL_MS };
