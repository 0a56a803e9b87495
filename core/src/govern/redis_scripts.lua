-- The Redis ledger's steps (govern/redis.rs), each one server-side script: one round trip,
-- atomic. This prelude is shared; each step's body follows it (split at "--@ name").
--
-- Keys, all under one hash tag {P} so a step touches one cluster slot:
--   {P}:seq                 the last reservation id (INCR)
--   {P}:s:<line>            settled spend of a calendar or total period (INCRBY)
--   {P}:c:<line>            charges of a rolling period: a sorted set, score = ms, "id:amount"
--   {P}:r:<line>            reserved amount of the line's unexpired reservations
--   {P}:l:<line>            the line's leases: a sorted set, score = expiry ms, "id:amount"
--   {P}:res:<id>            an open reservation: amount and its lines (JSON), until settled
--   {P}:done:<id>           a settled reservation, so a second settle changes nothing
--   {P}:a:<line>:<permille> a soft threshold's alert, claimed once (SET NX) per period
-- where <line> is "<scope>|<period>". Amounts are integers (nano-dollars).

-- Integers as Redis and Rust read them: tostring would write 1e+15 for big amounts.
local function str(n)
  return string.format('%.0f', n)
end

local function clock(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function amount_of(member)
  return tonumber(string.match(member, ':(%d+)$'))
end

-- Stops counting the line's leases that ended by `now`; returns what is still reserved.
local function purge(rkey, lkey, now)
  local ended = redis.call('ZRANGEBYSCORE', lkey, '-inf', str(now))
  if #ended > 0 then
    local freed = 0
    for _, m in ipairs(ended) do freed = freed + amount_of(m) end
    redis.call('ZREMRANGEBYSCORE', lkey, '-inf', str(now))
    if redis.call('DECRBY', rkey, str(freed)) < 0 then redis.call('SET', rkey, 0) end
  end
  return tonumber(redis.call('GET', rkey) or '0')
end

-- The settled spend of a line: its counter, or the sum of its rolling charges after
-- `now - span` (older charges never count again and are dropped).
local function settled(skey, span, now)
  if span == '' then return tonumber(redis.call('GET', skey) or '0') end
  local since = now - tonumber(span)
  redis.call('ZREMRANGEBYSCORE', skey, '-inf', str(since))
  local sum = 0
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', skey, '(' .. str(since), '+inf')) do
    sum = sum + amount_of(m)
  end
  return sum
end

-- Makes `key` live at least `ms` more (never shortens it).
local function keep(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, str(ms)) end
end

local function line_keys(prefix, name)
  return prefix .. ':s:' .. name, prefix .. ':c:' .. name, prefix .. ':r:' .. name,
    prefix .. ':l:' .. name
end

--@ reserve
-- KEYS[1] = {P}:seq, then 4 keys a line (s, c, r, l).
-- ARGV: now ('' = the server's clock), amount, lease ms, record ms past the lease, prefix,
-- then 7 values a line: name, cap ('' = none), span ms ('' = calendar or total),
-- settled ttl ms ('' = none), scope, period, soft thresholds ("permille:amount,...").
local now = clock(ARGV[1])
local amount_s = ARGV[2]
local amount = tonumber(amount_s)
local lease = tonumber(ARGV[3])
local record_ms = tonumber(ARGV[4])
local prefix = ARGV[5]
local lines = {}
local i = 6
while i <= #ARGV do
  local n = #lines
  lines[n + 1] = {
    name = ARGV[i], cap = ARGV[i + 1], span = ARGV[i + 2], ttl = ARGV[i + 3],
    scope = ARGV[i + 4], period = ARGV[i + 5], soft = ARGV[i + 6],
    s = KEYS[2 + n * 4], c = KEYS[3 + n * 4], r = KEYS[4 + n * 4], l = KEYS[5 + n * 4],
  }
  i = i + 7
end
for _, line in ipairs(lines) do
  local reserved = purge(line.r, line.l, now)
  if line.cap ~= '' then
    local skey = line.s
    if line.span ~= '' then skey = line.c end
    local committed = settled(skey, line.span, now) + reserved
    if committed + amount > tonumber(line.cap) then
      return {'OVERDRAFT', line.scope, line.period, str(committed), line.cap}
    end
  end
end
local id = redis.call('INCR', KEYS[1])
local expires = now + lease
local member = id .. ':' .. amount_s
local stored = {}
for n, line in ipairs(lines) do
  redis.call('INCRBY', line.r, amount_s)
  redis.call('ZADD', line.l, str(expires), member)
  keep(line.r, lease + 60000)
  keep(line.l, lease + 60000)
  stored[n] = {line.name, line.cap, line.span, line.ttl, line.scope, line.period, line.soft}
end
local rec = prefix .. ':res:' .. id
redis.call('HSET', rec, 'amount', amount_s, 'lines', cjson.encode(stored))
redis.call('PEXPIRE', rec, str(lease + record_ms))
return {'OK', str(id)}

--@ settle
-- KEYS[1] = {P}:res:<id>, KEYS[2] = {P}:done:<id>.
-- ARGV: now, id, actual, done ms, prefix.
local now = clock(ARGV[1])
local id = ARGV[2]
local actual = ARGV[3]
local prefix = ARGV[5]
local held = redis.call('HMGET', KEYS[1], 'amount', 'lines')
if not held[1] then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {'DONE'} end
  return {'UNKNOWN'}
end
local amount = held[1]
local member = id .. ':' .. amount
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
local out = {'OK'}
for _, l in ipairs(cjson.decode(held[2])) do
  local name, cap, span, ttl, scope, period, soft = l[1], l[2], l[3], l[4], l[5], l[6], l[7]
  local skey, ckey, rkey, lkey = line_keys(prefix, name)
  if redis.call('ZREM', lkey, member) == 1 then
    if redis.call('DECRBY', rkey, amount) < 0 then redis.call('SET', rkey, 0) end
  end
  local total
  if span == '' then
    total = redis.call('INCRBY', skey, actual)
    if ttl ~= '' then keep(skey, tonumber(ttl)) end
  else
    redis.call('ZADD', ckey, str(now), id .. ':' .. actual)
    keep(ckey, tonumber(ttl))
    total = settled(ckey, span, now)
  end
  if cap ~= '' then
    for permille, threshold in string.gmatch(soft, '(%d+):(%d+)') do
      do
        local t = {permille = permille, threshold = tonumber(threshold)}
        local akey = prefix .. ':a:' .. name .. ':' .. t.permille
        if total >= t.threshold then
          local alert_ms = tonumber(ttl)
          if ttl == '' then alert_ms = nil end
          local claimed
          if alert_ms then
            claimed = redis.call('SET', akey, '1', 'NX', 'PX', alert_ms)
          else
            claimed = redis.call('SET', akey, '1', 'NX')
          end
          if claimed then
            out[#out + 1] = scope
            out[#out + 1] = period
            out[#out + 1] = t.permille
            out[#out + 1] = str(total)
            out[#out + 1] = cap
          end
        elseif span ~= '' then
          -- A rolling window falls back below a threshold: it may alert again.
          redis.call('DEL', akey)
        end
      end
    end
  end
end
return out

--@ release
-- KEYS[1] = {P}:res:<id>. ARGV: id, prefix.
local held = redis.call('HMGET', KEYS[1], 'amount', 'lines')
if not held[1] then return {'UNKNOWN'} end
local member = ARGV[1] .. ':' .. held[1]
redis.call('DEL', KEYS[1])
for _, l in ipairs(cjson.decode(held[2])) do
  local _, _, rkey, lkey = line_keys(ARGV[2], l[1])
  if redis.call('ZREM', lkey, member) == 1 then
    if redis.call('DECRBY', rkey, held[1]) < 0 then redis.call('SET', rkey, 0) end
  end
end
return {'OK'}

--@ balance
-- KEYS = s, c, r, l of one line. ARGV: now, span ms ('' = calendar or total).
local now = clock(ARGV[1])
local reserved = purge(KEYS[3], KEYS[4], now)
local skey = KEYS[1]
if ARGV[2] ~= '' then skey = KEYS[2] end
return {str(settled(skey, ARGV[2], now)), str(reserved)}
