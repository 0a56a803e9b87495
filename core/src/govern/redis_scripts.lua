-- The Redis ledger's steps (govern/redis.rs), each one server-side script: one round trip,
-- atomic. This prelude is shared; each step's body follows it (split at "--@ name").
--
-- Keys, all under one hash tag {P} so a step touches one cluster slot:
--   {P}:seq                 the last reservation id (INCR)
--   {P}:s:<line>            settled spend of a calendar or total period (INCRBY)
--   {P}:c:<line>            a rolling period's buckets (govern/rolling.rs): a sorted set of
--                           bucket numbers, score = number
--   {P}:h:<line>            their amounts (field = bucket number) and their total (field t)
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

-- Now in microseconds: the caller's (tests) or the server's.
local function clock_us(given)
  if given ~= '' then return tonumber(given) * 1000 end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function clock(given)
  return math.floor(clock_us(given) / 1000)
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

-- A rolling period of `span` ms is counted in buckets of span / 1024 ms (at least 1): the first
-- bucket still in the window that starts at `now - span`.
local function first_bucket(span, now)
  local width = math.max(1, math.floor(tonumber(span) / 1024))
  return math.floor((now - tonumber(span)) / width), width
end

-- The settled spend of a line: its counter, or its rolling total after dropping the buckets
-- that left the window (a few at most each step: the cost does not grow with the calls).
local function settled(skey, ckey, hkey, span, now)
  if span == '' then return tonumber(redis.call('GET', skey) or '0') end
  local first = first_bucket(span, now)
  local gone = redis.call('ZRANGEBYSCORE', ckey, '-inf', '(' .. str(first))
  if #gone > 0 then
    local freed = 0
    for _, a in ipairs(redis.call('HMGET', hkey, unpack(gone))) do
      freed = freed + (tonumber(a) or 0)
    end
    redis.call('HDEL', hkey, unpack(gone))
    redis.call('ZREMRANGEBYSCORE', ckey, '-inf', '(' .. str(first))
    if redis.call('HINCRBY', hkey, 't', str(-freed)) < 0 then redis.call('HSET', hkey, 't', 0) end
  end
  return tonumber(redis.call('HGET', hkey, 't') or '0')
end

-- Makes `key` live at least `ms` more (never shortens it).
local function keep(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, str(ms)) end
end

-- A rate-limit window, shaped like the client's local lanes (client/route/sliding.rs): at most
-- `limit` units admitted in any window of `length` µs, counted per slot in a hash of slot
-- number -> units. What a slot admitted leaves every window a whole window after the slot's
-- end, so a slot's width is lost to the rate at each turn of the window: 256 slots (finer than
-- the local lanes' 64) keep that under 0.4 %. The hash also keeps the window's running total
-- (field n) and its oldest slot (field o), so a check drops the few slots that left since the
-- last one and reads the total, instead of reading and sorting every slot (that cost 1.3 ms
-- a call on the server, most of a reservation).
local SLOTS = 256

