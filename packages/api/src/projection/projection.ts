import { isOrderEventEntry, keys, type Order, type OrderStoreSnapshot } from '@veloz/engine';
import { accountKeys, decodeSnapshot, decodeStreamEntry } from '@veloz/storage-redis';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import { Subject } from 'rxjs';
import { delay, errorMessage } from '../services/redis';
import { createWake } from '../services/wake';
import { EventLog, type ProjectedEvent, type ProjectionCounters } from './event-log';

export interface ProjectionOptions {
  account: string;
  /** Connection for snapshot reads. */
  redis: Redis;
  /** Dedicated connection for the blocking XREAD (disconnected by `stop`). */
  blocking: Redis;
  /** Order events kept for cursors (default 100 000). */
  eventLogSize?: number;
  /** Entries per XREAD (default 1000). */
  batchSize?: number;
  /** XREAD BLOCK, ms (default 1000). */
  blockMs?: number;
  logger: Logger;
}

/** Where the projection stands, for the `wal` query and `/readyz`. */
export interface ProjectionStatus extends ProjectionCounters {
  /** True once the WAL present at start has been applied. */
  replayed: boolean;
  /** Highest WAL sequence applied. */
  appliedSeq: number;
  /** Sequence of the snapshot the projection started from (0: none). */
  snapshotSeq: number;
  /** Oldest resumable `orderEvents` cursor. */
  oldestCursor: number;
  /** Epoch ms of the last WAL entry applied. */
  lastEntryAt: number | undefined;
  /** Replay duration, ms (undefined until replayed). */
  replayMs: number | undefined;
  orders: number;
  openOrders: number;
}

/**
 * The API's read model: the newest readable snapshot, then every WAL entry after it, folded with the
 * engine's reducer, then the tail (XREAD BLOCK from the last applied stream id). Reads and subscriptions
 * are served from memory and keep working while the engine restarts.
 */
export interface Projection {
  /** Load the snapshot and start tailing; resolves once the loop runs (not once replayed). Idempotent. */
  start(): Promise<void>;
  /** Stop tailing. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the WAL present at start has been applied. */
  replayed(): Promise<void>;
  status(): ProjectionStatus;
  get(clientOrderId: string): Order | undefined;
  orders(): Iterable<Order>;
  history(clientOrderId: string): readonly ProjectedEvent[];
  /** Events after `cursor` (throws CursorExpiredError when they are no longer kept). */
  eventsAfter(cursor: number, limit?: number): ProjectedEvent[];
  /** Resolves true once the projection applied `seq`, false after `timeoutMs`. */
  waitForSeq(seq: number, timeoutMs: number): Promise<boolean>;
  /** Resolves at the next applied batch (or stop). */
  nextBatch(): Promise<void>;
  /** Every event as applied. Hot. */
  readonly events$: Observable<ProjectedEvent>;
}

type RawEntry = [Buffer, Buffer[]];

