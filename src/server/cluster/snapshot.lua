-- Keeps the room's state at seq ARGV[1] if it is newer than the one kept,
-- then trims the stream to the ARGV[3] entries before it (a server a
-- little behind still finds what it has not read).
-- KEYS: snapshot, log, epoch; ARGV: seq, state, entries kept before it,
-- epoch (a snapshot of a lost epoch is not kept)
if redis.call('GET', KEYS[3]) ~= ARGV[4] then
  return 0
end
local kept = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local seq = tonumber(ARGV[1])
if seq <= kept then
  return 0
end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'state', ARGV[2])
local first = seq - tonumber(ARGV[3])
if first > 1 then
  redis.call('XTRIM', KEYS[2], 'MINID', string.format('%.0f', first) .. '-0')
end
return 1
