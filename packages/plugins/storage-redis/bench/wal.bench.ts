/**
 * WAL benchmarks against the Redis at REDIS_URL, each beside its reference measured in the same run:
 * append throughput (group commit), single append latency, replay of 1M entries, recovery from a
 * snapshot + 100k tail. Usage: node --import tsx bench/wal.bench.ts [--only append|latency|replay|recovery]
 */
import { execFileSync } from 'node:child_process';
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
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
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
  /** `count` single-entry appends from `producers` concurrent callers; entries/s. */
  const run = async (count: number) => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: producers }, async () => {
        while (next < count) {
          const e = entries[next++ % entries.length]!;
          await storage.wal.append(lease, [e]);
        }
      }),
    );
    return count / ((performance.now() - t0) / 1000);
  };
  const refKey = `veloz:bench-ref-${process.pid}`;
  // prettier-ignore
  const reference = () => redisBenchmark(['-c', '50', '-P', '64', '-n', '1000000', 'XADD', refKey, '*', 'd', 'x'.repeat(200)]).rps;
  // Warm-up: the steady state of a running engine, not V8 compiling the append path (the first 100k
  // appends of a fresh process run at 60-80% of the later rate), and the script loaded.
  await run(100_000);
  // Three rounds each, alternating with the reference, so that a noisy moment on the machine hits both
  // alike; best of each. Both streams are emptied between rounds (Redis's memory as at the start).
  const ours: number[] = [];
  const refs: number[] = [];
  for (let round = 0; round < 3; round++) {
    await raw.xtrim(storage.keys.wal, 'MAXLEN', 0);
    const batches = storage.wal.stats.batches;
    ours.push(await run(N));
    if (round === 0) {
      console.log(
        `  (${N} single-entry appends from ${producers} concurrent callers, ${payloadBytes} B JSON payloads, ${storage.wal.stats.batches - batches} Lua batches)`,
      );
    }
    refs.push(reference());
    await raw.del(refKey);
  }
  await lease.release();
  await storage.stop();
  await dropAccount(account);
  const rate = Math.max(...ours);
  const ref = Math.max(...refs);
  const ratio = rate / ref;
  console.log(
    `  (rounds: ours ${ours.map((r) => Math.round(r)).join(', ')} entries/s; redis-benchmark ${refs.map((r) => Math.round(r)).join(', ')})`,
  );
  report(rows, {
    name: 'WAL append throughput (group commit, 200 B, best of 3)',
    value: Math.round(rate),
    unit: 'entries/s',
    reference: {
      name: 'redis-benchmark -c 50 -P 64 XADD (200 B, best of 3, alternating)',
      value: Math.round(ref),
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
  const refKey = `veloz:bench-ref-${process.pid}`;
  /** p50 in ms of `count` sequential single appends. */
  let i = 0;
  const ours = async (count: number) => {
    const samples: number[] = [];
    for (let k = 0; k < count; k++) {
      const t = performance.now();
      await storage.wal.append(lease, [entries[i++ % entries.length]!]);
      samples.push(performance.now() - t);
    }
    return median(samples);
  };
  // prettier-ignore
  const reference = () => redisBenchmark(['-c', '1', '-P', '1', '-n', '4000', 'XADD', refKey, '*', 'd', 'x'.repeat(200)]).p50Ms;
  // Warm-up: the running engine's steady state, not V8 compiling the append path. In a fresh process the
  // first ~6,000 single appends cost 2-5x the CPU of later ones (p50 77-81 µs in the first rounds after a
  // 2,000-append warm-up against 52-57 µs from the third on, 2026-11-27 16:3x).
  await ours(10_000);
  // Six rounds each, alternating with the reference (round-trip times on this VM drift by 2-3x within
  // minutes: 28 µs to 100 µs for a PING), so both are measured at the same moments; median of the
  // rounds' p50s on each side.
  const oursP50: number[] = [];
  const refP50: number[] = [];
  for (let round = 0; round < 6; round++) {
    oursP50.push(await ours(2000));
    refP50.push(reference());
  }
  await raw.del(refKey);
  await lease.release();
  await storage.stop();
  await dropAccount(account);
  const p50 = median(oursP50);
  const refMs = median(refP50);
  const ratio = p50 / refMs;
  // redis-benchmark's histogram (min 10 µs, 2 significant figures) has 8 µs buckets below ~2 ms and
  // reports a bucket's upper edge (buckets 24-31, 32-39 … µs): its true p50 lies in [p50 - 7 µs, p50]. The
  // ratio against that lower edge is printed beside the row's, as the least favourable reading.
  const worst = p50 / Math.max(refMs - 0.007, 0.001);
  console.log(`  (ratio against the lower edge of the reference's 8 µs bucket: ${worst.toFixed(2)})`);
  console.log(
    `  (rounds' p50, µs: ours ${oursP50.map((ms) => (ms * 1000).toFixed(0)).join(', ')}; redis-benchmark ${refP50.map((ms) => (ms * 1000).toFixed(0)).join(', ')})`,
  );
  report(rows, {
    name: 'WAL single append latency p50 (median of 6 rounds)',
    value: Number(p50.toFixed(4)),
    unit: 'ms',
    reference: {
      name: 'redis-benchmark -c 1 -P 1 XADD p50 (median of 6 rounds, alternating)',
      value: Number(refMs.toFixed(4)),
      unit: 'ms',
    },
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

  // The goal row: each pass as an engine start does it, in a fresh process (cold JIT, fresh heap): the
  // replay (recover() into a fresh OrderStore) beside a plain XRANGE read of the same stream with the same
  // client library (ioredis, raw replies, no decoding). Three of each, alternating, so that a noisy
  // moment on the machine hits both alike; the medians are compared.
  const cold = { read: [] as number[], replay: [] as number[] };
  for (let run = 0; run < 3; run++) {
    for (const mode of ['read', 'replay'] as const) cold[mode].push(onceInFreshProcess(mode, account, N));
  }
  const coldRead = median(cold.read);
  const coldReplay = median(cold.replay);
  console.log(
    `  (fresh processes: replay ${cold.replay.map((ms) => ms.toFixed(0)).join(', ')} ms; plain XRANGE read ${cold.read.map((ms) => ms.toFixed(0)).join(', ')} ms)`,
  );

  // Informational: the same in one warm process (best of three, alternating), where ioredis's reply path
  // is optimized (a warm read is 2-4x faster than a cold one), and the read alone with the reader thread's
  // own client (resp-reader.mjs), which replay reads through.
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
  resp.close();
  await storage.stop();
  await dropAccount(account);
  const seconds = coldReplay / 1000;
  const ratio = coldRead / coldReplay;
  console.log(
    `  (warm, one process: replay ${best.toFixed(0)} ms; XRANGE ioredis ${refBest.toFixed(0)} ms, reader client ${respBest.toFixed(0)} ms)`,
  );
  report(rows, {
    name: 'WAL replay of 1,000,000 entries into the OrderStore (fresh process, median of 3)',
    value: Number(seconds.toFixed(3)),
    unit: 's',
    reference: {
      name: 'plain XRANGE read of the same stream, ioredis raw, fresh process (median of 3)',
      value: Number((coldRead / 1000).toFixed(3)),
      unit: 's',
    },
    ratio,
    goal: '<= 3 s and >= 50% of the plain XRANGE rate',
    pass: seconds <= 3 && ratio >= 0.5,
  });
  /** An informational row: the warm replay beside a warm read (`refMs`). */
  const warmRow = (name: string, refName: string, refMs: number) =>
    report(rows, {
      name: `WAL replay of 1,000,000 entries, warm process${name}`,
      value: Number((best / 1000).toFixed(3)),
      unit: 's',
      reference: { name: refName, value: Number((refMs / 1000).toFixed(3)), unit: 's' },
      ratio: refMs / best,
      goal: '— (informational)',
      pass: true,
    });
  warmRow(' (best of 3)', 'plain XRANGE read, ioredis raw, same warm process (best of 3)', refBest);
  warmRow(
    ', beside the read alone with the reader thread client',
    'plain XRANGE read with the reader thread client (resp-reader.mjs), same warm process',
    respBest,
  );
}

/** One `bench/replay-once.ts` pass in a fresh Node process with the engine's flags; its duration in ms. */
function onceInFreshProcess(mode: 'read' | 'fetch' | 'replay', account: string, entries: number): number {
  const out = execFileSync(
    process.execPath,
    ['--max-semi-space-size=64', '--import', 'tsx', 'bench/replay-once.ts', mode, account, String(entries)],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, REDIS_URL } },
  );
  const result = JSON.parse(out.trim().split('\n').pop()!) as { ms: number; entries: number };
  if (result.entries !== entries)
    throw new Error(`${mode} in a fresh process: ${result.entries} of ${entries}`);
  return result.ms;
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

  const snaps = await storage.snapshots.list();
  // The goal row: recovery as an engine start does it, in a fresh process (cold JIT, fresh heap), beside
  // fetching the same bytes raw in a fresh process (the snapshot's value with GET, the tail with XRANGE,
  // ioredis, no decoding). Three of each, alternating; the medians are compared.
  const cold = { fetch: [] as number[], replay: [] as number[] };
  for (let run = 0; run < 3; run++) {
    for (const mode of ['fetch', 'replay'] as const) cold[mode].push(onceInFreshProcess(mode, account, tail));
  }
  const coldMs = median(cold.replay);
  const coldRefMs = median(cold.fetch);
  console.log(
    `  (fresh processes: recovery ${cold.replay.map((ms) => ms.toFixed(0)).join(', ')} ms; raw fetch ${cold.fetch.map((ms) => ms.toFixed(0)).join(', ')} ms)`,
  );

  // Informational: the same in this warm process (best of three, alternating with the raw fetch), the
  // figure the goal row showed until 2026-11-27.
  let refMs = Infinity;
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const tr = performance.now();
    await raw.getBuffer(storage.keys.snap(snaps[0]!.seq));
    for (let from = snaps[0]!.seq + 1; ; from += 10_000) {
      const got = await raw.xrangeBuffer(storage.keys.wal, String(from), String(from + 9_999));
      if (got.length === 0) break;
    }
    refMs = Math.min(refMs, performance.now() - tr);
    const { report: r, store } = await recover(storage, { batchSize: 10_000 });
    if (r.snapshotSeq === null || r.entriesApplied !== tail || store.size !== orders) {
      throw new Error(`recovery did not use the snapshot + tail: ${JSON.stringify(r).slice(0, 300)}`);
    }
    best = Math.min(best, r.durationMs);
  }
  await storage.stop();
  await dropAccount(account);
  const seconds = coldMs / 1000;
  console.log(`  (snapshot ${snaps[0]!.bytes} bytes of ${orders} orders + ${tail} tail entries)`);
  report(rows, {
    name: 'Recovery: snapshot (100,000 orders) + 100,000-entry tail (fresh process, median of 3)',
    value: Number(seconds.toFixed(3)),
    unit: 's',
    reference: {
      name: 'raw GET of the snapshot + XRANGE of the tail (no decoding), fresh process (median of 3)',
      value: Number((coldRefMs / 1000).toFixed(3)),
      unit: 's',
    },
    ratio: coldMs / coldRefMs,
    goal: '<= 0.8 s',
    pass: seconds <= 0.8,
  });
  report(rows, {
    name: 'Recovery: snapshot (100,000 orders) + 100,000-entry tail, warm process (best of 3)',
    value: Number((best / 1000).toFixed(3)),
    unit: 's',
    reference: {
      name: 'raw GET of the snapshot + XRANGE of the tail (no decoding), same warm process',
      value: Number((refMs / 1000).toFixed(3)),
      unit: 's',
    },
    ratio: best / refMs,
    goal: '— (informational)',
    pass: true,
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
