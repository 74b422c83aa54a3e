-- Settles a batch whose answer was lost: if it ran, its result; if not,
-- it never will (the fence passes it) and the answer is 'cancelled'.
-- KEYS: fence, result; ARGV: batch number
local prefix = ARGV[1] .. ':'
local fence = tonumber(redis.call('GET', KEYS[1]) or '0')
if fence < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], prefix .. 'cancelled')
  return 'cancelled'
end
local result = redis.call('GET', KEYS[2]) or ''
if string.sub(result, 1, #prefix) == prefix then
  return string.sub(result, #prefix + 1)
end
return 'cancelled'
