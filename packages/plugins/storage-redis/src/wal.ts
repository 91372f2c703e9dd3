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
import { RecordBatch } from './codec';
import type { ResolvedRedisStorageConfig } from './config';
import { DurabilityError } from './errors';
import type { AccountKeys } from './keys';
import { acquireLease, type RedisLease } from './lease';
import type { WalRedis } from './redis-client';
import { APPEND } from './scripts';
import { readWal } from './wal-read';

const APPEND_SHA = createHash('sha1').update(APPEND).digest('hex');
/** Bytes kept in front of a batch's records for the EVALSHA header (keys, token, seq, count). */
const HEADROOM = 512;

const noop = (): void => undefined;

/** RESP bulk string of a string argument. */
const bulk = (s: string): string => `$${Buffer.byteLength(s, 'utf8')}\r\n${s}\r\n`;

/**
 * An APPEND call whose RESP bytes were built by `RecordBatch.wire`: the client library only queues and
 * writes it and parses the reply (its per-argument encoding cost ~1 µs per record). The reply goes to
 * `onReply` straight from the client's reply handler, without a promise hop (the command's own promise
 * is left unsettled and unused).
 */
class PreEncodedCommand extends Command {
  constructor(
    name: 'evalsha' | 'eval',
    private readonly wire: Buffer,
    onReply: (code: number, detail: number | string) => void,
    onError: (err: unknown) => void,
  ) {
    super(name, [], { replyEncoding: 'utf8' });
    this.resolve = (value: Buffer | Buffer[]) => {
      this.isResolved = true;
      const r = this.transformReply(value) as [number, number | string];
      onReply(r[0], r[1]);
    };
    this.reject = onError;
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
  /** Sequence of the first entry, assigned when the batch is encoded. */
  first: number;
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
  /** Bytes of the acknowledged entries' records (`RecordBatch.bytes`): the WAL's `appendedBytes`. */
  bytes: number;
  /** Append calls refused by fencing (stale lease or sequence). */
  fenced: number;
  /** Reads (replays) served by the reader thread (`readThreadMinEntries`). */
  threadReads: number;
  /** Reads on this thread over their own connection (at least `DIRECT_READ_MIN_ENTRIES`, wal-read.ts). */
  directReads: number;
}

export type RedisWal = WalStorage & { readonly stats: RedisWalStats };

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
  const stats: RedisWalStats = {
    batches: 0,
    entries: 0,
    bytes: 0,
    fenced: 0,
    threadReads: 0,
    directReads: 0,
  };
  const waitForReplicas = config.durability === 'replicas';
  /**
   * `replicas`: one batch at a time. Each WAIT holds the connection until the replicas confirmed (or
   * replicaTimeoutMs), so a second batch could not overtake it anyway; it waits here instead, growing
   * by group commit, and a lease renewal never queues behind more than one WAIT.
   */
  const maxInFlight = waitForReplicas ? 1 : config.maxInFlight;

