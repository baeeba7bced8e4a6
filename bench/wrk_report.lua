-- Shared part of bench/chat.lua and bench/chat_stream.lua: the request and the
-- summary line that bench/overhead.sh parses. The caller sets the global
-- `body_file` (a name in this folder) before loading this file, so the body
-- wrk sends is byte for byte the one curl and paced_load.js send.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local file = assert(io.open(here .. body_file, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
-- Every path gets the same placeholder key: the fake upstream ignores it, and
-- the Portkey gateway wants one to forward to an "openai" provider.
wrk.headers["Authorization"] = "Bearer sk-bench-placeholder"

-- One machine-readable line. Latencies are wrk's, in microseconds. Requests/s
-- counts every completed response, so non-2xx answers and socket errors are
-- reported separately; a run with any of them is flagged in the report.
function done(summary, latency, requests)
   local errors = summary.errors
   local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
   io.write(string.format(
      "wrk-result rps=%.1f p50_us=%d p99_us=%d requests=%d non2xx=%d socket_errors=%d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      summary.requests, errors.status, socket_errors))
end
