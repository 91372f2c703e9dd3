import { Redis } from 'ioredis';
import { encodeRecord } from '../src/codec';
const scripts: Record<string, string> = {
  noop: `return 1`,
  xaddonly: `redis.call('XADD', KEYS[1], ARGV[2] .. '-0', 'd', ARGV[3]) return 1`,
  mget: `local v = redis.call('MGET', KEYS[3], KEYS[2]) return 1`,
  set: `redis.call('SET', KEYS[2], ARGV[2]) return 1`,
};
const r = new Redis();
const rec = encodeRecord({ seq: 1, epoch: 1, ts: 1, type: 'X', version: 1, payload: { a: 'x'.repeat(150) } });
for (const [name, lua] of Object.entries(scripts)) {
  r.defineCommand(name, { numberOfKeys: 3, lua });
  let seq = 0;
  await (r as any)[name]('{l}wal', '{l}seq', '{l}lease', 'tok', ++seq, rec);
  await r.config('RESETSTAT');
  for (let i = 0; i < 3000; i++) await (r as any)[name]('{l}wal', '{l}seq', '{l}lease', 'tok', ++seq, rec);
  console.log(name, (await r.info('commandstats')).split('\n').filter(l => l.includes('evalsha')).join().replace(/.*usec_per_call=([\d.]+).*/, '$1'));
  await r.del('{l}wal', '{l}seq');
}
await r.config('RESETSTAT');
for (let i = 0; i < 3000; i++) await r.xadd('{l}wal', '*', 'd', rec);
console.log('plain xadd', (await r.info('commandstats')).split('\n').filter(l => l.includes('xadd')).join().replace(/.*usec_per_call=([\d.]+).*/, '$1'));
await r.del('{l}wal', '{l}seq', '{l}lease'); r.disconnect();
