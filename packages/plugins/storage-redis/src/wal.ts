import {
  FencedError,
  VelozError,
  type Lease,
  type WalEntryInput,
  type WalReadItem,
  type WalStorage,
} from '@veloz/engine';
import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import { decodeStreamEntry, RecordBatch } from './codec';
import type { ResolvedRedisStorageConfig } from './config';
import { DurabilityError } from './errors';
import type { AccountKeys } from './keys';
import { acquireLease, type RedisLease } from './lease';
import type { WalRedis } from './redis-client';
import { APPEND } from './scripts';

const APPEND_SHA = createHash('sha1').update(APPEND).digest('hex');
/** Bytes kept in front of a batch's records for the EVALSHA header (keys, token, seq, count). */
const HEADROOM = 512;

/** RESP bulk string of a string argument. */
const bulk = (s: string): string => `$${Buffer.byteLength(s, 'utf8')}\r\n${s}\r\n`;

/**
 * An APPEND call whose RESP bytes were built by `RecordBatch.wire`: the client library only queues and
 * writes it and parses the reply (its per-argument encoding cost ~1 µs per record).
 */
class PreEncodedCommand extends Command {
  constructor(
    name: 'evalsha' | 'eval',
    private readonly wire: Buffer,
  ) {
    super(name, [], { replyEncoding: 'utf8' });
  }

  override toWritable(): Buffer {
    return this.wire;
  }
}

interface Pending {
  lease: RedisLease;
  entries: WalEntryInput[];
  resolve: (seqs: number[]) => void;
  reject: (err: unknown) => void;
}

export interface RedisWalOptions {
  redis: WalRedis;
  keys: AccountKeys;
  config: ResolvedRedisStorageConfig;
  now: () => number;
  onError: (err: unknown) => void;
}

/** Figures for metrics and health. */
export interface RedisWalStats {
  /** Lua append calls completed. */
  batches: number;
  /** Entries acknowledged. */
  entries: number;
  /** Append calls refused by fencing (stale lease or sequence). */
  fenced: number;
}

export type RedisWal = WalStorage & { readonly stats: RedisWalStats };

type RawEntry = [Buffer, Buffer[]];

/**
 * The WAL on a Redis stream. Appends are group-committed: calls queued while up to `maxInFlight` Lua
 * calls are on the wire are packed into the next call (up to `maxBatch` entries), each call fenced by
 * the lease token and the sequence it must follow. A caller is answered only with its own call's reply.
 */
