import { Redis } from 'ioredis';
const r = new Redis();
const N = 256, REC = 230;
const recs = Array.from({ length: N }, (_, i) => Buffer.alloc(REC, 65 + (i % 26)));
const blob = Buffer.concat(recs.flatMap((b) => { const l = Buffer.alloc(4); l.writeUInt32LE(b.length); return [l, b]; }));
const A = `local blob = ARGV[2]; local first = tonumber(ARGV[1]); local pos = 1
for i = 0, ${N} - 1 do local len = struct.unpack('<I4', blob, pos)
redis.call('XADD', KEYS[1], (first + i) .. '-0', 'd', string.sub(blob, pos + 4, pos + 3 + len)); pos = pos + 4 + len end return 0`;
const B = `local first = tonumber(ARGV[1]); local n = #ARGV - 1
for i = 1, n do redis.call('XADD', KEYS[1], (first + i - 1) .. '-0', 'd', ARGV[i + 1]) end return 0`;
const C = `local n = (#ARGV) / 2
for i = 1, n do redis.call('XADD', KEYS[1], ARGV[2*i-1], 'd', ARGV[2*i]) end return 0`;
const D = `local blob = ARGV[2]; local first = tonumber(ARGV[1]); local pos = 1; local sub = string.sub; local unpack = struct.unpack; local call = redis.call; local k = KEYS[1]
for i = 0, ${N} - 1 do local len = unpack('<I4', blob, pos)
call('XADD', k, (first + i) .. '-0', 'd', sub(blob, pos + 4, pos + 3 + len)); pos = pos + 4 + len end return 0`;
const E = `local first = tonumber(ARGV[1]); local call = redis.call; local k = KEYS[1]
for i = 1, #ARGV - 1 do call('XADD', k, ARGV[1] + i - 1 .. '-0', 'd', ARGV[i + 1]) end return 0`;
for (const [name, script] of [['A blob', A], ['B args', B], ['C args+ids', C], ['D blob local', D], ['E args local', E]] as const) {
  const key = `veloz:{luatest}:${name[0]}`;
  await r.del(key);
  await r.config('RESETSTAT');
  let seq = 1;
  const t = performance.now();
  for (let j = 0; j < 200; j++) {
    if (name.startsWith('C')) await r.eval(script, 1, key, ...recs.flatMap((b, i) => [`${seq + i}-0`, b]));
    else if (name.startsWith('B') || name.startsWith('E')) await r.eval(script, 1, key, String(seq), ...recs);
    else await r.eval(script, 1, key, String(seq), blob);
    seq += N;
  }
  const wall = performance.now() - t;
  const info = (await r.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_eval:'))!;
  const us = Number(/usec_per_call=([\d.]+)/.exec(info)![1]);
  console.log(name, 'server us/entry', (us / N).toFixed(2), 'wall us/entry', ((wall * 1000) / (200 * N)).toFixed(2));
  await r.del(key);
}
r.disconnect();
