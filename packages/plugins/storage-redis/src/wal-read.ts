import type { VelozError, WalReadItem } from '@veloz/engine';
import { decodeFrames, type FramesMessage } from './codec';
import { framesOf } from './frame.mjs';
import type { ResolvedRedisStorageConfig } from './config';
import type { AccountKeys } from './keys';
import { readFramesInThread } from './read-thread';
import { connectFrames, ownsConnection, type FramesClient } from './resp-reader.mjs';
import { storageUnavailable } from './errors';
import type { WalRedis } from './redis-client';
import type { RedisWalStats } from './wal';

/** Entries per XRANGE of the reader thread (its replies stay in the thread's own heap). */
const THREAD_WINDOW = 5000;
/** Entries a thread read leaves to this thread while the reader thread starts (~100 ms of reading). */
const THREAD_HANDOFF = 20_000;
/** Items decoded at once from a window read by the thread (at most the caller's batch size). */
const DECODE_CHUNK = 1000;
/**
 * Reads on this thread of at least this many entries (a recovery's tail after its snapshot) fetch their
 * windows over a connection of their own (resp-reader.mjs) instead of the shared ioredis client: ioredis's
 * reply path costs ~3 µs of CPU per entry until V8 has optimized it, after about a million entries, the
 * plain parser ~0.3-0.6 µs from the start (docs/wal.md, "The reader thread"). The connection costs one
 * round trip to set up, which shorter reads would not earn back.
 */
export const DIRECT_READ_MIN_ENTRIES = 20_000;

type RawEntry = [Buffer, Buffer[]];

export interface WalReadDeps {
  redis: WalRedis;
  keys: AccountKeys;
  config: ResolvedRedisStorageConfig;
  stats: RedisWalStats;
  lastSeq: () => Promise<number>;
}

/**
 * Decode XRANGE entries read on this thread: framed and checked as the reader thread does (`framesOf`),
 * so that the payloads are read as one MessagePack sequence (`decodeFrames`), the same items as decoding
 * entry by entry (`decodeStreamEntry`, codec.test.ts) for less CPU.
 */
function decodeAll(raw: RawEntry[], maxSeq: number): WalReadItem[] {
  return decodeFrames(framesOf(raw), maxSeq);
}

/** Whether reads can use a connection of their own (resp-reader.mjs speaks plain TCP only, not rediss://). */
const ownConnection = (config: ResolvedRedisStorageConfig): boolean => ownsConnection(config.redisUrl);

/** A Redis failure of a read, as the WAL reports it. */
const unavailable = (err: unknown): VelozError => storageUnavailable('reading the WAL', err);

/**
 * Whether a read of `entries` entries goes through the reader thread: long reads (`readThreadMinEntries`),
 * not over TLS (rediss://), since the thread has only its own connection.
 */
export function readsInThread(config: ResolvedRedisStorageConfig, entries: number): boolean {
  return entries >= config.readThreadMinEntries && ownConnection(config);
}

/**
 * `WalStorage.read` of the Redis WAL: batches of at most `requested` entries from `fromSeq`, windows
 * fetched ahead while the current one is decoded; long reads go through the reader thread (see
 * docs/wal.md, "The reader thread"); then whatever was appended (or injected past the head) meanwhile.
 */
