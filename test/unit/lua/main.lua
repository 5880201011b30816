-- A script for the Lua interpreter under ksw exec: require of a module from a file,
-- errors through pcall, string patterns, tables, coroutines, file I/O, a bigger loop, GC.
package.path = (arg[0]:match("(.*/)") or "./") .. "lib/?.lua;" .. package.path
local shapes = require("shapes")
print("module", shapes.loaded_from)
print(string.format("rect %d circle %.6f", shapes.area("rect", 3, 4), shapes.area("circle", 2)))
local ok, err = pcall(shapes.area, "hexagon", 1)
print("pcall", ok, (err:gsub("^.-:%d+: ", "")))
local words = {}
for w in ("the quick brown fox jumps over the lazy dog the end"):gmatch("%a+") do words[w] = (words[w] or 0) + 1 end
local keys = {}
for k in pairs(words) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", words[k], " ") end
print()
local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * i) end end)
print("coroutine", co(), co(), co())
local out = (arg[1] or "out.txt")
local f = assert(io.open(out, "w"))
f:write("written by lua\n"); f:close()
for line in io.lines(out) do print("read back:", line) end
os.remove(out)
local t = {}
for i = 1, 100000 do t[i] = i % 7 end
local s = 0
for i = 1, #t do s = s + t[i] end
print("sum", s, "gc", collectgarbage("count") > 0)
print(string.format("%.17g %s", 0.1 + 0.2, tostring(2^53)))
os.exit(3)
