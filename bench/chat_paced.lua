-- wrk script: chat.lua's request at a fixed rate, for the "added p99 at
-- 1,000 req/s" runs. Debian's wrk 4 has no --rate, so pacing is done here:
-- wrk asks delay() before each request, and each call claims the next slot of
-- one schedule (BENCH_PACED_RATE requests per second, for the whole thread),
-- returning the milliseconds until it. Slots are absolute, so a request sent
-- late is caught up on and the rate holds on average. Run it with one wrk
-- thread: each thread keeps its own schedule.
--
-- wrk starts a request's clock when it writes the request, after the delay, so
-- latency is the request's own time and the pacing adds nothing to it. As long
-- as a free connection is always waiting for its slot (10 connections at
-- 1,000 req/s leave 10 ms per request), no request waits for a connection.

body_file = "chat.json"
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua")

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
   int clock_gettime(int clock, bench_timespec *out);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("bench_timespec")

local function now_ms()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
   return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end

local interval_ms = 1000 / assert(tonumber(os.getenv("BENCH_PACED_RATE")), "set BENCH_PACED_RATE")
local next_slot_ms = nil

function delay()
   local now = now_ms()
   next_slot_ms = (next_slot_ms or now) + interval_ms
   return math.max(0, next_slot_ms - now)
end
