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
 * KEYS: wal, seq, lease. ARGV: token, firstSeq, record1, record2, …
 * Appends the records as stream ids firstSeq-0, firstSeq+1-0, … only when the lease is held by `token`
 * and firstSeq follows the last sequence. Returns {0, lastSeq} on success, {-1, holder} when fenced by
 * the lease, {-2, lastSeq} when the sequence does not follow. All or nothing.
 */
export const APPEND = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return {-1, redis.call('GET', KEYS[3]) or ''}
end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local first = tonumber(ARGV[2])
if first ~= last + 1 then return {-2, last} end
local n = #ARGV - 2
for i = 1, n do
  redis.call('XADD', KEYS[1], string.format('%.0f', first + i - 1) .. '-0', 'd', ARGV[i + 2])
end
redis.call('SET', KEYS[2], string.format('%.0f', last + n))
return {0, last + n}
`;
