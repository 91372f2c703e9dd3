import { Redis } from 'ioredis';
import { orderEventEntry } from '@veloz/engine';
import { benchAccount, openStorage, orderEvents, REDIS_URL } from './lib';
const raw = new Redis(REDIS_URL);
const account = benchAccount('app');
const storage = await openStorage(account);
const lease = await storage.wal.acquireLease('bench');
const entries = [...orderEvents(2000, account)].map(orderEventEntry);
await Promise.all(entries.slice(0, 500).map((e) => storage.wal.append(lease, [e])));
await raw.config('RESETSTAT');
const N = 400_000;
let next = 0;
const c0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: 1024 }, async () => {
  while (next < N) { const e = entries[next++ % entries.length]!; await storage.wal.append(lease, [e]); }
}));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
console.log('rate', Math.round(N / ms * 1000), 'node cpu us/entry', ((cpu.user + cpu.system) / N).toFixed(2), 'batches', storage.wal.stats.batches);
const info = await raw.info('commandstats');
console.log(info.split('\n').filter((l) => /evalsha|xadd|cmdstat_set:|mget/.test(l)).join('\n'));
const lat: number[] = [];
for (let i = 0; i < 5000; i++) { const t = performance.now(); await storage.wal.append(lease, [entries[i % 2000]!]); lat.push(performance.now() - t); }
lat.sort((a, b) => a - b);
console.log('p50 us', (lat[2500]! * 1000).toFixed(1));
await lease.release();
const keys = await raw.keys(`veloz:{${account}}:*`);
if (keys.length) await raw.del(...keys);
await storage.stop(); raw.disconnect();
