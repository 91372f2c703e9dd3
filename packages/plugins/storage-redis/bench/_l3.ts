import { Redis } from 'ioredis';
import { APPEND } from '../src/scripts';
import { encodeRecord } from '../src/codec';
const A2 = `
local v = redis.call('MGET', KEYS[3], KEYS[2])
if v[1] ~= ARGV[1] then return {-1, v[1] or ''} end
local last = tonumber(v[2] or '0')
local first = tonumber(ARGV[2])
if first ~= last + 1 then return {-2, last} end
local n = #ARGV - 2
for i = 1, n do
  redis.call('XADD', KEYS[1], (first + i - 1) .. '-0', 'd', ARGV[i + 2])
end
redis.call('SET', KEYS[2], last + n)
return {0, last + n}
`;
const r = new Redis();
const which = process.argv[2];
r.defineCommand('app', { numberOfKeys: 3, lua: which === 'a2' ? A2 : APPEND });
await r.set('{l}lease', 'tok');
let seq = 0;
const rec = encodeRecord({ seq: 1, epoch: 1, ts: 1, type: 'X', version: 1, payload: { a: 'x'.repeat(150) } });
await (r as any).app('{l}wal', '{l}seq', '{l}lease', 'tok', ++seq, rec);
await r.config('RESETSTAT');
for (let i = 0; i < 5000; i++) await (r as any).app('{l}wal', '{l}seq', '{l}lease', 'tok', ++seq, rec);
console.log(which, (await r.info('commandstats')).split('\n').filter(l => l.includes('evalsha')).join());
console.log(await r.xrevrange('{l}wal', '+', '-', 'COUNT', 1).then(x => x[0]![0]), await r.get('{l}seq'));
await r.del('{l}wal', '{l}seq', '{l}lease'); r.disconnect();
