import { Redis } from 'ioredis';
import { orderEventEntry, recover, type WalEntryInput } from '@veloz/engine';
import { openStorage, orderEvents, REDIS_URL } from './lib';
import { decodeStreamEntry } from '../src/codec';
const account = 'h11-prof';
const N = 1_000_000;
const storage = await openStorage(account, { readAhead: Number(process.env.RA ?? 3) });
const raw = new Redis(REDIS_URL);
if ((await storage.wal.lastSeq()) !== N) {
  const keys = await raw.keys(`veloz:{${account}}:*`);
  if (keys.length) await raw.del(...keys);
  const lease = await storage.wal.acquireLease('bench');
  let batch: WalEntryInput[] = [];
  const pending: Promise<number[]>[] = [];
  for (const e of orderEvents(N, account)) {
    batch.push(orderEventEntry(e));
    if (batch.length === 2000) { pending.push(storage.wal.append(lease, batch)); batch = []; if (pending.length >= 8) await pending.shift(); }
  }
  if (batch.length) pending.push(storage.wal.append(lease, batch));
  await Promise.all(pending);
  await lease.release();
}
const mode = process.argv[2] ?? 'all';
for (let r = 0; r < Number(process.env.REPS ?? 3); r++) {
  if (mode === 'all' || mode === 'xrange') {
    const t = performance.now();
    for (let from = 1; from <= N; from += 10000) await raw.xrangeBuffer(storage.keys.wal, String(from), String(from + 9999));
    console.log('xrange', (performance.now() - t).toFixed(0));
  }
  if (mode === 'all' || mode === 'decode') {
    const t = performance.now();
    let n = 0;
    const c = process.cpuUsage();
    for await (const b of storage.wal.read(1, Number(process.env.BS ?? 10000))) n += b.length;
    const u = process.cpuUsage(c);
    console.log('read+decode', (performance.now() - t).toFixed(0), 'cpu', ((u.user + u.system) / 1000).toFixed(0), n);
  }
  if (mode === 'all' || mode === 'recover') {
    const t = performance.now();
    const c = process.cpuUsage();
    const { report } = await recover(storage, { batchSize: Number(process.env.BS ?? 10000) });
    const u = process.cpuUsage(c);
    console.log('recover', (performance.now() - t).toFixed(0), 'cpu', ((u.user + u.system) / 1000).toFixed(0), report.entriesApplied);
  }
}
void decodeStreamEntry;
await storage.stop();
raw.disconnect();
