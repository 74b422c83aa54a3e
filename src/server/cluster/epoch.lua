-- Starts a new epoch if the room's is still ARGV[1] (or gone): the log,
-- the numbering and the names start again. Returns the epoch in force.
-- KEYS: epoch, seq, log, names, members, snapshot; ARGV: old, new epoch
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then
  return current
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('SET', KEYS[1], ARGV[2])
return ARGV[2]
