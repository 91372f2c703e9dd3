import { recover, type RecoveryReport, type WalCorruption } from '@veloz/engine';
import type { RedisStorage } from '../storage';
import { createProgress } from './progress';

export interface Out {
  json: boolean;
  print(text: string): void;
}

const ms = (n: number) => `${Math.round(n)} ms`;

/** Head, tail, length, lease and snapshots, plus (unless --no-scan) the corrupt entries. */
export async function inspect(storage: RedisStorage, out: Out, opts: { scan: boolean; limit: number }) {
  const info = await walInfo(storage);
  const corruptions = opts.scan ? await scan(storage, opts.limit, out) : undefined;
  if (out.json) {
    out.print(JSON.stringify({ ...info, ...(corruptions ? { corruptions } : {}) }, null, 2));
    return 0;
  }
  out.print(`WAL ${storage.keys.wal}`);
  out.print(`  length      ${info.length} entries`);
  out.print(`  head        ${info.head ?? '(empty)'}`);
  out.print(`  tail        ${info.tail ?? '(empty)'}`);
  out.print(`  last seq    ${info.lastSeq}`);
  out.print(
    `  lease       ${info.lease ? `${info.lease.holder} (expires in ${info.lease.ttlMs} ms)` : 'free'}`,
  );
  out.print(`  snapshots   ${info.snapshots.length === 0 ? 'none' : ''}`);
  for (const s of info.snapshots) {
    out.print(
      `    seq ${s.seq}  ${s.bytes} bytes  taken ${s.takenAt ? new Date(s.takenAt).toISOString() : '?'}`,
    );
  }
  if (corruptions) {
    out.print(
      `  corrupt     ${corruptions.count} entries/gaps${corruptions.count > corruptions.list.length ? ` (first ${corruptions.list.length})` : ''}`,
    );
    for (const c of corruptions.list) out.print(`    ${describe(c)}`);
  }
  return 0;
}

async function walInfo(storage: RedisStorage) {
  const r = storage.redis;
  const k = storage.keys;
  const [length, head, tail, holder, ttl] = await Promise.all([
    r.xlen(k.wal),
    r.xrange(k.wal, '-', '+', 'COUNT', 1),
    r.xrevrange(k.wal, '+', '-', 'COUNT', 1),
    r.get(k.lease),
    r.pttl(k.lease),
  ]);
  return {
    stream: k.wal,
    length,
    head: head[0]?.[0],
    tail: tail[0]?.[0],
    lastSeq: await storage.wal.lastSeq(),
    lease: holder ? { holder, ttlMs: ttl } : null,
    snapshots: await storage.snapshots.list(),
  };
}

const describe = (c: WalCorruption) =>
  `${c.reason.padEnd(15)} ${c.seq !== undefined ? `seq ${c.seq}${c.toSeq !== undefined ? `..${c.toSeq}` : ''}` : 'seq ?'} at ${c.position}: ${c.detail}`;

/** Read the whole stream, checking checksums and continuity (no reducer). */
async function scan(storage: RedisStorage, limit: number, out: Out) {
  const list: WalCorruption[] = [];
  let count = 0;
  let read = 0;
  let expected: number | undefined;
  const total = await storage.redis.xlen(storage.keys.wal);
  const progress = createProgress('scanning');
  const note = (c: WalCorruption) => {
    count++;
    if (list.length < limit) list.push(c);
  };
  for await (const batch of storage.wal.read(1, 10_000)) {
    for (const item of batch) {
      read++;
      const seq = item.ok ? item.entry.seq : item.corruption.seq;
      if (!item.ok) note(item.corruption);
      if (seq === undefined) continue;
      if (expected !== undefined && seq > expected) {
        note({
          reason: 'GAP',
          seq: expected,
          toSeq: seq - 1,
          position: `before ${seq}`,
          detail: `sequences ${expected}..${seq - 1} missing`,
        });
      }
      if (expected === undefined || seq + 1 > expected) expected = seq + 1;
    }
    if (!out.json) progress.update(read, total);
  }
  const last = await storage.wal.lastSeq();
  if (expected !== undefined && last >= expected) {
    note({
      reason: 'GAP',
      seq: expected,
      toSeq: last,
      position: 'tail',
      detail: `sequences ${expected}..${last} missing`,
    });
  }
  if (!out.json) progress.done(read, total);
  return { count, list, read };
}

