-- Orders one batch of a server's events in the room's stream, atomically.
-- KEYS: fence, result, seq, log, names, members, epoch
-- ARGV: batch number, item count, epoch, then per item: op, member, arg,
-- payload
-- A batch runs at most once: the fence holds the node's last batch number,
-- and a batch at or below it (already run, or given up) does nothing. A
-- batch for another epoch (Redis lost the room meanwhile) does nothing.
if redis.call('GET', KEYS[7]) ~= ARGV[3] then
  return 'epoch'
end
local fence = tonumber(redis.call('GET', KEYS[1]) or '0')
if fence >= tonumber(ARGV[1]) then
  return false
end
redis.call('SET', KEYS[1], ARGV[1])
local t = redis.call('TIME')
local ms = string.format('%.0f', t[1] * 1000 + math.floor(t[2] / 1000))
local out = {}
for i = 0, tonumber(ARGV[2]) - 1 do
  local op, member, arg, payload = ARGV[4 + 4 * i], ARGV[5 + 4 * i], ARGV[6 + 4 * i], ARGV[7 + 4 * i]
  -- 1: ordered; 0: the name is taken; -1: the member is not in the room;
  -- -2: the member it writes to is not
  local ok = 1
  if op == 'j' then
    if redis.call('HEXISTS', KEYS[6], member) == 1 then
      ok = 0
    elseif redis.call('HSETNX', KEYS[5], arg, member) == 0 then
      ok = 0
    else
      redis.call('HSET', KEYS[6], member, arg)
    end
  elseif op == 'r' then
    local old = redis.call('HGET', KEYS[6], member)
    local holder = redis.call('HGET', KEYS[5], arg)
    if not old then
      ok = -1
    elseif holder and holder ~= member then
      ok = 0
    else
      redis.call('HDEL', KEYS[5], old)
      redis.call('HSET', KEYS[5], arg, member)
      redis.call('HSET', KEYS[6], member, arg)
    end
  elseif op == 'l' then
    local old = redis.call('HGET', KEYS[6], member)
    if not old then
      ok = -1
    else
      redis.call('HDEL', KEYS[5], old)
      redis.call('HDEL', KEYS[6], member)
    end
  elseif op == 'm' then
    if redis.call('HEXISTS', KEYS[6], member) == 0 then
      ok = -1
    elseif arg ~= '' and redis.call('HEXISTS', KEYS[6], arg) == 0 then
      ok = -2
    end
  end
  if op == 'x' then
    -- A control entry: after the last numbered one, unnumbered.
    local seq = redis.call('GET', KEYS[3]) or '0'
    redis.call('XADD', KEYS[4], seq .. '-*', 'c', payload, 't', ms)
    out[#out + 1] = '0'
  elseif ok == 1 then
    local seq = redis.call('INCR', KEYS[3])
    redis.call('XADD', KEYS[4], seq .. '-0', 'e', payload, 't', ms)
    out[#out + 1] = tostring(seq)
  else
    out[#out + 1] = tostring(ok)
  end
end
local result = (redis.call('GET', KEYS[3]) or '0') .. ';' .. table.concat(out, ',')
redis.call('SET', KEYS[2], ARGV[1] .. ':' .. result)
return result
