/**
 * The Lua scripts of the Redis KV store: each store operation is one script, so it runs
 * atomically inside Redis (no read in JavaScript followed by a write).
 *
 * Layout of one namespace `<prefix>kv:<project>:<mode>:`
 * - `v:<key>`: a hash `{ v: JSON text, e: expiry in epoch ms (absent: never) }`, with the same
 *   expiry set natively (PEXPIREAT) so Redis reclaims it;
 * - `idx`: a sorted set of every key (score 0), scanned with ZRANGEBYLEX: the cost of a scan
 *   depends on this namespace only;
 * - `exp`: a sorted set of keys with an expiry (score = expiry), to clean `idx`;
 * - in a bounded namespace (test mode, see kv-store.ts `SandboxBound`) only: `sz`, a hash of each
 *   key's size, and `use`, a hash of the namespace's key count `n` and total size `b`. Every
 *   script that removes a key also takes it out of these (`forget`), so they stay exact; an entry
 *   that expired natively counts until its server-clock expiry passes and it is reclaimed, which a
 *   write that finds the namespace full does first; keys stored before the namespace was counted
 *   (by a server without the bound) are counted by the next writes, 1,000 per write;
 * and one global `<prefix>kv:sweep` sorted set: namespace -> its earliest expiry.
 *
 * Expiry is decided by the server's clock (`now` argument), and also by Redis natively: a key is
 * absent as soon as either says it expired. Scripts build the data key names of scanned members
 * themselves, so this targets a standalone Redis (not Redis Cluster).
 *
 * @module server/infra/kv-redis-scripts
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script run by SHA, loaded on first use (and again after a Redis restart). */
export class Script {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!/NOSCRIPT/.test((error as Error).message)) throw error;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/** A live value, or false: present and not past its expiry by the server's clock. */
const LIVE = `
local function live(v, e, now)
  return v and (not e or tonumber(e) > now)
end
`;

/**
 * The sandbox bound's accounting (sz, use: see above). `forget` is a no-op for a key never counted
 * (every key of an unbounded namespace). `fits` answers whether writing `key` at `size` keeps the
 * namespace within the bound, or at least does not grow it past it; when not, `room` first
 * reclaims the namespace's expired keys (at most 1,000 per write) and asks again.
 */
const BOUND = `
local function forget(sz, use, m)
  local s = redis.call('HGET', sz, m)
  if s then
    redis.call('HDEL', sz, m)
    redis.call('HINCRBY', use, 'n', -1)
    redis.call('HINCRBY', use, 'b', -tonumber(s))
  end
end
local function fits(sz, use, key, size, maxKeys, maxBytes)
  local u = redis.call('HMGET', use, 'n', 'b')
  local n, b = tonumber(u[1] or '0'), tonumber(u[2] or '0')
  local old = redis.call('HGET', sz, key)
  local n2 = n
  if not old then n2 = n + 1 end
  local b2 = b - tonumber(old or '0') + size
  return not ((n2 > maxKeys and n2 > n) or (b2 > maxBytes and b2 > b))
end
local function account(sz, use, key, size)
  local old = redis.call('HGET', sz, key)
  if not old then redis.call('HINCRBY', use, 'n', 1) end
  redis.call('HINCRBY', use, 'b', size - tonumber(old or '0'))
  redis.call('HSET', sz, key, size)
end
-- A namespace that holds keys written before it was counted (data from before the bound): its
-- keys are counted 1,000 per write, from the cursor 'c' in use, until none is left.
local function catchUp(dataPrefix, idx, sz, use)
  if redis.call('EXISTS', use) == 0 then
    if redis.call('ZCARD', idx) == 0 then
      redis.call('HSET', use, 'n', 0, 'b', 0)
      return
    end
    redis.call('HSET', use, 'n', 0, 'b', 0, 'c', '-')
  end
  local from = redis.call('HGET', use, 'c')
  if not from then return end
  local members = redis.call('ZRANGEBYLEX', idx, from, '+', 'LIMIT', 0, 1000)
  for _, m in ipairs(members) do
    local v = redis.call('HGET', dataPrefix .. m, 'v')
    if v and not redis.call('HGET', sz, m) then
      local size = #m + #v
      if string.match(v, '^%-?%d') then size = #m + 8 end
      account(sz, use, m, size)
    end
  end
  if #members < 1000 then redis.call('HDEL', use, 'c') else redis.call('HSET', use, 'c', '(' .. members[#members]) end
end
local function room(dataPrefix, idx, exp, sz, use, key, size, maxKeys, maxBytes, now)
  catchUp(dataPrefix, idx, sz, use)
  if fits(sz, use, key, size, maxKeys, maxBytes) then return true end
  local gone = redis.call('ZRANGEBYSCORE', exp, '-inf', now, 'LIMIT', 0, 1000)
  if #gone == 0 then return false end
  for _, m in ipairs(gone) do
    redis.call('DEL', dataPrefix .. m)
    redis.call('ZREM', idx, m)
    redis.call('ZREM', exp, m)
    forget(sz, use, m)
  end
  return fits(sz, use, key, size, maxKeys, maxBytes)
end
`;