export function createRedisWal(opts: RedisWalOptions): RedisWal {
  const { redis, keys, config } = opts;
  const queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;
  let resyncing = false;
  /** Set by a NOSCRIPT reply: no new batch goes out until every batch in flight was answered (in order). */
  let draining = false;
  /** Next sequence to assign; undefined until read from Redis (after a lease change or a failure). */
  let nextSeq: number | undefined;
  const stats: RedisWalStats = { batches: 0, entries: 0, fenced: 0 };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(pump);
  };

  function pump(): void {
    scheduled = false;
    if (draining && inFlight > 0) return;
    draining = false;
    while (queue.length > 0 && inFlight < config.maxInFlight) {
      if (nextSeq === undefined) {
        if (inFlight === 0 && !resyncing) resync();
        return;
      }
      dispatch(take());
    }
  }

  function resync(): void {
    resyncing = true;
    redis.get(keys.seq).then(
      (v) => {
        resyncing = false;
        nextSeq = Number(v ?? 0) + 1;
        pump();
      },
      (err: unknown) => {
        resyncing = false;
        for (const p of queue.splice(0)) p.reject(err);
      },
    );
  }

  function take(): Pending[] {
    const first = queue.shift()!;
    const batch = [first];
    let n = first.entries.length;
    while (queue.length > 0) {
      const next = queue[0]!;
      if (next.lease !== first.lease || n + next.entries.length > config.maxBatch) break;
      batch.push(queue.shift()!);
      n += next.entries.length;
    }
    return batch;
  }

  function dispatch(batch: Pending[]): void {
    const lease = batch[0]!.lease;
    if (!lease.valid) {
      for (const p of batch) p.reject(new FencedError(`lease epoch ${lease.epoch} is no longer held`));
      return;
    }
    const first = nextSeq!;
    const ts = opts.now();
    let seq = first;
    let entries = 0;
    for (const p of batch) entries += p.entries.length;
    // Sized for typical order events: small batches come from Node's buffer pool, big ones grow once at most.
    const records = new RecordBatch(entries * 256, HEADROOM);
    const sent: { p: Pending; seqs: number[] }[] = [];
    for (const p of batch) {
      const mark = records.mark();
      const seqs: number[] = [];
      try {
        for (const e of p.entries) {
          records.add(seq, lease.epoch, ts, e.type, e.version, e.payload);
          seqs.push(seq++);
        }
      } catch (err) {
        // One caller's unencodable payload fails that caller only.
        records.rollback(mark);
        seq -= seqs.length;
        p.reject(err);
        continue;
      }
      sent.push({ p, seqs });
    }
    const count = records.count;
    if (count === 0) return;
    nextSeq = seq;
    inFlight++;

    const onReply = (code: number, detail: number | string, replicas: number): void => {
      inFlight--;
      if (code === 0) {
        stats.batches++;
        stats.entries += count;
        if (replicas < config.replicas) {
          const err = new DurabilityError(
            `${replicas} of ${config.replicas} replicas confirmed seq ${first}..${seq - 1} within ${config.replicaTimeoutMs} ms`,
          );
          for (const { p } of sent) p.reject(err);
        } else {
          for (const { p, seqs } of sent) p.resolve(seqs);
        }
      } else {
        stats.fenced += sent.length;
        nextSeq = undefined;
        let err: Error;
        if (code === -1) {
          lease.markLost();
          err = new FencedError(
            `epoch ${lease.epoch} fenced: lease now held by ${String(detail) || 'nobody'}`,
          );
        } else if (code === -2) {
          err = new FencedError(`sequence ${first} does not follow ${String(detail)}`);
        } else {
          err = new VelozError('WAL_BATCH_INVALID', `append batch refused: ${String(detail)}`);
        }
        for (const { p } of sent) p.reject(err);
      }
      pump();
    };
    const onError = (err: unknown): void => {
      inFlight--;
      nextSeq = undefined;
      opts.onError(err);
      for (const { p } of sent) p.reject(err);
      pump();
    };

    if (config.durability !== 'replicas') {
      // The latency path: the command written as one buffer, one promise hop from the reply to the callers.
      const args =
        bulk(keys.wal) + bulk(keys.seq) + bulk(keys.lease) + bulk(lease.token) + bulk(String(first));
      const tail = `${args}${bulk(String(count))}`;
      const send = (name: 'evalsha' | 'eval'): void => {
        const head =
          name === 'evalsha'
            ? `*${9 + count}\r\n$7\r\nEVALSHA\r\n${bulk(APPEND_SHA)}`
            : `*${9 + count}\r\n$4\r\nEVAL\r\n${bulk(APPEND)}`;
        (
          redis.sendCommand(
            new PreEncodedCommand(name, records.wire(`${head}$1\r\n3\r\n${tail}`)),
          ) as Promise<[number, number | string]>
        ).then(
          (r) => onReply(r[0], r[1], Infinity),
          (err: unknown) => {
            // Script cache empty (Redis restarted or flushed): nothing of this batch ran. Send it again
            // with the script itself, and hold new batches until those in flight came back, so the
            // batches still reach Redis in sequence order.
            if (name === 'evalsha' && err instanceof Error && err.message.startsWith('NOSCRIPT')) {
              draining = true;
              send('eval');
            } else onError(err);
          },
        );
      };
      send('evalsha');
      return;
    }
    const recs = records.records();
    (
      redis.multi() as unknown as {
        velozAppend(...args: unknown[]): {
          wait(n: number, ms: number): { exec(): Promise<[Error | null, unknown][] | null> };
        };
      }
    )
      .velozAppend(keys.wal, keys.seq, keys.lease, lease.token, first, count, ...recs)
      .wait(config.replicas, config.replicaTimeoutMs)
      .exec()
      .then((res) => {
        const [appendRes, waitRes] = res ?? [];
        if (appendRes?.[0]) throw appendRes[0];
        const [code, detail] = appendRes?.[1] as [number, number | string];
        onReply(code, detail, Number(waitRes?.[1] ?? 0));
      })
      .catch(onError);
  }

  async function lastSeq(): Promise<number> {
    return Number((await redis.get(keys.seq)) ?? 0);
  }

  const decodeAll = (raw: RawEntry[], maxSeq: number): WalReadItem[] => {
    const out = new Array<WalReadItem>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const [id, fields] = raw[i]!;
      const item = decodeStreamEntry(id, fields);
      // A rogue id far past the WAL's head must not drag replay's sequence along with it.
      if (!item.ok && item.corruption.seq !== undefined && item.corruption.seq > maxSeq) {
        delete item.corruption.seq;
      }
      out[i] = item;
    }
    return out;
  };

  return {
    stats,

    async acquireLease(owner: string): Promise<Lease> {
      const lease = await acquireLease({
        redis,
        keys,
        owner,
        ttlMs: config.leaseTtlMs,
        waitMs: config.leaseWaitMs,
        now: opts.now,
        onError: opts.onError,
      });
      nextSeq = undefined;
      return lease;
    },

    append(lease: Lease, entries: WalEntryInput[]): Promise<number[]> {
      const held = lease as RedisLease;
      if (typeof held.token !== 'string') {
        return Promise.reject(new FencedError('not a lease of this storage'));
      }
      if (!held.valid) return Promise.reject(new FencedError(`lease epoch ${lease.epoch} is no longer held`));
      if (entries.length === 0) return Promise.resolve([]);
      return new Promise<number[]>((resolve, reject) => {
        queue.push({ lease: held, entries, resolve, reject });
        schedule();
      });
    },

    read(fromSeq: number, requested = 5000): AsyncIterable<WalReadItem[]> {
      const from = Math.max(1, Math.floor(fromSeq));
      // Batches of at most `requested` entries (the contract), fetched in windows of at most readWindow.
      const batchSize = Math.max(1, Math.min(Math.floor(requested), config.readWindow));
      return {
        async *[Symbol.asyncIterator]() {
          let last = await lastSeq();
          // Ids are `<seq>-0`, so sequence windows can be fetched ahead while this one is decoded.
          let next = from;
          // Skip the trimmed prefix rather than asking for empty windows.
          const head = (await redis.xrange(keys.wal, '-', '+', 'COUNT', 1))[0];
          const headSeq = head ? Number(head[0].split('-')[0]) : NaN;
          if (headSeq > next) next = Math.min(headSeq, last + 1);
          const ahead: Promise<RawEntry[]>[] = [];
          const fill = () => {
            while (next <= last && ahead.length < config.readAhead) {
              const end = next + batchSize - 1;
              ahead.push(redis.xrangeBuffer(keys.wal, String(next), String(end)) as Promise<RawEntry[]>);
              next = end + 1;
            }
          };
          fill();
          while (ahead.length > 0) {
            const raw = await ahead.shift()!;
            fill();
            // A window may hold more than batchSize items when foreign ids were injected: split it.
            for (let i = 0; i < raw.length; i += batchSize) {
              yield decodeAll(i === 0 && raw.length <= batchSize ? raw : raw.slice(i, i + batchSize), last);
            }
          }
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
    },

    lastSeq,

    async trim(belowSeq: number): Promise<number> {
      if (belowSeq <= 1) return 0;
      return redis.xtrim(keys.wal, 'MINID', String(Math.floor(belowSeq)));
    },
  };
}
