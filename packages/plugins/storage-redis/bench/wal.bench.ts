/**
 * WAL benchmarks against the Redis at REDIS_URL, each beside its reference measured in the same run:
 * append throughput (group commit), single append latency, replay of 1M entries, recovery from a
 * snapshot + 100k tail. Usage: node --import tsx bench/wal.bench.ts [--only append|latency|replay|recovery]
 */
import { Redis } from 'ioredis';
import { connectResp } from '../src/resp-reader.mjs';
import { orderEventEntry, recover, type OrderEvent, type WalEntryInput } from '@veloz/engine';
import {
  closingEvents,
  benchAccount,
  openStorage,
  orderEvents,
  REDIS_URL,
  redisBenchmark,
  report,
  writePart,
  type BenchRow,
} from './lib';

if (process.argv.includes('--help')) {
  console.log('Usage: node --import tsx bench/wal.bench.ts [--only append|latency|replay|recovery]');
  process.exit(0);
}
const only = process.argv[process.argv.indexOf('--only') + 1];
const want = (name: string) => !process.argv.includes('--only') || only === name;
const rows: BenchRow[] = [];
const raw = new Redis(REDIS_URL);
const cleanup: string[] = [];
const accountKeysPattern = (account: string) => `veloz:{${account}}:*`;

async function dropAccount(account: string) {
  const keys = await raw.keys(accountKeysPattern(account));
  if (keys.length > 0) await raw.del(...keys);
}

async function appendThroughput() {
  const account = benchAccount('append');
  cleanup.push(account);
  const storage = await openStorage(account);
  const lease = await storage.wal.acquireLease('bench');
  const entries = [...orderEvents(2000, account)].map(orderEventEntry);
  const payloadBytes = JSON.stringify(entries[0]!.payload).length;
  const N = 400_000;
  const producers = 1024;
  // Warm-up (JIT, script load).
  await Promise.all(entries.slice(0, 500).map((e) => storage.wal.append(lease, [e])));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (next < N) {
        const e = entries[next++ % entries.length]!;
        await storage.wal.append(lease, [e]);
      }
    }),
  );
  const rate = N / ((performance.now() - t0) / 1000);
  const batches = storage.wal.stats.batches;
  await lease.release();
  await storage.stop();
  await dropAccount(account);

  const refKey = `veloz:bench-ref-${process.pid}`;
  const ref = redisBenchmark([
    '-c',
    '50',
    '-P',
    '64',
    '-n',
    '1000000',
    'XADD',
    refKey,
    '*',
    'd',
    'x'.repeat(200),
  ]);
  await raw.del(refKey);
  const ratio = rate / ref.rps;
  console.log(
    `  (${N} single-entry appends from ${producers} concurrent callers, ${payloadBytes} B JSON payloads, ${batches} Lua batches)`,
  );
  report(rows, {
    name: 'WAL append throughput (group commit, 200 B)',
    value: Math.round(rate),
    unit: 'entries/s',
    reference: {
      name: 'redis-benchmark -c 50 -P 64 XADD (200 B)',
      value: Math.round(ref.rps),
      unit: 'entries/s',
    },
    ratio,
    goal: '>= 200000 entries/s and >= 35% of reference',
    pass: rate >= 200_000 && ratio >= 0.35,
  });
}

