/**
 * Lua scripts. Each runs atomically on the account's slot, which is what makes fencing sound: the
 * lease check and the write cannot be separated by another client's command.
 */

/**
 * KEYS: lease, epoch. ARGV: owner, ttlMs.
 * Returns {epoch, token} on success, {0, currentHolder} when the lease is held.
 */
export const ACQUIRE_LEASE = `
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur} end
local e = redis.call('INCR', KEYS[2])
local token = string.format('%d', e) .. ':' .. ARGV[1]
if not redis.call('SET', KEYS[1], token, 'NX', 'PX', ARGV[2]) then return {0, ''} end
return {e, token}
`;

/** KEYS: lease. ARGV: token, ttlMs. Returns 1 when renewed, 0 when the lease is no longer ours. */
export const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** KEYS: lease. ARGV: token. Deletes the lease only when it is still ours. */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: wal, seq, lease. ARGV: token, firstSeq, count, then count pairs: stream id `<seq>-0`, record
 * (`RecordBatch.args()`; the pre-encoded call of `RecordBatch.wire` carries the same arguments).
 * Appends each record under its id only when the lease is held by `token` and firstSeq follows the last
 * sequence. Returns {0, lastSeq} on success, {-1, holder} when fenced by the lease, {-2, lastSeq} when the
 * sequence does not follow, {-3, detail} when the arguments do not match `count` or the first and last
 * ids are not firstSeq-0 and (firstSeq+count-1)-0. All or nothing: everything is checked before the first
 * write. XADD refuses an id not above the stream's last one, so with the ends checked the ids in between
 * can only be wrong by a client bug, which the reader reports (a record's seq must equal its id's).
 * Minimal work per entry (measured, Redis 7.0, 2026-11-27): the client sends the ids, so the loop only
 * XADDs its arguments as they arrived: building `(last + i) .. '-0'` in Lua cost ~1 µs per entry (number
 * formatting and a new string), a third of the script's time. Lua prints integers exactly up to 10^14.
 */
export const APPEND = `
local v = redis.call('MGET', KEYS[3], KEYS[2])
if v[1] ~= ARGV[1] then return {-1, v[1] or ''} end
local last = tonumber(v[2] or '0')
local first = tonumber(ARGV[2])
if first ~= last + 1 then return {-2, last} end
local n = tonumber(ARGV[3])
local top = 3 + 2 * n
if #ARGV ~= top then return {-3, 'count ' .. (#ARGV - 3) / 2 .. ' ~= ' .. n} end
if n > 0 and (ARGV[4] ~= ARGV[2] .. '-0' or ARGV[top - 1] ~= (last + n) .. '-0') then
  return {-3, 'ids ' .. ARGV[4] .. '..' .. ARGV[top - 1] .. ' ~= ' .. first .. '..' .. (last + n)}
end
local call, wal = redis.call, KEYS[1]
for i = 4, top, 2 do
  call('XADD', wal, ARGV[i], 'd', ARGV[i + 1])
end
redis.call('SET', KEYS[2], last + n)
return {0, last + n}
`;