/** Writes a value and indexes it (shared by set and by increment on create). */
const WRITE = `
local function write(data, idx, exp, sweep, key, json, expiresAt, ns)
  redis.call('DEL', data)
  if expiresAt == '' then
    redis.call('HSET', data, 'v', json)
    redis.call('ZREM', exp, key)
  else
    redis.call('HSET', data, 'v', json, 'e', expiresAt)
    redis.call('PEXPIREAT', data, expiresAt)
    redis.call('ZADD', exp, expiresAt, key)
    redis.call('ZADD', sweep, 'LT', expiresAt, ns)
  end
  redis.call('ZADD', idx, 0, key)
end
`;

/**
 * KEYS: data, idx, exp, sweep, sz, use. ARGV: key, json, expiresAt|'', ifNotExists 1|0, now, ns,
 * then for a bounded namespace size, maxKeys, maxBytes, data key prefix ('' for unbounded).
 * Returns 1, 0 on conflict, or -1 when the bound leaves no room (nothing written).
 */
export const SET = new Script(`${LIVE}${BOUND}${WRITE}
local r = redis.call('HMGET', KEYS[1], 'v', 'e')
local now = tonumber(ARGV[5])
if ARGV[4] == '1' and live(r[1], r[2], now) then return 0 end
if ARGV[7] ~= '' then
  local size = tonumber(ARGV[7])
  if not room(ARGV[10], KEYS[2], KEYS[3], KEYS[5], KEYS[6], ARGV[1], size, tonumber(ARGV[8]), tonumber(ARGV[9]), now) then return -1 end
  account(KEYS[5], KEYS[6], ARGV[1], size)
end
write(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3], ARGV[6])
return 1
`);

/**
 * KEYS: data. ARGV: now, maxBytes (-1: any). Returns nil for a missing key, else {json|false,
 * expiresAt|'', bytes}: the JSON text only when it is at most maxBytes (a larger one stays here).
 */
export const GET_WITHIN = new Script(`
local e = redis.call('HGET', KEYS[1], 'e')
local n = redis.call('HSTRLEN', KEYS[1], 'v')
if n == 0 or (e and tonumber(e) <= tonumber(ARGV[1])) then return nil end
local max = tonumber(ARGV[2])
if max >= 0 and n > max then return {false, e or '', n} end
return {redis.call('HGET', KEYS[1], 'v'), e or '', n}
`);

/** KEYS: data, idx, exp, sz, use. ARGV: key, now. Returns 1 if a live key was deleted. */
export const DELETE = new Script(`${LIVE}${BOUND}
local r = redis.call('HMGET', KEYS[1], 'v', 'e')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
forget(KEYS[4], KEYS[5], ARGV[1])
if live(r[1], r[2], tonumber(ARGV[2])) then return 1 end
return 0
`);

/**
 * KEYS: data, idx, exp, sweep, sz, use. ARGV: key, delta, deltaJson, expiresAt|'', now, ns, then
 * for a bounded namespace the size of the key created, maxKeys, maxBytes, data key prefix ('' for
 * unbounded). Returns {'ok', json, expiresAt|''} | {'nan'} | {'overflow'} | {'full'}. Arithmetic
 * is on doubles, as in JavaScript; %.17g prints any double so that it parses back to the same
 * double. Only creating a key takes room: a number's size never changes.
 */