export function createProjection(opts: ProjectionOptions): Projection {
  const walKey = keys.wal(opts.account);
  const storeKeys = accountKeys(opts.account);
  const batchSize = opts.batchSize ?? 1000;
  const blockMs = opts.blockMs ?? 1000;
  const log = opts.logger.child({ component: 'projection' });
  const events = new Subject<ProjectedEvent>();
  const wake = createWake();
  let book = new EventLog(opts.eventLogSize ?? 100_000);
  let snapshotSeq = 0;
  let lastEntryAt: number | undefined;
  let replayStartedAt = 0;
  let replayMs: number | undefined;
  let isReplayed = false;
  let based = false;
  let resolveReplayed!: () => void;
  const replayedPromise = new Promise<void>((r) => (resolveReplayed = r));
  let running = false;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let loop: Promise<void> | undefined;

  /** The newest snapshot that decodes, or none. */
  async function loadSnapshot(): Promise<{ seq: number; state: OrderStoreSnapshot } | undefined> {
    const seqs = (await opts.redis.zrevrange(storeKeys.snapIndex, 0, -1)).map(Number);
    for (const seq of seqs) {
      const buf = await opts.redis.getBuffer(storeKeys.snap(seq));
      if (!buf) continue;
      const res = decodeSnapshot(buf, seq);
      const state = res.ok ? (res.state as OrderStoreSnapshot) : undefined;
      if (state && state.version === 1 && Array.isArray(state.orders)) return { seq, state };
      log.warn({ seq, reason: res.ok ? 'not an OrderStore snapshot' : res.reason }, 'snapshot skipped');
    }
    return undefined;
  }

  async function reset(): Promise<void> {
    const snap = await loadSnapshot();
    book = new EventLog(opts.eventLogSize ?? 100_000, snap?.state);
    snapshotSeq = snap?.seq ?? 0;
    log.info({ snapshotSeq, orders: book.store.size }, 'projection base loaded');
  }

  function applyBatch(raw: RawEntry[]): void {
    for (const [id, fields] of raw) {
      const item = decodeStreamEntry(id, fields);
      if (!item.ok) {
        book.skip(item.corruption.seq, 'corrupt');
        log.warn({ corruption: item.corruption }, 'WAL entry skipped');
        continue;
      }
      const { entry } = item;
      if (entry.seq <= book.lastSeq) continue;
      lastEntryAt = entry.ts;
      if (isOrderEventEntry(entry)) {
        const projected = book.applyEvent(entry.seq, entry.ts, entry.payload);
        if (projected) events.next(projected);
        else log.warn({ seq: entry.seq, clientOrderId: entry.payload.clientOrderId }, 'order event refused');
      } else {
        book.skip(entry.seq, 'other');
      }
    }
    wake.fire();
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        if (!based) {
          replayStartedAt = Date.now();
          await reset();
          based = true;
        }
        const from = `${book.lastSeq}-0`;
        // During replay read without blocking: an empty answer means the WAL present at start is applied.
        const args: (string | number)[] = isReplayed
          ? ['COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', walKey, from]
          : ['COUNT', batchSize, 'STREAMS', walKey, from];
        const reply = (await opts.blocking.xreadBuffer(
          ...(args as ['COUNT', number, 'STREAMS', string, string]),
        )) as [Buffer, RawEntry[]][] | null;
        const raw = reply?.[0]?.[1] ?? [];
        if (raw.length > 0) applyBatch(raw);
        if (!isReplayed && raw.length < batchSize) {
          isReplayed = true;
          replayMs = Date.now() - replayStartedAt;
          log.info({ appliedSeq: book.lastSeq, replayMs, orders: book.store.size }, 'projection replayed');
          resolveReplayed();
        }
      } catch (err) {
        if (!running) break;
        log.error({ err: errorMessage(err) }, 'WAL tail failed; retrying');
        await delay(500);
      }
    }
  }

  return {
    start() {
      starting ??= (async () => {
        // Connection failures are retried by the loop; a Redis down at start delays readiness only.
        if (opts.redis.status === 'wait') opts.redis.connect().catch(() => undefined);
        if (opts.blocking.status === 'wait') opts.blocking.connect().catch(() => undefined);
        running = true;
        loop = run();
      })();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        running = false;
        opts.blocking.disconnect();
        await loop;
        wake.fire();
        events.complete();
      })();
      return stopping;
    },
    replayed: () => replayedPromise,
    status: () => ({
      // Field by field: `{ ...counters, more }` measured 3-10 µs per call on Node 20 (the `health`
      // query calls this per request), the explicit form 0.1 µs.
      applied: book.counters.applied,
      other: book.counters.other,
      corrupt: book.counters.corrupt,
      refused: book.counters.refused,
      gaps: book.counters.gaps,
      replayed: isReplayed,
      appliedSeq: book.lastSeq,
      snapshotSeq,
      oldestCursor: book.oldestCursor,
      lastEntryAt,
      replayMs,
      orders: book.store.size,
      openOrders: book.store.openOrderCount,
    }),
    get: (id) => book.store.get(id),
    orders: () => book.store.all(),
    history: (id) => book.history(id),
    eventsAfter: (cursor, limit) => book.after(cursor, limit),
    async waitForSeq(seq, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (book.lastSeq < seq) {
        const left = deadline - Date.now();
        if (left <= 0 || !running) return false;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([wake.wait(), new Promise<void>((r) => (timer = setTimeout(r, left)))]);
        clearTimeout(timer);
      }
      return true;
    },
    nextBatch: () => wake.wait(),
    events$: events.asObservable(),
  };
}
