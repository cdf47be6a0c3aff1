/** Hand-written corner cases, by topic; each string is one chunk. */
export const CASES: Record<string, string[]> = {
  arithmetic: [
    'print(1+2, 3-5, 2*3.5, 7/2, 7%3, -7%3, 7%-3, -7%-3, 2^10, 2^0.5, -2^2)',
    'print(5.5%2, -5.5%2, 5%0, -5%0, 1/0, -1/0, 0*-1, -0)',
    'print(-0, 0) print(0, -0) local x = -0 print(x)',
    'print(0/0, 5 % 0, (0/0) .. "", tostring(0/0))',
    'print(1e308*10, -1e308*10, 2^53+1, 2^63, 1/3, 100/3, 0.1+0.2)',
    'local a, b = 10, 3 print(a/b, a%b, a^b, -a, a - -b)',
    'print("10"+1, "0x10"+0, " 5 "*2, "1e2"/4, 10 .. 20, 1.5 .. "")',
    'print(pcall(function() return "abc"+1 end))',
    'print(pcall(function() local t = {} return t + 1 end))',
    'print(pcall(function() return nil - 1 end))',
    'print(pcall(function() local x return x * 2 end))',
    'print(pcall(function() return -{} end))',
    'print(pcall(function() return 1 + undefinedvar end))',
    'local t = {x = {}} print(pcall(function() return t.x + 1 end))',
    'print(math.huge, -math.huge, math.pi, math.floor(-3.5), math.ceil(-3.5), math.abs(-0))',
    'print(7 // 2)',
    'print(3 % math.huge, -3 % math.huge, 3 % -math.huge)',
    'print(2^-1074, 2^1023*2, 123456789012345678)',
    'for _, v in ipairs({0.1, 1/3, 2/3, 1e15, 1e16, 123.456, -0.000001, 1e-5, 12345678901234.5, 3.14159265358979}) do print(v) end',
  ],
  comparison: [
    // one slot filled by a call's results: its first value only, nil when it returns none
    'local function none() end local function two() return 1, 2 end local function one() return {} end local a = two() local b = none() local c = one() print(a, b, type(c)) a = none() b = two() print(a, b)',
    'local function two() return "x", "y" end local t = {} local a, b = 5, two() local c, d = two(), 7 t.k = two() print(a, b, c, d, t.k, select("#", two()))',
    'local function f(...) local x = ... local y, z = ... return x, y, z end print(f()) print(f(1)) print(f(1, 2, 3))',
    'local co = coroutine.wrap(function() local v = coroutine.yield(1) local w = coroutine.yield(v) return w end) print(co(), co("a"), co("b"))',
    'print(1 < 2, 2 <= 2, 3 > 4, 4 >= 4, 1 == 1.0, "a" < "b", "a" < "B", "" < "a", "abc" < "abd", "Z" < "a")',
    'print(1 == "1", nil == false, {} == {}, "10" < "9")',
    'print(pcall(function() return 1 < "2" end))',
    'print(pcall(function() return {} < {} end))',
    'print(pcall(function() return nil >= 1 end))',
    'print(pcall(function() return "a" > 1 end))',
    'print(pcall(function() return true < false end))',
    'print(0/0 == 0/0, 0/0 ~= 0/0, -0 == 0)',
    'local a = "\\0a" local b = "\\0b" print(a < b, a == "\\0a", #a)',
  ],
  strings_and_concat: [
    'print("a" .. "b" .. 1 .. 2.5)',
    'print(pcall(function() return "a" .. nil end))',
    'print(pcall(function() local s = {} return "x" .. s end))',
    'print(pcall(function() return {} .. "x" end))',
    'print(pcall(function() return "x" .. true end))',
    'print(#"hello", #"", "\\65\\066\\x", "tab\\tnew\\nline", "\\"q\\"", \'single\')',
    'print([[long\nstring]], [==[with ]] inside]==])',
    'print("a\\\nb")',
    'print(("x"):rep(3), ("abc"):upper(), ("%d"):format(42))',
    'local s = "hello" print(s:len(), s:sub(2, 3), s:byte(1), s:byte(-1), s:sub(-3))',
  ],
  tostring_tonumber: [
    'print(tostring(nil), tostring(true), tostring(12), tostring("x"), tostring(1e100))',
    'print(tonumber("10"), tonumber("0x1F"), tonumber("  3.5  "), tonumber("z"), tonumber(""), tonumber("1e1"), tonumber(nil))',
    'print(tonumber("10", 2), tonumber("ff", 16), tonumber("FF", 16), tonumber("777", 8), tonumber("zz", 36), tonumber("9", 8), tonumber("1.5", 10))',
    'print(pcall(tonumber))',
    // C strings: a NUL byte ends the number, as strtod and strtoul see it
    'print(tonumber("5\\0"), tonumber(" 8\\0x"), "5\\0" + 1, tonumber("2\\0001ti"), tonumber("ff\\0zz", 16), tonumber("ff \\0", 16), tonumber("\\0", 16))',
    'print(pcall(tonumber, "1", 99))',
    'print(tostring(print):match("^function: ") ~= nil, tostring({}):match("^table: 0x") ~= nil)',
    'print(type(nil), type(1), type("s"), type({}), type(print), type(true), type(coroutine.create(function() end)))',
    'print(pcall(type))',
    'print(tonumber("0x"), tonumber("1e"), tonumber(".5"), tonumber("5."), tonumber("0x.8"), tonumber("- 1"))',
  ],
  tables: [
    'local t = {1, 2, 3, nil, 5} print(#t)',
    'local t = {1, 2, nil, 4} print(#t)',
    'local t = {nil, nil, 3} print(#t)',
    'local t = {} t[1] = 1 t[2] = 2 t[4] = 4 print(#t)',
    'local t = {} for i = 1, 10 do t[i] = i end t[5] = nil print(#t) t[10] = nil print(#t)',
    'local t = {1,2,3} t[5] = 5 print(#t) t[4] = 4 print(#t)',
    'local t = {[1]=1, [2]=2, [3]=3} print(#t)',
    'local t = {n = 1, 10, 20, [3] = 30} print(#t, t.n, t[3])',
    'local function f() return 1, 2, 3 end local t = {f()} print(#t) t = {f(), f()} print(#t) t = {(f())} print(#t)',
    'local function f(...) return {...} end print(#f(1, nil, 3), #f(nil, nil), #f())',
    'local t = {} t.x = 1 t["y"] = 2 t[1.0] = "one" print(t.x, t.y, t[1])',
    'print(pcall(function() local t = {} t[nil] = 1 end))',
    'print(pcall(function() local t = {} t[0/0] = 1 end))',
    'local t = {} print(t[nil])',
    'local t = {10, 20, 30, x = 1, y = 2, [100] = 3} local ks = {} for k, v in pairs(t) do ks[#ks+1] = tostring(k) .. "=" .. tostring(v) end print(table.concat(ks, " "))',
    'local t = {} for _, k in ipairs({"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}) do t[k] = #k end local o = {} for k, v in pairs(t) do o[#o+1] = k end print(table.concat(o, ","))',
    'local t = {} for i = 1, 20 do t["k" .. i] = i end local o = {} for k in pairs(t) do o[#o+1] = k end print(table.concat(o, ","))',
    'local t = {} for i = 20, 1, -1 do t[i * 3] = i end local o = {} for k in pairs(t) do o[#o+1] = k end print(table.concat(o, ","))',
    'local t = {1, 2, 3, a = 1, b = 2, c = 3, 2.5, [-1] = 0, [true] = 1} local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end print(table.concat(o, ","))',
    'local t = {} for i = 1, 5 do t[i] = i end for i = 1, 5 do t["s" .. i] = i end t[3] = nil t.s2 = nil local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end print(table.concat(o, ","), #t)',
    'local t = {a = 1} t.a = nil t.b = 2 local o = {} for k, v in pairs(t) do o[#o+1] = k end print(table.concat(o, ","))',
    'local t = {} for i = 1, 100 do t[i] = i end for i = 1, 90 do t[i] = nil end t.x = 1 local n = 0 for k in pairs(t) do n = n + 1 end print(n, #t)',
    'local t = {1, 2, 3} print(next(t), next(t, 3), next({}))',
    'print(pcall(next, {}, "nokey"))',
    'local t = {10, 20, 30} for i, v in ipairs(t) do print(i, v) end',
    'local t = {1, 2, nil, 4} for i, v in ipairs(t) do print(i, v) end',
    'print(rawget({5}, 1), rawequal("a", "a"), rawequal({}, {}), rawset({}, "k", "v").k)',
    'local t = setmetatable({}, {__index = function(t, k) return k .. "!" end}) print(t.x, t[1], rawget(t, "x"))',
    'local t = {} t[1e300] = 1 t[-5] = 2 t[0] = 3 t[1.5] = 4 local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end print(table.concat(o, " "))',
  ],
  table_lib: [
    'local t = {5, 2, 8, 1, 9, 3} table.sort(t) print(table.concat(t, " "))',
    'local t = {5, 2, 8, 1, 9, 3} table.sort(t, function(a, b) return a > b end) print(table.concat(t, " "))',
    'local t = {"b", "a", "d", "c"} table.sort(t) print(table.concat(t, ","))',
    'local t = {3, 1, 2} print(pcall(table.sort, t, function(a, b) return true end)) print(table.concat(t, ","))',
    'local t = {} for i = 1, 30 do t[i] = (i * 7) % 11 end table.sort(t, function(a, b) return a >= b end) print(table.concat(t, ","))',
    'local t = {1, "x", 2} print(pcall(table.sort, t))',
    'print(pcall(function() table.sort({3, "x", 1}) end))',
    'print(pcall(function() table.sort({3, 2, 1}, math.max) end), pcall(function() table.sort({{}, {}}, math.max) end))',
    'print(pcall(function() return ("abc"):gsub("%w", string.rep) end))',
    'print(pcall(function() table.sort({3, 2, 1}, function(a, b) return a.x < b end) end))',
    'print(string.gsub("abc", "%w", setmetatable({}, {__index = function(t, k) return k:upper() end})))',
    'local t = {} for i = 1, 100 do t[i] = {k = i % 7, i = i} end table.sort(t, function(a, b) return a.k < b.k end) local o = {} for i = 1, 100 do o[i] = t[i].i end print(table.concat(o, ","))',
    'local t = {1, 2, 3} table.insert(t, 4) table.insert(t, 1, 0) print(table.concat(t, ","), #t)',
    'local t = {1, 2, 3} print(table.remove(t), table.remove(t, 1), table.concat(t, ","), table.remove({}))',
    'print(pcall(table.insert, {}, 1, 2, 3))',
    'print(table.concat({}), table.concat({1, 2, 3}, ", ", 2, 3), table.concat({"a", "b"}, "-", 1, 2))',
    'print(pcall(table.concat, {1, {}, 3}))',
    'print(table.getn({1, 2, 3}), table.maxn({1, 2, [10] = 3, [20.5] = 1}), table.maxn({}))',
    'print(pcall(table.setn, {}, 1))',
    'print(unpack({1, 2, 3})) print(unpack({1, 2, 3}, 2)) print(unpack({1, 2, 3}, 2, 5)) print(select("#", unpack({}, 1, 0)))',
    'print(select("#", 1, nil, 3), select(2, "a", "b", "c"), select(-1, "a", "b", "c"))',
    'print(pcall(select, 0, 1))',
    'table.foreach({10, 20}, print) table.foreachi({"a", "b"}, print)',
    'local t = {} table.insert(t, "a") table.insert(t, "b") table.insert(t, 2, "c") print(table.concat(t))',
  ],
  string_lib: [
    'print(string.rep("ab", 3), string.rep("x", 0), string.rep("x", -1), string.reverse("abc"), string.lower("AbC"), string.upper("aBc"))',
    'print(string.sub("hello", 2), string.sub("hello", -3, -2), string.sub("hello", 0), string.sub("hello", 10), string.sub("hello", 3, 2))',
    'print(string.byte("ABC", 1, 3), string.byte("A"), string.byte(""), string.char(72, 105), string.char())',
    'print(pcall(string.char, 256))',
    'print(pcall(string.rep))',
    'print(string.len("abc"), #"\\0\\0")',
    'print(string.format("%d %5d %-5d| %05d %x %X %o %e %g %G %c %q %s %%", 42, 42, 42, 42, 255, 255, 8, 12345.678, 0.0001, 1e20, 65, "a\\nb\\"c\\0", "str"))',
    'print(string.format("%5.2f|%-8.3s|%.0f|%+d", 3.14159, "abcdef", 2.5, 5))',
    'print(pcall(string.format, "%d", "x"))',
    'print(pcall(string.format, "%y", 1))',
    'print(pcall(string.format, "%s"))',
    'print(string.format("%s %s", 1, 2.5), string.format("%d", 3.7), string.format("%.3f", 1/3))',
  ],
  patterns: [
    'print(string.find("hello world", "wor"), string.find("hello", "l+"), string.find("hello", "xyz"), string.find("a.b", ".", 1, true))',
    'print(string.find("hello", "(l)(l)"), string.find("hello", "()ll()"))',
    'print(string.match("key=value", "(%w+)=(%w+)"), string.match("  trim  ", "^%s*(.-)%s*$"), string.match("abc", "^b"))',
    'print(string.match("2024-01-15", "(%d+)-(%d+)-(%d+)"))',
    'print(string.gsub("hello world", "o", "0"), string.gsub("hello", "", "-"), string.gsub("abc", "%w", "%0%0"))',
    'print(string.gsub("hello world", "(%w+)", "<%1>"), string.gsub("abc", "b", "%%"))',
    'print(string.gsub("$name is $age", "%$(%w+)", {name = "bob", age = 42}))',
    'print(string.gsub("abc", "%w", function(c) return c:upper() .. "." end))',
    'print(string.gsub("abc def", "%w+", function(w) if w == "abc" then return nil end return false end))',
    'print(string.gsub("hello", "l", "L", 1))',
    'print(pcall(string.gsub, "x", "x", "%2"))',
    'print(string.find("THE (quick) fox", "%((%a+)%)"), string.match("f(a(b)c)d", "%b()"))',
    'print(string.gsub("THE (quick) fox", "%f[%a]%a+", "W"))',
    'print(string.match("hello", "(h)(e)(l)(l)(o)"))',
    'print(string.match("aaa", "a-"), string.match("aaa", "a-$"), string.match("aaab", "a*b"), string.match("b", "a?b"))',
    'print(string.match("abcabc", "(abc)%1"), string.match("x = 1", "()=()"))',
    'print(pcall(string.match, "a", "("), pcall(string.match, "a", "%"), pcall(string.match, "a", "[a"), pcall(string.match, "a", "(()"))',
    'print(pcall(string.match, "a", "%1"), pcall(string.find, "a", "%f"))',
    'for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do print(k, v) end',
    'for w in string.gmatch("one two three", "%a+") do print(w) end',
    'for w in string.gfind("x y", "%a") do print(w) end',
    'print(string.find("abc", "b", -1), string.find("abc", "b", -10), string.find("", ""), string.find("abc", "", 10))',
    'print(string.match("[test]", "^%[(.*)%]$"), string.match("a.b.c", "^(.-)%."), string.match("-12.5e3", "^[+-]?%d+%.?%d*[eE]?[+-]?%d*$"))',
    'print(string.gsub("a,b,,c", ",", ";"), ("x"):rep(3, ","))',
    'print(string.match("  x", "^%s+()"), string.find("a\\0b", "\\0", 1, true), string.match("a\\0b", "%z"))',
    'print(string.gsub("hello world", "%s", "%%20"))',
    'print(string.match("key: value", "^(%w+):%s*(.+)$"))',
    'print(string.gsub("abc", ".", {a = 1, b = true}))',
    'print(pcall(string.gsub, "abc", ".", {a = {}}))',
    'print(string.match("áé", "[\\128-\\255]+"))',
    'print(("%a%c%d%l%p%s%u%w%x"):len(), string.match("Az09_!", "%W"), string.match("Az09_!", "%A+"), string.match("abc123", "%D+"))',
  ],
  control_flow: [
    'local s = 0 for i = 1, 10 do s = s + i end print(s)',
    'for i = 10, 1, -3 do io = nil print(i) end',
    'for i = 1, 3 do local x = i * 2 print(x) end for i = 1, 0 do print("never") end',
    'for i = 0.1, 1, 0.3 do print(i) end',
    'for i = "1", "3" do print(i, type(i)) end',
    'print(pcall(function() for i = 1, "x" do end end))',
    'print(pcall(function() for i = nil, 1 do end end))',
    'print(pcall(function() for i = 1, 2, {} do end end))',
    'local i = 1 while i < 100 do i = i * 2 end print(i)',
    'local i = 0 repeat local j = i i = i + 1 until j >= 3 print(i)',
    'for i = 1, 10 do if i == 4 then break end print(i) end',
    'local x = 5 if x > 10 then print("big") elseif x > 3 then print("medium") else print("small") end',
    'local t = {} for i = 1, 3 do t[i] = function() return i end end print(t[1](), t[2](), t[3]())',
    'local t = {} local i = 1 while i <= 3 do local j = i t[i] = function() return j end i = i + 1 end print(t[1](), t[3]())',
    'local t = {} for k, v in pairs({a = 1}) do t[1] = function() return k, v end end print(t[1]())',
    'local t = {} local i = 1 repeat local x = i t[i] = function() x = x + 10 return x end i = i + 1 until i > 2 print(t[1](), t[1](), t[2]())',
    'do local a = 1 do local a = 2 print(a) end print(a) end',
    'local a, b, c = 1 print(a, b, c) local d, e = 1, 2, 3 print(d, e)',
    'local a, b = (function() return 1, 2 end)() print(a, b)',
    'local x, y = 1, 2 x, y = y, x print(x, y)',
    'local t = {} local i = 1 i, t[i] = i + 1, 20 print(i, t[1], t[2])',
    'local t = {} t[1], t[1] = 1, 2 print(t[1])',
    'a, b, c = (function() return 1, 2, 3 end)() print(a, b, c)',
    'local function f(...) return select("#", ...) end print(f(), f(nil), f(nil, nil), f(1, nil))',
    'local function f(...) local a, b = ... return a, b end print(f(1), f(1, 2, 3))',
    'local function f(...) return ... end print(f(1, 2, 3), (f(1, 2, 3)))',
    'local function f() return end print(f(), select("#", f()))',
    'local function f(a, b) return a, b end print(f(1, 2, 3), f())',
    'print(((function() return 1, 2 end)()))',
    'local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end print(fact(10), fact(20))',
    'local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end print(fib(20))',
    'local t = {} function t.f(x) return x end function t:g(x) return self == t, x end print(t.f(1), t:g(2))',
    'local o = {v = 5} function o.get(self) return self.v end print(o:get())',
    'print(1 and 2, nil and 1, false or "x", nil or false, 1 or error("no"), not nil, not 0)',
    'local x = nil print(x == nil and "nil" or "not")',
    'goto = 1 print(goto)',
  ],
  errors: [
    'error("boom")',
    'error("boom", 0)',
    'error("boom", 2)',
    'error({code = 1})',
    'error()',
    'error(42)',
    'local function f() error("deep", 2) end local function g() f() end g()',
    'print(pcall(error, "x"))',
    'print(pcall(error, "x", 1))',
    'print(pcall(function() error("x", 1) end))',
    'print(pcall(function() error("x", 2) end))',
    'print(pcall(function() error("x", 3) end))',
    'local function lib(v) if not v then error("bad value", 3) end end local function api(v) lib(v) end\nprint(pcall(api, nil))',
    'print(xpcall(function() error("x", 3) end, function(m) return "H:" .. m end))',
    'print(pcall(error, "y", 2), pcall(error, "z", 3))',
    'print(pcall(function() error({}) end))',
    'print(pcall(function() error(nil) end))',
    'print(select("#", pcall(error)))',
    'print(pcall(function() local x = nil; x.y = 1 end))',
    'print(pcall(function() local x = nil; return x.y.z end))',
    'print(pcall(function() return undefinedglobal.field end))',
    'print(pcall(function() undefinedfn() end))',
    'print(pcall(function() local t = {} t.a.b.c = 1 end))',
    'print(pcall(function() local t = {} t:nomethod() end))',
    'print(pcall(function() local t = {} return t[1][2] end))',
    'print(pcall(function() local up = nil return (function() return up.x end)() end))',
    'print(pcall(function() local up = nil return (function() return up() end)() end))',
    'print(pcall(function() return ("x")() end))',
    'print(pcall(function() return #5 end))',
    'print(pcall(function() local n = nil return #n end))',
    'print(xpcall(function() error("E") end, function(m) return "handled: " .. m end))',
    'print(xpcall(function() return 1, 2 end, print))',
    'print(xpcall(function() error("x") end, function(m) error("y") end))',
    'print(xpcall(function() error("x") end, function(m) return nil_fn() end))',
    'print(xpcall(function() return 1 end, nil), pcall(xpcall, function() error("x") end, nil))',
    'print(xpcall(function() error({}) end, function(m) return type(m) end))',
    'print(pcall(assert, false))',
    'print(pcall(assert, nil, "custom"))',
    'print(pcall(assert, 1, 2, 3))',
    'print(pcall(assert))',
    'print(pcall(function() assert(false, "in fn") end))',
    'local ok, e = pcall(error, setmetatable({}, {__tostring = function() return "custom err" end})) print(ok, tostring(e))',
    'print(pcall(string.rep)) print(pcall(function() return string.rep() end)) print(pcall(function() return ("x"):rep() end))',
    'print(pcall(function() return ("x"):bad() end))',
    'print(pcall(function() return math.floor("a") end))',
    'print(pcall(setmetatable, 1, {}))',
    'print(pcall(function() local a = {} .. {} end))',
    'x = 1 +',
    'local x = = 1',
    'local x = 3..2',
    'x = "abc',
    'function f() return 1',
    'f(',
    'local t = {1,2',
    'function f() return ... end',
    'break',
    'for i=1 do end',
    'a.b:c = 1',
    'x = [==[ abc',
    'x = 0x',
    'x = 1e',
    "x = '\\300'",
    'if x then',
    'local function 1',
    'return return',
    'x = }',
    '--[[ abc',
    'f() = 1',
    'x',
    'x = 1 y = 2 3',
    'local t = {} t.x',
    'for i in 1 do end',
    'for a.b = 1, 2 do end',
    'while true do',
    'repeat x = 1',
    'x = 1 = 2',
    'local x <const> = 1',
    'x = function(a, 1) end',
    'x = #',
    'print("a" "b")',
    'x = [[ a [[ b ]] ]]',
    'x = [=',
    'x = @',
    'x = "a\nb"',
    'return 1; return 2',
    '(f)\n(g)',
    'local a = {} a.b.c = 1',
  ],
  metatables: [
    'local mt = {__add = function(a, b) return "added" end} local t = setmetatable({}, mt) print(t + 1, 1 + t, t + t)',
    'local mt = {__eq = function(a, b) return true end} local a, b = setmetatable({}, mt), setmetatable({}, mt) print(a == b, a ~= b, a == {})',
    'local mt = {__lt = function(a, b) return true end, __le = function() return false end} local a, b = setmetatable({}, mt), setmetatable({}, mt) print(a < b, a <= b, a > b, a >= b)',
    'local mt = {__lt = function(a, b) return false end} local a, b = setmetatable({}, mt), setmetatable({}, mt) print(a <= b)',
    'local mt = {__concat = function(a, b) return "cat" end} local t = setmetatable({}, mt) print(t .. "x", "x" .. t, 1 .. t)',
    'local mt = {__unm = function(a) return "neg" end} print(-setmetatable({}, mt))',
    'local mt = {__len = function() return 42 end} print(#setmetatable({}, mt))',
    'local mt = {__call = function(self, a, b) return a + b end} local t = setmetatable({}, mt) print(t(1, 2))',
    'local mt = {__tostring = function() return "OBJ" end} print(tostring(setmetatable({}, mt))) print(setmetatable({}, mt))',
    'local mt = {__index = {x = 1}} local t = setmetatable({}, mt) print(t.x, t.y)',
    'local base = {greet = function(self) return "hi " .. self.name end} local obj = setmetatable({name = "bob"}, {__index = base}) print(obj:greet())',
    'local log = {} local t = setmetatable({}, {__newindex = function(t, k, v) log[#log+1] = k rawset(t, k, v * 2) end}) t.a = 1 t.a = 5 print(t.a, #log)',
    'local store = {} local t = setmetatable({}, {__newindex = store}) t.x = 1 print(rawget(t, "x"), store.x)',
    'local t = setmetatable({}, {__metatable = "locked"}) print(getmetatable(t), pcall(setmetatable, t, {}))',
    'print(getmetatable("abc").__index == string, getmetatable({}), getmetatable(1))',
    'local mt = {} mt.__index = mt local a = setmetatable({}, mt) mt.v = 3 print(a.v)',
    'local mt = {__mod = function() return "mod" end, __pow = function() return "pow" end, __div = function() return "div" end, __mul = function() return "mul" end, __sub = function() return "sub" end} local t = setmetatable({}, mt) print(t % 1, t ^ 2, t / 3, t * 4, t - 5)',
    'local mt = {__index = function(t, k) return k * 2 end} local t = setmetatable({}, mt) print(t[21])',
    'local A = setmetatable({}, {__index = function(t, k) return "A" .. k end}) local B = setmetatable({}, {__index = A}) print(B.x)',
    'print(pcall(function() local t = setmetatable({}, {__index = function(t, k) error("idx " .. k) end}) return t.foo end))',
    'setmetatable(_G, {__index = function(t, n) error("Script attempted to access nonexistent global variable \'" .. tostring(n) .. "\'", 2) end}) print(pcall(function()\n return undefined_x end)) setmetatable(_G, nil)',
    'local t = setmetatable({}, {__newindex = function(t, k, v) error("no writes: " .. k, 2) end}) print(pcall(function()\n\n t.x = 1 end))',
    'local t = setmetatable({}, {__add = function(a, b) error("bad add", 2) end}) print(pcall(function()\n return t + 1 end))',
    'local t = setmetatable({}, {__tostring = function() error("ts", 2) end}) print(pcall(function()\n return tostring(t) end))',
    'local t = setmetatable({}, {__add = function(a, b) return 10 end}) print("5" + t)',
    'print(rawequal(setmetatable({}, {__eq = function() return true end}), {}))',
    'local x = setmetatable({}, {__le = function() return true end}) print(pcall(function() return x < x end))',
  ],
  closures_upvalues: [
    'local function counter() local n = 0 return function() n = n + 1 return n end end local c1, c2 = counter(), counter() print(c1(), c1(), c2())',
    'local a = 1 local function f() a = a + 1 end f() f() print(a)',
    'local fs = {} for i = 1, 3 do local j = i fs[i] = function() j = j + 1 return j end end print(fs[1](), fs[1](), fs[2]())',
    'local function outer() local x = 0 local function inc() x = x + 1 end local function get() return x end return inc, get end local i, g = outer() i() i() print(g())',
    'local x = 10 local function f() return x end x = 20 print(f())',
    'local function mk(n) return function(m) return n + m end end print(mk(1)(2), mk(10)(5))',
  ],
  varargs_select: [
    'local function f(...) local t = {...} return #t, ... end print(f(1, 2, 3))',
    'local function f(...) return select(2, ...) end print(f("a", "b", "c"))',
    'local function f(a, ...) return a, select("#", ...) end print(f(1, 2, 3))',
    'print(select(2, "a", "b"), select(3, "a", "b"))',
    'local function f(...) return (...) end print(f(1, 2))',
    'local function g(...) return ... end local t = {g(1, 2), g(3, 4)} print(#t, t[1], t[2], t[3])',
    'print(pcall(select, -5, 1))',
    'print(math.max(1, 5, 3), math.min(4, 2, 8), pcall(math.max))',
  ],
  coroutines: [
    'local co = coroutine.create(function(a, b) local c = coroutine.yield(a + b) local d, e = coroutine.yield(c * 2) return d + e end) print(coroutine.resume(co, 1, 2)) print(coroutine.resume(co, 10)) print(coroutine.resume(co, 3, 4)) print(coroutine.resume(co)) print(coroutine.status(co))',
    'local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) print(gen(), gen(), gen())',
    'local co = coroutine.create(function() error("inside") end) print(coroutine.resume(co)) print(coroutine.status(co))',
    'local co = coroutine.create(function() error({}) end) local ok, e = coroutine.resume(co) print(ok, type(e))',
    'print(coroutine.running()) local co co = coroutine.create(function() print(coroutine.running() == co, coroutine.status(co)) end) coroutine.resume(co)',
    'print(pcall(coroutine.yield))',
    'local co = coroutine.create(function() local ok, e = pcall(coroutine.yield, 1) print(ok, e) end) print(coroutine.resume(co))',
    'local t = setmetatable({}, {__index = function(t, k) return coroutine.yield(k) end}) local co = coroutine.create(function() return t.x end) print(coroutine.resume(co))',
    'local co = coroutine.create(function() local co2 = coroutine.create(function() coroutine.yield("inner") return "done2" end) print(coroutine.resume(co2)) coroutine.yield("outer") print(coroutine.resume(co2)) end) print(coroutine.resume(co)) print(coroutine.resume(co))',
    'local f = coroutine.wrap(function() error("werr") end) print(pcall(f))',
    'local co = coroutine.create(function() end) coroutine.resume(co) print(coroutine.resume(co))',
    'print(pcall(coroutine.create, print))',
    'print(pcall(coroutine.resume, 1))',
    'local co co = coroutine.create(function() return coroutine.resume(co) end) print(coroutine.resume(co))',
    'local function gen(n) return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end) end local s = 0 for v in gen(100) do s = s + v end print(s)',
    'local co = coroutine.create(function(...) print(select("#", ...)) print(select("#", coroutine.yield())) end) coroutine.resume(co, nil, nil) coroutine.resume(co)',
  ],
  environments: [
    'x = 5 local f = function() return x end setfenv(f, {x = 7}) print(f(), x)',
    'local env = {print = print} setfenv(1, env) y = 3 print(y, env.y)',
    'print(getfenv(print) == _G, getfenv() == _G, getfenv(0) == _G)',
    'local f = loadstring("return 1 + 1") print(f())',
    'print(loadstring("x = "))',
    'print(loadstring("x = ", "chunky"))',
    'print(loadstring("error(\'e\')", "=named"))',
    'print(pcall(loadstring("error(\'e\')", "=named")))',
    'print(pcall(loadstring("local x = nil; return x.y")))',
    'print(pcall(loadstring("return 1 +", "@file.lua")))',
    'print(pcall(loadstring(("x = 1\\n"):rep(3) .. "error(\'line4\')")))',
    'print(loadstring("return ...")(1, 2))',
    'print(_VERSION, _G._G == _G, _G.print == print)',
    'local function f(...) return arg end local t = f(1, nil, 3) print(t.n, t[1], t[2], t[3], #f())',
    'local function f(...) local x = ... return arg end print(f(1, 2))',
    'arg = "global" local function f(a, ...) return arg end local function g() return arg end print(type(f(1)), g())',
    'print(select("#", unpack({}, 1, 7997)), pcall(unpack, {}, 1, 7998))',
    'print(pcall(string.byte, string.rep("x", 8000), 1, -1))',
    'print(rawget(_G, "undefined_thing"))',
  ],
  realworld: [
    `local store = {}
redis = {}
function redis.call(cmd, ...)
  cmd = string.upper(cmd)
  local a = {...}
  if cmd == 'GET' then return store[a[1]] or false
  elseif cmd == 'SET' then store[a[1]] = tostring(a[2]) return {ok = 'OK'}
  elseif cmd == 'DEL' then local n = 0 for i = 1, #a do if store[a[i]] ~= nil then n = n + 1 store[a[i]] = nil end end return n
  elseif cmd == 'INCR' or cmd == 'INCRBY' then local v = (tonumber(store[a[1]]) or 0) + (tonumber(a[2]) or 1) store[a[1]] = tostring(v) return v
  elseif cmd == 'HSET' or cmd == 'HMSET' then local h = store[a[1]] or {} store[a[1]] = h local n = 0 for i = 2, #a, 2 do if h[a[i]] == nil then n = n + 1 end h[a[i]] = tostring(a[i + 1]) end return n
  elseif cmd == 'HGET' then local h = store[a[1]] return h and h[a[2]] or false
  elseif cmd == 'HMGET' then local h = store[a[1]] or {} local r = {} for i = 2, #a do r[i - 1] = h[a[i]] or false end return r
  elseif cmd == 'EXISTS' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'PEXPIRE' or cmd == 'EXPIRE' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'RPUSH' or cmd == 'LPUSH' then local l = store[a[1]] or {} store[a[1]] = l for i = 2, #a do if cmd == 'RPUSH' then table.insert(l, a[i]) else table.insert(l, 1, a[i]) end end return #l
  elseif cmd == 'LRANGE' then local l = store[a[1]] or {} local r = {} for i = tonumber(a[2]) + 1, math.min(#l, tonumber(a[3]) >= 0 and tonumber(a[3]) + 1 or #l + tonumber(a[3]) + 1) do r[#r + 1] = l[i] end return r
  end
  error('ERR unknown command ' .. cmd)
end
function redis.pcall(...) local ok, r = pcall(redis.call, ...) if ok then return r end return {err = r} end
local function dump(v, ind) ind = ind or '' if type(v) ~= 'table' then return tostring(v) end local keys = {} for k in pairs(v) do keys[#keys + 1] = k end table.sort(keys, function(x, y) return tostring(x) < tostring(y) end) local o = {} for _, k in ipairs(keys) do o[#o + 1] = tostring(k) .. '=' .. dump(v[k]) end return '{' .. table.concat(o, ',') .. '}' end
KEYS = {'rl:user1'} ARGV = {'10', '1', '1700000000', '1'}
local key = KEYS[1]
local capacity, rate, now, requested = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local fill_time = capacity / rate
local ttl = math.floor(fill_time * 2)
for step = 1, 14 do
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local last_tokens = tonumber(state[1]) or capacity
  local last_refreshed = tonumber(state[2]) or 0
  local delta = math.max(0, now - last_refreshed)
  local filled = math.min(capacity, last_tokens + (delta * rate))
  local allowed = filled >= requested
  local new_tokens = filled
  if allowed then new_tokens = filled - requested end
  redis.call('HMSET', key, 'tokens', new_tokens, 'ts', now)
  redis.call('PEXPIRE', key, ttl * 1000)
  print(step, allowed and 1 or 0, new_tokens)
  if step % 5 == 0 then now = now + 3 end
end`,
    `local store = {}
redis = {}
function redis.call(cmd, ...)
  cmd = string.upper(cmd)
  local a = {...}
  if cmd == 'GET' then return store[a[1]] or false
  elseif cmd == 'SET' then store[a[1]] = tostring(a[2]) return {ok = 'OK'}
  elseif cmd == 'DEL' then local n = 0 for i = 1, #a do if store[a[i]] ~= nil then n = n + 1 store[a[i]] = nil end end return n
  elseif cmd == 'INCR' or cmd == 'INCRBY' then local v = (tonumber(store[a[1]]) or 0) + (tonumber(a[2]) or 1) store[a[1]] = tostring(v) return v
  elseif cmd == 'HSET' or cmd == 'HMSET' then local h = store[a[1]] or {} store[a[1]] = h local n = 0 for i = 2, #a, 2 do if h[a[i]] == nil then n = n + 1 end h[a[i]] = tostring(a[i + 1]) end return n
  elseif cmd == 'HGET' then local h = store[a[1]] return h and h[a[2]] or false
  elseif cmd == 'HMGET' then local h = store[a[1]] or {} local r = {} for i = 2, #a do r[i - 1] = h[a[i]] or false end return r
  elseif cmd == 'EXISTS' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'PEXPIRE' or cmd == 'EXPIRE' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'RPUSH' or cmd == 'LPUSH' then local l = store[a[1]] or {} store[a[1]] = l for i = 2, #a do if cmd == 'RPUSH' then table.insert(l, a[i]) else table.insert(l, 1, a[i]) end end return #l
  elseif cmd == 'LRANGE' then local l = store[a[1]] or {} local r = {} for i = tonumber(a[2]) + 1, math.min(#l, tonumber(a[3]) >= 0 and tonumber(a[3]) + 1 or #l + tonumber(a[3]) + 1) do r[#r + 1] = l[i] end return r
  end
  error('ERR unknown command ' .. cmd)
end
function redis.pcall(...) local ok, r = pcall(redis.call, ...) if ok then return r end return {err = r} end
local function dump(v, ind) ind = ind or '' if type(v) ~= 'table' then return tostring(v) end local keys = {} for k in pairs(v) do keys[#keys + 1] = k end table.sort(keys, function(x, y) return tostring(x) < tostring(y) end) local o = {} for _, k in ipairs(keys) do o[#o + 1] = tostring(k) .. '=' .. dump(v[k]) end return '{' .. table.concat(o, ',') .. '}' end
KEYS = {'lock:res'} ARGV = {'token-123'}
redis.call('SET', KEYS[1], 'token-123')
local function release()
  if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end
end
print(release(), release())
local r = redis.pcall('NOPE', 'x') print(type(r), r.err)`,
    `local store = {}
redis = {}
function redis.call(cmd, ...)
  cmd = string.upper(cmd)
  local a = {...}
  if cmd == 'GET' then return store[a[1]] or false
  elseif cmd == 'SET' then store[a[1]] = tostring(a[2]) return {ok = 'OK'}
  elseif cmd == 'DEL' then local n = 0 for i = 1, #a do if store[a[i]] ~= nil then n = n + 1 store[a[i]] = nil end end return n
  elseif cmd == 'INCR' or cmd == 'INCRBY' then local v = (tonumber(store[a[1]]) or 0) + (tonumber(a[2]) or 1) store[a[1]] = tostring(v) return v
  elseif cmd == 'HSET' or cmd == 'HMSET' then local h = store[a[1]] or {} store[a[1]] = h local n = 0 for i = 2, #a, 2 do if h[a[i]] == nil then n = n + 1 end h[a[i]] = tostring(a[i + 1]) end return n
  elseif cmd == 'HGET' then local h = store[a[1]] return h and h[a[2]] or false
  elseif cmd == 'HMGET' then local h = store[a[1]] or {} local r = {} for i = 2, #a do r[i - 1] = h[a[i]] or false end return r
  elseif cmd == 'EXISTS' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'PEXPIRE' or cmd == 'EXPIRE' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'RPUSH' or cmd == 'LPUSH' then local l = store[a[1]] or {} store[a[1]] = l for i = 2, #a do if cmd == 'RPUSH' then table.insert(l, a[i]) else table.insert(l, 1, a[i]) end end return #l
  elseif cmd == 'LRANGE' then local l = store[a[1]] or {} local r = {} for i = tonumber(a[2]) + 1, math.min(#l, tonumber(a[3]) >= 0 and tonumber(a[3]) + 1 or #l + tonumber(a[3]) + 1) do r[#r + 1] = l[i] end return r
  end
  error('ERR unknown command ' .. cmd)
end
function redis.pcall(...) local ok, r = pcall(redis.call, ...) if ok then return r end return {err = r} end
local function dump(v, ind) ind = ind or '' if type(v) ~= 'table' then return tostring(v) end local keys = {} for k in pairs(v) do keys[#keys + 1] = k end table.sort(keys, function(x, y) return tostring(x) < tostring(y) end) local o = {} for _, k in ipairs(keys) do o[#o + 1] = tostring(k) .. '=' .. dump(v[k]) end return '{' .. table.concat(o, ',') .. '}' end
KEYS = {'q:wait', 'q:meta', 'q:id', 'q:events'} ARGV = {'q:', '', 'job-name', '1700000000123', '{"a":1}'}
local rcall = redis.call
local opts = {attempts = 3, delay = 0, lifo = false, priority = 0, backoff = {type = 'exponential', delay = 1000}}
local function storeJob(jobIdKey, jobId, name, data, opts, timestamp)
  local optsFields = {}
  for k, v in pairs(opts) do
    if type(v) ~= 'table' then table.insert(optsFields, k) table.insert(optsFields, tostring(v)) end
  end
  rcall("HMSET", jobIdKey, "name", name, "data", data, "timestamp", timestamp, unpack(optsFields))
  return #optsFields / 2
end
local ids = {}
for i = 1, 5 do
  local jobCounter = rcall("INCR", KEYS[3])
  local jobId = ARGV[2] == "" and jobCounter or ARGV[2]
  local jobIdKey = ARGV[1] .. jobId
  local n = storeJob(jobIdKey, jobId, ARGV[3], ARGV[5], opts, ARGV[4])
  local pushCmd = opts['lifo'] and 'RPUSH' or 'LPUSH'
  rcall(pushCmd, KEYS[1], jobId)
  ids[#ids + 1] = jobId .. ""
  print(jobIdKey, n, rcall("HGET", jobIdKey, "timestamp"), string.format("%s:%d:%.2f", jobIdKey, jobCounter, jobCounter / 3))
end
print(table.concat(rcall('LRANGE', KEYS[1], 0, -1), ','), dump(ids))`,
    `local store = {}
redis = {}
function redis.call(cmd, ...)
  cmd = string.upper(cmd)
  local a = {...}
  if cmd == 'GET' then return store[a[1]] or false
  elseif cmd == 'SET' then store[a[1]] = tostring(a[2]) return {ok = 'OK'}
  elseif cmd == 'DEL' then local n = 0 for i = 1, #a do if store[a[i]] ~= nil then n = n + 1 store[a[i]] = nil end end return n
  elseif cmd == 'INCR' or cmd == 'INCRBY' then local v = (tonumber(store[a[1]]) or 0) + (tonumber(a[2]) or 1) store[a[1]] = tostring(v) return v
  elseif cmd == 'HSET' or cmd == 'HMSET' then local h = store[a[1]] or {} store[a[1]] = h local n = 0 for i = 2, #a, 2 do if h[a[i]] == nil then n = n + 1 end h[a[i]] = tostring(a[i + 1]) end return n
  elseif cmd == 'HGET' then local h = store[a[1]] return h and h[a[2]] or false
  elseif cmd == 'HMGET' then local h = store[a[1]] or {} local r = {} for i = 2, #a do r[i - 1] = h[a[i]] or false end return r
  elseif cmd == 'EXISTS' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'PEXPIRE' or cmd == 'EXPIRE' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'RPUSH' or cmd == 'LPUSH' then local l = store[a[1]] or {} store[a[1]] = l for i = 2, #a do if cmd == 'RPUSH' then table.insert(l, a[i]) else table.insert(l, 1, a[i]) end end return #l
  elseif cmd == 'LRANGE' then local l = store[a[1]] or {} local r = {} for i = tonumber(a[2]) + 1, math.min(#l, tonumber(a[3]) >= 0 and tonumber(a[3]) + 1 or #l + tonumber(a[3]) + 1) do r[#r + 1] = l[i] end return r
  end
  error('ERR unknown command ' .. cmd)
end
function redis.pcall(...) local ok, r = pcall(redis.call, ...) if ok then return r end return {err = r} end
local function dump(v, ind) ind = ind or '' if type(v) ~= 'table' then return tostring(v) end local keys = {} for k in pairs(v) do keys[#keys + 1] = k end table.sort(keys, function(x, y) return tostring(x) < tostring(y) end) local o = {} for _, k in ipairs(keys) do o[#o + 1] = tostring(k) .. '=' .. dump(v[k]) end return '{' .. table.concat(o, ',') .. '}' end
local keys = {}
for i = 1, 12000 do keys[i] = 'k' .. i redis.call('SET', keys[i], i) end
local deleted = 0
for i = 1, #keys, 5000 do
  deleted = deleted + redis.call('DEL', unpack(keys, i, math.min(i + 4999, #keys)))
end
print(deleted, #keys, redis.call('EXISTS', 'k1'))
print(pcall(unpack, keys))`,
    `local store = {}
redis = {}
function redis.call(cmd, ...)
  cmd = string.upper(cmd)
  local a = {...}
  if cmd == 'GET' then return store[a[1]] or false
  elseif cmd == 'SET' then store[a[1]] = tostring(a[2]) return {ok = 'OK'}
  elseif cmd == 'DEL' then local n = 0 for i = 1, #a do if store[a[i]] ~= nil then n = n + 1 store[a[i]] = nil end end return n
  elseif cmd == 'INCR' or cmd == 'INCRBY' then local v = (tonumber(store[a[1]]) or 0) + (tonumber(a[2]) or 1) store[a[1]] = tostring(v) return v
  elseif cmd == 'HSET' or cmd == 'HMSET' then local h = store[a[1]] or {} store[a[1]] = h local n = 0 for i = 2, #a, 2 do if h[a[i]] == nil then n = n + 1 end h[a[i]] = tostring(a[i + 1]) end return n
  elseif cmd == 'HGET' then local h = store[a[1]] return h and h[a[2]] or false
  elseif cmd == 'HMGET' then local h = store[a[1]] or {} local r = {} for i = 2, #a do r[i - 1] = h[a[i]] or false end return r
  elseif cmd == 'EXISTS' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'PEXPIRE' or cmd == 'EXPIRE' then return store[a[1]] ~= nil and 1 or 0
  elseif cmd == 'RPUSH' or cmd == 'LPUSH' then local l = store[a[1]] or {} store[a[1]] = l for i = 2, #a do if cmd == 'RPUSH' then table.insert(l, a[i]) else table.insert(l, 1, a[i]) end end return #l
  elseif cmd == 'LRANGE' then local l = store[a[1]] or {} local r = {} for i = tonumber(a[2]) + 1, math.min(#l, tonumber(a[3]) >= 0 and tonumber(a[3]) + 1 or #l + tonumber(a[3]) + 1) do r[#r + 1] = l[i] end return r
  end
  error('ERR unknown command ' .. cmd)
end
function redis.pcall(...) local ok, r = pcall(redis.call, ...) if ok then return r end return {err = r} end
local function dump(v, ind) ind = ind or '' if type(v) ~= 'table' then return tostring(v) end local keys = {} for k in pairs(v) do keys[#keys + 1] = k end table.sort(keys, function(x, y) return tostring(x) < tostring(y) end) local o = {} for _, k in ipairs(keys) do o[#o + 1] = tostring(k) .. '=' .. dump(v[k]) end return '{' .. table.concat(o, ',') .. '}' end
local function split(s, sep) local out = {} for piece in string.gmatch(s, "([^" .. sep .. "]+)") do out[#out + 1] = piece end return out end
local parts = split("bull:queue:job:42", ":")
print(#parts, parts[4], table.concat(parts, "/"))
local prefix, id = string.match("bull:queue:42", "^(.*):(%d+)$") print(prefix, id, tonumber(id) + 1)
local s = string.gsub("a.b.c", "%.", ":") print(s)
local t = {} for w in string.gmatch("one,two,,three", "([^,]*)") do t[#t + 1] = "[" .. w .. "]" end print(table.concat(t))
local cnt = 0 for k, v in pairs({a = 1, b = 2, c = 3, [1] = "x", [2] = "y"}) do cnt = cnt + 1 end print(cnt)
print(string.format("%q", "line1\\nline2\\t\\"quoted\\"\\0end"))
print(tostring(1e15), tostring(123456789012), 2^31, 2^32 + 0.5, -2^63, 100 / 3, 0.1 * 3)`,
  ],
  syntax: [
    'local a = {b = {c = {}}} function a.b.c:d(x) return self == a.b.c, x end print(a.b.c:d(5))',
    'local t = {1, 2, 3;} print(#t) local u = {[1] = 1; 2} print(u[1])',
    'print(0x10, 0xff, 0XA, 1e2, 1E-2, .5, 3., 0x1p4)',
    'print(1 + -2, 2 - -2, - - 2, not not nil, -2 ^ 2, 2 ^ -1, 2 ^ 3 ^ 2)',
    'print(1 .. 2 == "12", "a" .. "b" == "ab" and 1 or 2, 1 < 2 == true)',
    'print(#"abc" + 1, -#"ab", #{1, 2} * 2)',
    'local s = "a\\r\\nb" print(#s, s:byte(2), s:byte(3))',
    'print("\\97\\98\\099", "\\x41", "\\z", "\\q")',
    'print([[\nfirst newline skipped]], [==[\n]]]==], #[[\n\n]])',
    'local x = 1 -- comment\n--[[ block\ncomment ]] print(x) --[==[ another ]==] print(x + 1)',
    'print(("x"):len(), #"\\0\\1\\2", ("%s"):format("y"))',
    'do local function f() return 1 end print(f()) end',
    'local a, b = 1 a, b = b, a print(a, b)',
    'local t = {f = function(self, x) return x * 2 end} print(t:f(4), t.f(t, 5))',
    'print(type(nil) == "nil", (nil))',
    'local function v(...) return select("#", ...) end print(v(nil, nil, nil), v((v())))',
    'local t = {} t.a, t.b = 1 print(t.a, t.b)',
    'while false do end repeat until true for i = 1, 0 do end print("ok")',
    'local i = 10 for i = 1, 2 do end print(i)',
    'for i = 1, 3 do i = i * 10 print(i) end',
    'local t = {} for i = 1, 3 do t[#t + 1] = function() return i end i = 0 end print(t[1](), t[2]())',
    'print(math.max(3, 1, 2), math.min(3, 1, 2), math.max(-0, 0), math.floor(2^31 + 0.5))',
    'local t = setmetatable({}, {__index = table}) t:insert("a") t:insert("b") print(t:concat(","))',
    'local s = 0 for i = 10, 1, -1 do s = s + i end print(s) for i = 1, 3, 0.5 do s = s + i end print(s)',
    'print(pcall(function() for i = 1, 10, 0 do error("zero step runs") end end))',
    'local x = 0 for i = 1.5, 3.5 do x = x + i end print(x)',
    'print(2^1023 * 2 == math.huge, -(2^1023 * 2), math.huge // 1)',
    'if nil then elseif false then else print("else") end',
    'return',
    'return 1, 2',
    'local t = {n = 0} function t:inc() self.n = self.n + 1 return self end t:inc():inc():inc() print(t.n)',
    'print(("abc"):sub(2):upper():rep(2))',
    'local f = function(...) local a, b, c = ..., "x" return a, b, c end print(f(1, 2, 3))',
    'print(#{n = 1}, #{nil}, #{nil, 1}, #{1, nil}, #{1, nil, 3}, #{[2] = 2})',
    'local t = {} t[2^53] = 1 t[-0] = "z" print(t[2^53], t[0], next(t) ~= nil)',
    'print(string.format("%5s|%-5s|%05.1f", "ab", "cd", 3.14159))',
    'print(tostring(1e300 * 1e300), tostring(-1e300 * 1e300), 2^63 == 2^63 + 1)',
    'print(8 % 3.5, -8 % 3.5, 8 % -3.5, 2^0, 0^0, 0^-1)',
  ],
  math_lib: [
    'print(math.floor(3.7), math.ceil(3.2), math.abs(-4), math.max(1, 2), math.min(1, 2), math.sqrt(16), math.fmod(7, 3), math.fmod(-7, 3))',
    'print(math.modf(3.7), math.modf(-3.7), math.frexp(8), math.ldexp(0.5, 4), math.log(1), math.log10(1000), math.exp(0))',
    'print(math.mod(7, 3), math.pow(2, 8), math.deg(math.pi), math.rad(180), math.sin(0), math.cos(0))',
    'print(pcall(math.floor), pcall(math.random, 0), pcall(math.random, 2, 1), pcall(math.random, 1, 2, 3))',
    'math.randomseed(42) local a = math.random(100) math.randomseed(42) print(a == math.random(100))',
    'math.randomseed(7) print(math.random(1, 1000), math.random(1, 1000), math.random(10))',
    'print(math.huge > 1e308, -math.huge < -1e308, math.floor(-0.0))',
    'print(math.atan2(1, 1), math.tan(0), math.asin(1), math.acos(1), math.atan(1))',
  ],
};