export const INCREMENT = new Script(`${LIVE}${BOUND}${WRITE}
local r = redis.call('HMGET', KEYS[1], 'v', 'e')
local now = tonumber(ARGV[5])
if not live(r[1], r[2], now) then
  if ARGV[7] ~= '' then
    local size = tonumber(ARGV[7])
    if not room(ARGV[10], KEYS[2], KEYS[3], KEYS[5], KEYS[6], ARGV[1], size, tonumber(ARGV[8]), tonumber(ARGV[9]), now) then return {'full'} end
    account(KEYS[5], KEYS[6], ARGV[1], size)
  end
  write(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[3], ARGV[4], ARGV[6])
  return {'ok', ARGV[3], ARGV[4]}
end
-- Stored JSON text: only a JSON number starts with '-' or a digit.
if not string.match(r[1], '^%-?%d') then return {'nan'} end
local sum = tonumber(r[1]) + tonumber(ARGV[2])
-- Outside ±(2^53 - 1) integers are no longer exact (2^53 + 1 == 2^53): refuse (kv-store.ts).
if sum ~= sum or sum > 9007199254740991 or sum < -9007199254740991 then return {'overflow'} end
local json = string.format('%.17g', sum)
redis.call('HSET', KEYS[1], 'v', json)
return {'ok', json, r[2] or ''}
`);

/**
 * KEYS: idx, exp, sz, use. ARGV: data key prefix, min, max (ZRANGEBYLEX bounds), limit, now.
 * Returns up to limit+1 live keys in byte order; index entries of keys that are gone
 * (expired natively) are removed on the way.
 */
export const SCAN = new Script(`${LIVE}${BOUND}
local out, min, limit, now = {}, ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
local batch = 256
while #out <= limit do
  local members = redis.call('ZRANGEBYLEX', KEYS[1], min, ARGV[3], 'LIMIT', 0, batch)
  for _, m in ipairs(members) do
    local r = redis.call('HMGET', ARGV[1] .. m, 'v', 'e')
    if live(r[1], r[2], now) then
      out[#out + 1] = m
      if #out > limit then break end
    elseif not r[1] then
      redis.call('ZREM', KEYS[1], m)
      redis.call('ZREM', KEYS[2], m)
      forget(KEYS[3], KEYS[4], m)
    end
    min = '(' .. m
  end
  if #members < batch then break end
end
return out
`);

/**
 * KEYS: sweep. ARGV: namespace key prefix ('<prefix>kv:'), now, max namespaces, max keys each.
 * Removes expired keys (data, idx, exp) of namespaces whose earliest expiry has passed, then
 * records each one's next expiry. Returns {keys removed, namespaces processed}.
 */
export const SWEEP = new Script(`${BOUND}
local now, removed = tonumber(ARGV[2]), 0
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, ns in ipairs(due) do
  local base = ARGV[1] .. ns .. ':'
  local idx, exp = base .. 'idx', base .. 'exp'
  local gone = redis.call('ZRANGEBYSCORE', exp, '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
  for _, m in ipairs(gone) do
    redis.call('DEL', base .. 'v:' .. m)
    redis.call('ZREM', idx, m)
    redis.call('ZREM', exp, m)
    forget(base .. 'sz', base .. 'use', m)
    removed = removed + 1
  end
  local nxt = redis.call('ZRANGE', exp, 0, 0, 'WITHSCORES')
  if nxt[2] then redis.call('ZADD', KEYS[1], nxt[2], ns) else redis.call('ZREM', KEYS[1], ns) end
end
return {removed, #due}
`);

/**
 * KEYS: idx, exp, sweep, sz, use. ARGV: data key prefix, ns, batch. Deletes up to `batch` keys
 * of a namespace; when none are left, its index, accounting and sweep entry too. Returns how
 * many were deleted.
 */
export const DELETE_NAMESPACE = new Script(`
local members = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1)
for _, m in ipairs(members) do
  redis.call('DEL', ARGV[1] .. m)
  redis.call('ZREM', KEYS[1], m)
end
if #members == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[4], KEYS[5])
  redis.call('ZREM', KEYS[3], ARGV[2])
end
return #members
`);