/** Verify every entry and every snapshot; exit code 1 when anything is corrupt. */
export async function verify(storage: RedisStorage, out: Out, opts: { limit: number }) {
  const result = await scan(storage, opts.limit, out);
  const snapshots = [];
  for (const s of await storage.snapshots.list()) {
    const loaded = await storage.snapshots.load(s.seq);
    snapshots.push({ seq: s.seq, ok: loaded.ok, ...(loaded.ok ? {} : { reason: loaded.reason }) });
  }
  const bad = result.count + snapshots.filter((s) => !s.ok).length;
  if (out.json)
    out.print(
      JSON.stringify(
        { ok: bad === 0, entriesRead: result.read, corruptions: result.count, list: result.list, snapshots },
        null,
        2,
      ),
    );
  else {
    out.print(
      `${result.read} entries read, ${result.count} corrupt entries/gaps; ${snapshots.length} snapshots, ${snapshots.filter((s) => !s.ok).length} bad`,
    );
    for (const c of result.list) out.print(`  ${describe(c)}`);
    for (const s of snapshots) if (!s.ok) out.print(`  snapshot ${s.seq}: ${s.reason}`);
    out.print(bad === 0 ? 'OK' : 'CORRUPT');
  }
  return bad === 0 ? 0 : 1;
}

function summary(report: RecoveryReport, orders: number, open: number) {
  return {
    snapshotSeq: report.snapshotSeq,
    snapshotsRejected: report.snapshotsRejected,
    entriesApplied: report.entriesApplied,
    entriesIgnored: report.entriesIgnored,
    entriesSkipped: report.entriesSkipped,
    corruptionCounts: report.corruptionCounts,
    gaps: report.gaps,
    lastSeq: report.lastSeq,
    durationMs: Math.round(report.durationMs),
    orders,
    openOrders: open,
  };
}

/** Recover into a throw-away OrderStore and report what the engine would see. Writes nothing. */
export async function replayDryRun(
  storage: RedisStorage,
  out: Out,
  opts: { limit: number; knownTypes: string[] },
) {
  const progress = createProgress('replaying');
  let last = 0;
  let lastTotal: number | undefined;
  const { store, report } = await recover(storage, {
    knownTypes: opts.knownTypes,
    onProgress: (n, total) => {
      last = n;
      lastTotal = total;
      if (!out.json) progress.update(n, total);
    },
  });
  if (!out.json) progress.done(last, lastTotal);
  const s = summary(report, store.size, store.openOrderCount);
  if (out.json)
    out.print(JSON.stringify({ ...s, corruptions: report.corruptions.slice(0, opts.limit) }, null, 2));
  else {
    out.print(
      `replayed to seq ${s.lastSeq} in ${ms(report.durationMs)} from ${s.snapshotSeq === null ? 'the start (no valid snapshot)' : `snapshot ${s.snapshotSeq}`}`,
    );
    for (const r of s.snapshotsRejected) out.print(`  snapshot ${r.seq} rejected: ${r.reason}`);
    out.print(`  applied ${s.entriesApplied}, ignored ${s.entriesIgnored}, skipped ${s.entriesSkipped}`);
    out.print(`  orders ${s.orders} (${s.openOrders} open)`);
    for (const c of report.corruptions.slice(0, opts.limit)) out.print(`  ${describe(c)}`);
  }
  return 0;
}

/**
 * Snapshot the recovered state at the WAL's last sequence, then trim the stream below the oldest
 * snapshot kept. Refuses (exit 1) when replay skipped anything, unless `force`: compaction would make
 * the loss permanent.
 */
export async function compact(
  storage: RedisStorage,
  out: Out,
  opts: { force: boolean; knownTypes: string[] },
) {
  const { store, report } = await recover(storage, { knownTypes: opts.knownTypes });
  if ((report.entriesSkipped > 0 || report.gaps.length > 0) && !opts.force) {
    out.print(
      `refusing to compact: replay skipped ${report.entriesSkipped} entries and found ${report.gaps.length} gaps (see \`veloz-wal verify\`; --force to compact anyway)`,
    );
    return 1;
  }
  const before = await storage.redis.xlen(storage.keys.wal);
  const info = await storage.snapshots.save(store.lastSeq, store.toSnapshot());
  const kept = await storage.snapshots.list();
  const oldest = kept.at(-1)!;
  const removed = await storage.wal.trim(oldest.seq + 1);
  const res = {
    snapshotSeq: info.seq,
    snapshotBytes: info.bytes,
    trimmedBelow: oldest.seq + 1,
    removed,
    lengthBefore: before,
    lengthAfter: before - removed,
  };
  if (out.json) out.print(JSON.stringify(res, null, 2));
  else
    out.print(
      `snapshot at seq ${info.seq} (${info.bytes} bytes); removed ${removed} entries below seq ${oldest.seq + 1} (${before} → ${before - removed})`,
    );
  return 0;
}