async function appendLatency() {
  const account = benchAccount('latency');
  cleanup.push(account);
  const storage = await openStorage(account);
  const lease = await storage.wal.acquireLease('bench');
  const entries = [...orderEvents(1000, account)].map(orderEventEntry);
  const samples: number[] = [];
  for (let i = 0; i < 12_000; i++) {
    const t = performance.now();
    await storage.wal.append(lease, [entries[i % entries.length]!]);
    if (i >= 2000) samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const p50 = samples[Math.floor(samples.length / 2)]!;
  await lease.release();
  await storage.stop();
  await dropAccount(account);
  const refKey = `veloz:bench-ref-${process.pid}`;
  const ref = redisBenchmark([
    '-c',
    '1',
    '-P',
    '1',
    '-n',
    '20000',
    'XADD',
    refKey,
    '*',
    'd',
    'x'.repeat(200),
  ]);
  await raw.del(refKey);
  const ratio = p50 / ref.p50Ms;
  report(rows, {
    name: 'WAL single append latency p50',
    value: Number(p50.toFixed(4)),
    unit: 'ms',
    reference: { name: 'redis-benchmark -c 1 -P 1 XADD p50', value: ref.p50Ms, unit: 'ms' },
    ratio,
    goal: '<= 2x reference',
    pass: ratio <= 2,
  });
}

/** Write `count` order-event entries through the plugin (large append calls: setup, not measured). */
async function fill(storage: Awaited<ReturnType<typeof openStorage>>, events: Iterable<OrderEvent>) {
  const lease = await storage.wal.acquireLease('bench');
  let batch: WalEntryInput[] = [];
  const pending: Promise<number[]>[] = [];
  for (const e of events) {
    batch.push(orderEventEntry(e));
    if (batch.length === 2000) {
      pending.push(storage.wal.append(lease, batch));
      batch = [];
      if (pending.length >= 8) await pending.shift();
    }
  }
  if (batch.length > 0) pending.push(storage.wal.append(lease, batch));
  await Promise.all(pending);
  await lease.release();
}

async function replay() {
  const account = benchAccount('replay');
  cleanup.push(account);
  const storage = await openStorage(account);
  const N = 1_000_000;
  const tw = performance.now();
  await fill(storage, orderEvents(N, account));
  console.log(`  (wrote ${N} entries in ${((performance.now() - tw) / 1000).toFixed(1)} s)`);

  // Reference: a plain XRANGE read of the same stream with the same client (raw replies, no decoding).
  // Best of three runs each, alternating, so that a noisy moment on the machine hits both alike.
  // Beside it, informational: the same read with the reader thread's own client (resp-reader.mjs), which
  // replay reads through, here on the main thread.
  const batch = 10_000;
  let refBest = Infinity;
  let respBest = Infinity;
  let best = Infinity;
  const resp = await connectResp(REDIS_URL, 'veloz-bench-resp');
  for (let run = 0; run < 3; run++) {
    const tr = performance.now();
    let read = 0;
    for (let from = 1; from <= N; from += batch) {
      read += (await raw.xrangeBuffer(storage.keys.wal, String(from), String(from + batch - 1))).length;
    }
    if (read !== N) throw new Error(`XRANGE read ${read} of ${N}`);
    refBest = Math.min(refBest, performance.now() - tr);
    const tp = performance.now();
    read = 0;
    for (let from = 1; from <= N; from += batch) {
      const reply = await resp.call('XRANGE', storage.keys.wal, String(from), String(from + batch - 1));
      read += (reply as unknown[]).length;
    }
    if (read !== N) throw new Error(`XRANGE (reader client) read ${read} of ${N}`);
    respBest = Math.min(respBest, performance.now() - tp);
    const { report: r } = await recover(storage, { batchSize: batch });
    if (r.entriesApplied !== N) throw new Error(`replay applied ${r.entriesApplied} of ${N}`);
    best = Math.min(best, r.durationMs);
  }
  const refRate = N / (refBest / 1000);
  resp.close();
  await storage.stop();
  await dropAccount(account);
  const seconds = best / 1000;
  const rate = N / seconds;
  console.log(`  (replay ${Math.round(rate)} entries/s; plain XRANGE ${Math.round(refRate)} entries/s)`);
  report(rows, {
    name: 'WAL replay of 1,000,000 entries into the OrderStore',
    value: Number(seconds.toFixed(3)),
    unit: 's',
    reference: {
      name: 'plain XRANGE read of the same stream (ioredis, raw)',
      value: Number((N / refRate).toFixed(3)),
      unit: 's',
    },
    ratio: rate / refRate,
    goal: '<= 3 s and >= 50% of the plain XRANGE rate',
    pass: seconds <= 3 && rate / refRate >= 0.5,
  });
  report(rows, {
    name: 'WAL replay of 1,000,000 entries, beside the read alone with the reader thread client',
    value: Number(seconds.toFixed(3)),
    unit: 's',
    reference: {
      name: 'plain XRANGE read with the reader thread client (resp-reader.mjs)',
      value: Number((respBest / 1000).toFixed(3)),
      unit: 's',
    },
    ratio: respBest / 1000 / seconds,
    goal: '— (informational)',
    pass: true,
  });
}

async function recovery() {
  const account = benchAccount('recovery');
  cleanup.push(account);
  const storage = await openStorage(account);
  const orders = 100_000;
  // 100k orders submitted + accepted (200k entries), snapshot, then a 100k-entry tail of new orders' events.
  const lease = await storage.wal.acquireLease('bench');
  await lease.release();
  await fill(storage, orderEvents(2 * orders, account, 0, true));
  {
    const { store } = await recover(storage);
    if (store.size !== orders) throw new Error(`expected ${orders} orders, got ${store.size}`);
    await storage.snapshots.save(store.lastSeq, store.toSnapshot());
    await storage.wal.trim(store.lastSeq + 1);
  }
  // The tail: one fill or cancel for each of the 100k orders.
  const tail = orders;
  await fill(storage, closingEvents(orders));

  // Reference: fetching the same bytes raw (snapshot value + XRANGE of the tail), without decoding.
  const snaps = await storage.snapshots.list();
  const tr = performance.now();
  await raw.getBuffer(storage.keys.snap(snaps[0]!.seq));
  for (let from = snaps[0]!.seq + 1; ; from += 10_000) {
    const got = await raw.xrangeBuffer(storage.keys.wal, String(from), String(from + 9_999));
    if (got.length === 0) break;
  }
  const refMs = performance.now() - tr;

  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const { report: r, store } = await recover(storage, { batchSize: 10_000 });
    if (r.snapshotSeq === null || r.entriesApplied !== tail || store.size !== orders) {
      throw new Error(`recovery did not use the snapshot + tail: ${JSON.stringify(r).slice(0, 300)}`);
    }
    best = Math.min(best, r.durationMs);
  }
  await storage.stop();
  await dropAccount(account);
  const seconds = best / 1000;
  console.log(`  (snapshot ${snaps[0]!.bytes} bytes of ${orders} orders + ${tail} tail entries)`);
  report(rows, {
    name: 'Recovery: snapshot (100,000 orders) + 100,000-entry tail',
    value: Number(seconds.toFixed(3)),
    unit: 's',
    reference: {
      name: 'raw GET of the snapshot + XRANGE of the tail (no decoding)',
      value: Number((refMs / 1000).toFixed(3)),
      unit: 's',
    },
    ratio: seconds / (refMs / 1000),
    goal: '<= 0.8 s',
    pass: seconds <= 0.8,
  });
}

try {
  if (want('append')) await appendThroughput();
  if (want('latency')) await appendLatency();
  if (want('recovery')) await recovery();
  if (want('replay')) await replay();
  writePart(rows);
} finally {
  for (const a of cleanup) await dropAccount(a).catch(() => undefined);
  raw.disconnect();
}