export function readWal(deps: WalReadDeps, fromSeq: number, requested: number): AsyncIterable<WalReadItem[]> {
  const { redis, keys, config, stats, lastSeq } = deps;
  const from = Math.max(1, Math.floor(fromSeq));
  // Batches of at most `requested` entries (the contract), fetched in windows of at most readWindow.
  const batchSize = Math.max(1, Math.min(Math.floor(requested), config.readWindow));
  return {
    async *[Symbol.asyncIterator]() {
      // The head entry, to skip the trimmed prefix rather than ask for empty windows.
      const [lastRead, headRead] = await Promise.all([
        lastSeq(),
        redis.xrange(keys.wal, '-', '+', 'COUNT', 1),
      ]);
      let last = lastRead;
      // Ids are `<seq>-0`, so sequence windows can be fetched ahead while this one is decoded.
      let next = from;
      const head = headRead[0];
      const headSeq = head ? Number(head[0].split('-')[0]) : NaN;
      if (headSeq > next) next = Math.min(headSeq, last + 1);
      /** Read `next`..`until` on this thread: windows fetched ahead while the current one is decoded. */
      async function* readHere(until: number): AsyncGenerator<WalReadItem[]> {
        let direct: FramesClient | undefined;
        if (until - next + 1 >= DIRECT_READ_MIN_ENTRIES && ownConnection(config)) {
          direct = await connectFrames(config.redisUrl, 'veloz-wal-reader').catch((err: unknown) => {
            throw unavailable(err);
          });
          stats.directReads++;
        }
        // Each window framed and checked: off the reply's bytes on a connection of our own, or from
        // ioredis's parsed reply.
        const xrange = (from: number, to: number): Promise<FramesMessage> =>
          direct
            ? direct.xrange(keys.wal, from, to)
            : (redis.xrangeBuffer(keys.wal, String(from), String(to)) as Promise<RawEntry[]>).then(framesOf);
        const ahead: Promise<FramesMessage>[] = [];
        const fill = () => {
          while (next <= until && ahead.length < config.readAhead) {
            const end = Math.min(next + batchSize - 1, until);
            const window = xrange(next, end);
            // Thrown where awaited; one still queued when the read stops must not be an unhandled rejection.
            window.catch(() => undefined);
            ahead.push(window);
            next = end + 1;
          }
        };
        try {
          fill();
          while (ahead.length > 0) {
            let msg: FramesMessage;
            try {
              msg = await ahead.shift()!;
            } catch (err) {
              throw direct ? unavailable(err) : err;
            }
            fill();
            // A window may hold more than batchSize items when foreign ids were injected: split it.
            for (let i = 0; i < msg.count; i += batchSize) {
              yield decodeFrames(msg, last, i, Math.min(i + batchSize, msg.count));
            }
          }
        } finally {
          // Also when the consumer stopped early; windows still in flight fail quietly (caught above).
          direct?.close();
        }
      }

      if (last >= next && readsInThread(config, last - next + 1)) {
        // Long reads (replay): the reader thread reads and checks, this thread decodes and applies.
        // The thread takes ~100 ms to start: the first entries (a tenth, at most THREAD_HANDOFF) are
        // read here meanwhile.
        const handoff = next + Math.min(THREAD_HANDOFF, Math.floor((last - next + 1) / 10));
        stats.threadReads++;
        const frames = readFramesInThread(config, keys.wal, handoff, last, THREAD_WINDOW);
        // Start it now (the generator's body runs on the first next()); its first window waits. A
        // failure is thrown where it is awaited, after this thread's share.
        const first = frames.next();
        first.catch(() => undefined);
        try {
          yield* readHere(handoff - 1);
          // Decoded in small chunks: the items wait in the young generation only while applied.
          const chunk = Math.min(DECODE_CHUNK, batchSize);
          for (let r = await first; !r.done; r = await frames.next()) {
            const msg = r.value;
            for (let i = 0; i < msg.count; i += chunk) {
              yield decodeFrames(msg, last, i, Math.min(i + chunk, msg.count));
            }
          }
        } finally {
          // Stops the thread when the consumer stopped early (or this side failed).
          await frames.return(undefined);
        }
        next = last + 1;
      }
      yield* readHere(last);
      // Entries appended (or injected past the head) while we read.
      let start = `(${last}-18446744073709551615`;
      for (;;) {
        const raw = (await redis.xrangeBuffer(keys.wal, start, '+', 'COUNT', batchSize)) as RawEntry[];
        if (raw.length === 0) return;
        last = Math.max(last, await lastSeq());
        yield decodeAll(raw, last);
        start = `(${raw[raw.length - 1]![0].toString('latin1')}`;
        if (raw.length < batchSize) return;
      }
    },
  };
}
