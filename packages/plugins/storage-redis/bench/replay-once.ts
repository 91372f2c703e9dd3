/**
 * One pass in a fresh process, as an engine start does it: `read` (a plain XRANGE read of the stream
 * with ioredis, raw replies, no decoding) or `replay` (recover() into a fresh OrderStore). Prints one JSON
 * line { ms, entries }; the clock runs around the pass only (the connection is already open).
 * Usage: node --max-semi-space-size=64 --import tsx bench/replay-once.ts read|replay <account> <entries>
 */
import { Redis } from 'ioredis';
import { recover } from '@veloz/engine';
import { accountKeys } from '../src/keys';
import { openStorage, REDIS_URL } from './lib';

const [mode, account, count] = process.argv.slice(2);
const N = Number(count);
if ((mode !== 'read' && mode !== 'replay') || !account || !Number.isInteger(N) || N <= 0) {
  console.error('usage: replay-once.ts read|replay <account> <entries>');
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
} else {
  const storage = await openStorage(account);
  const { report } = await recover(storage, { batchSize: batch });
  await storage.stop();
  console.log(JSON.stringify({ ms: report.durationMs, entries: report.entriesApplied }));
}