  const resolved = Promise.resolve();
  /** One executor for every append's promise (no closure per call): it fills in `capture`. */
  let capture: Pending | undefined;
  const captureExecutor = (resolve: (seqs: number[]) => void, reject: (err: unknown) => void): void => {
    capture!.resolve = resolve;
    capture!.reject = reject;
  };
  /** RESP of the APPEND arguments that only change with the lease (numkeys, keys, token). */
  let leaseArgs = '';
  let argsLease: RedisLease | undefined;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    // A resolved promise's job, not queueMicrotask: that wraps every callback in an AsyncResource.
    void resolved.then(pump);
  };

  function pump(): void {
    scheduled = false;
    if (draining && inFlight > 0) return;
    draining = false;
    while (queue.length > 0 && inFlight < maxInFlight) {
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
    const lease = queue[0]!.lease;
    let n = queue[0]!.entries.length;
    let k = 1;
    for (; k < queue.length; k++) {
      const next = queue[k]!;
      if (next.lease !== lease || n + next.entries.length > config.maxBatch) break;
      n += next.entries.length;
    }
    return queue.splice(0, k);
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
    // Sized for typical order events (id + record ~300 bytes, and the room `add` keeps for one payload):
    // small batches come from Node's buffer pool, big ones grow once at most.
    const records = new RecordBatch(entries * 300 + 600, HEADROOM);
    let sent = batch;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const mark = records.mark();
      p.first = seq;
      try {
        for (const e of p.entries) {
          records.add(seq, lease.epoch, ts, e.type, e.version, e.payload);
          seq++;
        }
      } catch (err) {
        // One caller's unencodable payload fails that caller only.
        records.rollback(mark);
        seq = p.first;
        p.reject(err);
        if (sent === batch) sent = batch.slice(0, i);
        continue;
      }
      if (sent !== batch) sent.push(p);
    }
    const count = records.count;
    if (count === 0) return;
    nextSeq = seq;
    inFlight++;
    if (lease !== argsLease) {
      argsLease = lease;
      leaseArgs = `$1\r\n3\r\n${bulk(keys.wal)}${bulk(keys.seq)}${bulk(keys.lease)}${bulk(lease.token)}`;
    }
    new Flight(sent, lease, first, records).send('evalsha');
  }

  /**
   * One append call on the wire and its callers. A class rather than closures made per call: the engine
   * runs through tsx, whose esbuild `keepNames` wraps every named closure in a `__name` call (a
   * defineProperty) each time it is created: 2.8-3.5 µs per append for the three this replaced (two
   * CPU profiles of sequential single appends, 2026-11-28).
   */
  class Flight {
    private readonly count: number;
    private readonly bytes: number;
    private readonly tail: string;

    constructor(
      private readonly sent: Pending[],
      private readonly lease: RedisLease,
      private readonly first: number,
      private readonly records: RecordBatch,
    ) {
      this.count = records.count;
      this.bytes = records.bytes;
      this.tail = `${leaseArgs}${bulk(String(first))}${bulk(String(this.count))}`;
    }

    send(name: 'evalsha' | 'eval'): void {
      const count = this.count;
      const head =
        name === 'evalsha'
          ? `*${9 + 2 * count}\r\n$7\r\nEVALSHA\r\n${bulk(APPEND_SHA)}`
          : `*${9 + 2 * count}\r\n$4\r\nEVAL\r\n${bulk(APPEND)}`;
      let confirmed: Promise<unknown> | undefined;
      const command = new PreEncodedCommand(
        name,
        this.records.wire(head + this.tail),
        (code, detail) => {
          if (confirmed)
            confirmed.then(
              (n) => this.onReply(code, detail, Number(n)),
              (err: unknown) => this.onError(err),
            );
          else this.onReply(code, detail, Infinity);
        },
        (err) => {
          confirmed?.catch(() => undefined);
          // Script cache empty (Redis restarted or flushed): nothing of this batch ran. Send it again
          // with the script itself, and hold new batches until those in flight came back, so the
          // batches still reach Redis in sequence order.
          if (name === 'evalsha' && err instanceof Error && err.message.startsWith('NOSCRIPT')) {
            draining = true;
            this.send('eval');
          } else this.onError(err);
        },
      );
      void redis.sendCommand(command);
      // `replicas`: WAIT right behind the script, on the same connection (it waits for this
      // connection's writes). Not inside MULTI: there WAIT cannot block and answers at once, before
      // any replica acknowledged.
      if (waitForReplicas) confirmed = redis.call('WAIT', config.replicas, config.replicaTimeoutMs);
    }

    onReply(code: number, detail: number | string, replicas: number): void {
      const { sent, lease, first } = this;
      inFlight--;
      if (code === 0) {
        stats.batches++;
        stats.entries += this.count;
        stats.bytes += this.bytes;
        if (replicas < config.replicas) {
          const err = new DurabilityError(
            `${replicas} of ${config.replicas} replicas confirmed seq ${first}..${first + this.count - 1} within ${config.replicaTimeoutMs} ms`,
          );
          for (const p of sent) p.reject(err);
        } else {
          for (const p of sent) {
            const seqs = new Array<number>(p.entries.length);
            for (let i = 0; i < seqs.length; i++) seqs[i] = p.first + i;
            p.resolve(seqs);
          }
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
        for (const p of sent) p.reject(err);
      }
      pump();
    }

    onError(err: unknown): void {
      inFlight--;
      nextSeq = undefined;
      opts.onError(err);
      for (const p of this.sent) p.reject(err);
      pump();
    }
  }

  async function lastSeq(): Promise<number> {
    return Number((await redis.get(keys.seq)) ?? 0);
  }

  return {
    stats,

    get appendedBytes(): number {
      return stats.bytes;
    },

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
      const p: Pending = { lease: held, entries, resolve: noop, reject: noop, first: 0 };
      capture = p;
      const promise = new Promise<number[]>(captureExecutor);
      queue.push(p);
      schedule();
      return promise;
    },

    read(fromSeq: number, requested = 5000): AsyncIterable<WalReadItem[]> {
      return readWal({ redis, keys, config, stats, lastSeq }, fromSeq, requested);
    },

    lastSeq,

    async trim(belowSeq: number): Promise<number> {
      if (belowSeq <= 1) return 0;
      return redis.xtrim(keys.wal, 'MINID', String(Math.floor(belowSeq)));
    },
  };
}