-- What the window holds at `now_us`, after dropping the slots that left it.
local function window_used(key, length, now_us)
  local slot_us = length / SLOTS
  local first = math.floor((now_us - length) / slot_us)
  local kept = redis.call('HMGET', key, 'n', 'o')
  local used, oldest = tonumber(kept[1]) or 0, tonumber(kept[2])
  if oldest == nil or oldest >= first then return used end
  local gone = {}
  if first - oldest <= 2 * SLOTS then
    for slot = oldest, first - 1 do gone[#gone + 1] = str(slot) end
  else
    -- Idle for longer than two windows: reading the slots left is cheaper than naming them.
    local flat = redis.call('HGETALL', key)
    for i = 1, #flat, 2 do
      local slot = tonumber(flat[i])
      if slot and slot < first then gone[#gone + 1] = flat[i] end
    end
  end
  if #gone > 0 then
    for _, units in ipairs(redis.call('HMGET', key, unpack(gone))) do
      used = used - (tonumber(units) or 0)
    end
    redis.call('HDEL', key, unpack(gone))
  end
  used = math.max(used, 0)
  redis.call('HSET', key, 'n', str(used), 'o', str(first))
  return used
end

-- How long (µs) until `need` more units fit: as the oldest slots leave the window. Read only
-- when the window is full, the one case that needs every slot in order.
local function window_wait(key, limit, length, used, need, now_us)
  local missing = used + need - limit
  if missing <= 0 then return 0 end
  local slot_us = length / SLOTS
  local entries = {}
  local flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do
    local slot, units = tonumber(flat[i]), tonumber(flat[i + 1])
    if slot and units > 0 then entries[#entries + 1] = {slot, units} end
  end
  table.sort(entries, function(x, y) return x[1] < y[1] end)
  for _, e in ipairs(entries) do
    missing = missing - e[2]
    if missing <= 0 then return (e[1] + 1) * slot_us + length - now_us end
  end
  return 0
end

-- Books `units` in `slot` (a string, as str writes it) and in the running total.
local function window_add(key, slot, units)
  redis.call('HINCRBY', key, slot, units)
  redis.call('HINCRBY', key, 'n', units)
  local oldest = tonumber(redis.call('HGET', key, 'o'))
  if oldest == nil or tonumber(slot) < oldest then redis.call('HSET', key, 'o', slot) end
end

local function line_keys(prefix, name)
  return prefix .. ':s:' .. name, prefix .. ':c:' .. name, prefix .. ':r:' .. name,
    prefix .. ':l:' .. name, prefix .. ':h:' .. name
end

--@ reserve
-- KEYS[1] = {P}:seq, then 5 keys a line (s, c, r, l, h), then 2 a lane (tokens, requests).
-- ARGV: now ('' = the server's clock), amount, lease ms, record ms past the lease, prefix,
-- lines count, lanes count, tokens, the longest wait µs the call can book ahead, then 7
-- values a line: name, cap ('' = none), span ms
-- ('' = calendar or total), settled ttl ms ('' = none), scope, period, soft thresholds
-- ("permille:amount,..."), then 5 a lane: name, token limit and window µs ('' = none),
-- request limit and window µs ('' = none).
local now_us = clock_us(ARGV[1])
local now = math.floor(now_us / 1000)
local amount_s = ARGV[2]
local amount = tonumber(amount_s)
local lease = tonumber(ARGV[3])
local record_ms = tonumber(ARGV[4])
local prefix = ARGV[5]
local n_lines = tonumber(ARGV[6])
local n_lanes = tonumber(ARGV[7])
local tokens = tonumber(ARGV[8])
local book_ahead_us = tonumber(ARGV[9])
local lines = {}
local a = 10
for n = 0, n_lines - 1 do
  lines[n + 1] = {
    name = ARGV[a], cap = ARGV[a + 1], span = ARGV[a + 2], ttl = ARGV[a + 3],
    scope = ARGV[a + 4], period = ARGV[a + 5], soft = ARGV[a + 6],
    s = KEYS[2 + n * 5], c = KEYS[3 + n * 5], r = KEYS[4 + n * 5], l = KEYS[5 + n * 5],
    h = KEYS[6 + n * 5],
  }
  a = a + 7
end
local lanes = {}
local k = 2 + n_lines * 5
for n = 0, n_lanes - 1 do
  lanes[n + 1] = {
    name = ARGV[a], tlimit = ARGV[a + 1], twindow = ARGV[a + 2], qlimit = ARGV[a + 3],
    qwindow = ARGV[a + 4], t = KEYS[k + n * 2], q = KEYS[k + 1 + n * 2],
  }
  a = a + 5
end
for _, line in ipairs(lines) do
  local reserved = purge(line.r, line.l, now)
  if line.cap ~= '' then
    local committed = settled(line.s, line.c, line.h, line.span, now) + reserved
    if committed + amount > tonumber(line.cap) then
      return {'OVERDRAFT', line.scope, line.period, str(committed), line.cap}
    end
  end
end
-- Every lane of the call must have room when the call starts: now, or, when the fullest
-- lane frees room within the time the call can wait, at that instant, booked now (the call
-- then sleeps until it and needs no second round trip). A longer wait takes nothing, and the
-- call is told how long.
local wait_us, waiting_for = 0, ''
for _, lane in ipairs(lanes) do
  if lane.tlimit ~= '' then
    local limit, length = tonumber(lane.tlimit), tonumber(lane.twindow)
    local used = window_used(lane.t, length, now_us)
    local need = math.min(tokens, limit)
    lane.tneed = need
    local w = window_wait(lane.t, limit, length, used, need, now_us)
    if w > wait_us then wait_us, waiting_for = w, lane.name end
  end
  if lane.qlimit ~= '' then
    local limit, length = tonumber(lane.qlimit), tonumber(lane.qwindow)
    local used = window_used(lane.q, length, now_us)
    local w = window_wait(lane.q, limit, length, used, 1, now_us)
    if w > wait_us then wait_us, waiting_for = w, lane.name end
  end
end
if wait_us > book_ahead_us then
  return {'WAIT', str(math.ceil(wait_us / 1000)), waiting_for}
end
local start_us = now_us + wait_us
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
local granted = {}
for n, lane in ipairs(lanes) do
  local tslot, qslot = '', ''
  if lane.tlimit ~= '' then
    tslot = str(math.floor(start_us / (tonumber(lane.twindow) / SLOTS)))
    window_add(lane.t, tslot, str(lane.tneed))
    redis.call('PEXPIRE', lane.t, str(math.ceil(2 * tonumber(lane.twindow) / 1000) + 1000))
  end
  if lane.qlimit ~= '' then
    qslot = str(math.floor(start_us / (tonumber(lane.qwindow) / SLOTS)))
    window_add(lane.q, qslot, 1)
    redis.call('PEXPIRE', lane.q, str(math.ceil(2 * tonumber(lane.qwindow) / 1000) + 1000))
  end
  granted[n] = {lane.t, tslot, str(lane.tneed or 0), lane.q, qslot}
end
local rec = prefix .. ':res:' .. id
redis.call('HSET', rec, 'amount', amount_s, 'lines', cjson.encode(stored), 'lanes',
  cjson.encode(granted))
redis.call('PEXPIRE', rec, str(lease + record_ms))
return {'OK', str(id), str(wait_us)}

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
  local skey, ckey, rkey, lkey, hkey = line_keys(prefix, name)
  if redis.call('ZREM', lkey, member) == 1 then
    if redis.call('DECRBY', rkey, amount) < 0 then redis.call('SET', rkey, 0) end
  end
  local total
  if span == '' then
    total = redis.call('INCRBY', skey, actual)
    if ttl ~= '' then keep(skey, tonumber(ttl)) end
  else
    local _, width = first_bucket(span, now)
    local bucket = str(math.floor(now / width))
    redis.call('ZADD', ckey, bucket, bucket)
    redis.call('HINCRBY', hkey, bucket, actual)
    redis.call('HINCRBY', hkey, 't', actual)
    keep(ckey, tonumber(ttl))
    keep(hkey, tonumber(ttl))
    total = settled(skey, ckey, hkey, span, now)
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
local held = redis.call('HMGET', KEYS[1], 'amount', 'lines', 'lanes')
if not held[1] then return {'UNKNOWN'} end
-- Nothing was sent: every lane gets its grant back (where its slot is still counted).
for _, g in ipairs(cjson.decode(held[3] or '[]')) do
  local tkey, tslot, tokens, qkey, qslot = g[1], g[2], g[3], g[4], g[5]
  if tslot ~= '' and redis.call('HEXISTS', tkey, tslot) == 1 then
    redis.call('HINCRBY', tkey, tslot, '-' .. tokens)
    redis.call('HINCRBY', tkey, 'n', '-' .. tokens)
  end
  if qslot ~= '' and redis.call('HEXISTS', qkey, qslot) == 1 then
    redis.call('HINCRBY', qkey, qslot, -1)
    redis.call('HINCRBY', qkey, 'n', -1)
  end
end
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
-- KEYS = s, c, r, l, h of one line. ARGV: now, span ms ('' = calendar or total).
local now = clock(ARGV[1])
local reserved = purge(KEYS[3], KEYS[4], now)
return {str(settled(KEYS[1], KEYS[2], KEYS[5], ARGV[2], now)), str(reserved)}
