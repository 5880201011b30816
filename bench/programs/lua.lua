-- A small script of the kind people run an interpreter on: formatted
-- strings, tables as arrays and as maps, sorting with a comparator,
-- closures, string patterns and a little floating point. argv[1] scales it.
local scale = tonumber(arg[1]) or 1
local n = 6000 * scale

local words = {}
for i = 1, n do words[i] = string.format("k%05d-%x", (i * 7919) % n, i) end
table.sort(words, function(a, b) return a > b end)

local groups = {}
for _, w in ipairs(words) do
  local key = w:match("^k(%d%d)")
  local g = groups[key]
  if g == nil then g = { count = 0, len = 0 }; groups[key] = g end
  g.count = g.count + 1
  g.len = g.len + #w
end
local keys = {}
for k in pairs(groups) do keys[#keys + 1] = k end
table.sort(keys)

local function counter(step)
  local total = 0
  return function(x) total = total + x * step; return total end
end
local add = counter(3)
local sum = 0
for i = 1, n * 4 do sum = add(i % 97) end

local parts = {}
for i = 1, n // 4 do parts[#parts + 1] = tostring(i * 1.5) end
local joined = table.concat(parts, ",")
local fields = 0
for _ in joined:gmatch("[^,]+") do fields = fields + 1 end

local acc = 0.0
for i = 1, n do acc = acc + math.sqrt(i) / (i + 1) end

print(string.format("groups %d first %s %d last %s %d", #keys, keys[1], groups[keys[1]].count, keys[#keys], groups[keys[#keys]].len))
print(string.format("sum %d fields %d joined %d acc %.6f", sum, fields, #joined, acc))
