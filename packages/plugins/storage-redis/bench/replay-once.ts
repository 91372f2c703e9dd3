/**
 * One pass in a fresh process, as an engine start does it: `read` (a plain XRANGE read of the stream
 * with ioredis, raw replies, no decoding), `fetch` (the newest snapshot's value with a raw GET, then a
 * plain XRANGE read of the entries after it: the bytes recovery reads, without decoding) or `replay`
 * (recover() into a fresh OrderStore: from the newest snapshot when there is one). Prints one JSON line
 * { ms, entries } (entries read after the snapshot, or applied); the clock runs around the pass only (the
 * connection is already open).
 * Usage: node --max-semi-space-size=64 --import tsx bench/replay-once.ts read|fetch|replay <account> <entries>
 */
import { Redis } from 'ioredis';
import { recover } from '@veloz/engine';
import { accountKeys } from '../src/keys';
import { openStorage, REDIS_URL } from './lib';

const [mode, account, count] = process.argv.slice(2);
const N = Number(count);
if (!['read', 'fetch', 'replay'].includes(mode ?? '') || !account || !Number.isInteger(N) || N <= 0) {
  console.error('usage: replay-once.ts read|fetch|replay <account> <entries>');
  process.exit(2);
}
const batch = 10_000;
if (mode === 'read') {
  const redis = new Redis(REDIS_URL);
  await redis.ping();
  const key = accountKeys(account).wal;
  const t = performance.now();
  let read = 0;
  for (let from = 1; from <= N; from += batch) {
    read += (await redis.xrangeBuffer(key, String(from), String(from + batch - 1))).length;
  }
  const ms = performance.now() - t;
  redis.disconnect();
  console.log(JSON.stringify({ ms, entries: read }));
} else if (mode === 'fetch') {
  const redis = new Redis(REDIS_URL);
  const keys = accountKeys(account);
  const newest = Number((await redis.zrevrange(keys.snapIndex, 0, 0))[0]);
  if (!Number.isInteger(newest)) throw new Error(`no snapshot for ${account}`);
  const t = performance.now();
  await redis.getBuffer(keys.snap(newest));
  let read = 0;
  for (let from = newest + 1; ; from += batch) {
    const got = await redis.xrangeBuffer(keys.wal, String(from), String(from + batch - 1));
    if (got.length === 0) break;
    read += got.length;
  }
  const ms = performance.now() - t;
  redis.disconnect();
  console.log(JSON.stringify({ ms, entries: read }));
} else {
  const storage = await openStorage(account);
  const { report } = await recover(storage, { batchSize: batch });
  await storage.stop();
  console.log(JSON.stringify({ ms: report.durationMs, entries: report.entriesApplied }));
}
