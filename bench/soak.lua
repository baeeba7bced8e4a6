-- wrk script for bench/soak.sh: a rotating mix of chat completions, every
-- answer checked.
--
-- Each wrk thread walks SCHEDULE, one request kind per request, starting at
-- its own offset so that threads are out of step. The model names are the
-- ones soak.sh puts in its config:
--
--   chat     non-streaming, healthy
--   stream   streaming with stream_options.include_usage, healthy
--   echo     the upstream repeats the last user message, which carries an
--            e-mail address: the gateway sends a placeholder upstream and has
--            to put the address back, whole or across stream chunks
--   down     the upstream always answers 503; the gateway retries, then falls
--            back to chat (and skips it while its breaker is open)
--   flaky    the upstream fails the first request for this name only, so one
--            request in the whole run has to be retried
--
-- wrk does not tell response() which request an answer belongs to, so the
-- checks go by what the answer says of itself: its status, its content type
-- (a stream or not) and its x-switchyard-model header (the model that
-- answered). An answer is an error when it is
--
--   non2xx       any status outside 200..299
--   no_done      a stream without "data: [DONE]"
--   error_event  a stream carrying an "error" event
--   no_usage     a stream without its usage chunk (every stream asks for one)
--   bad_body     a non-streaming answer without "choices"
--   bad_echo     an echo answer whose text is not one of the prompts sent,
--                e.g. a placeholder left in or an address cut
--
-- One wrk run covers the warm-up and the measured phase, so that the
-- connections stay open across the boundary; answers are counted per phase,
-- by the time they arrive: the first BENCH_SOAK_WARMUP seconds (from the
-- environment) are the warm-up.
--
-- done() prints lines for soak.sh: per phase the answers, the errors of each
-- kind, the answers by status and by model; for the whole run wrk's request
-- count, latency and socket errors; and the first failing bodies of each
-- kind, to help find the cause.

local SCHEDULE = {
   "chat", "stream", "echo", "chat", "stream", "down", "chat", "stream", "echo_stream", "chat",
   "stream", "flaky", "chat", "stream", "echo", "chat", "stream", "down_stream", "stream",
   "echo_stream",
}

local ERROR_KINDS = { "non2xx", "no_done", "error_event", "no_usage", "bad_body", "bad_echo" }
local PHASES = { "warm-up", "measured" }

-- Failing bodies kept per kind and thread, and how much of each.
local SAMPLES_PER_KIND = 2
local SAMPLE_BYTES = 600

local QUESTIONS = {
   "Say hello in five words.",
   "Name three primary colours.",
   "What is the capital of France?",
   "Give me a synonym for quick.",
   "How many days are in a leap year?",
   "Suggest a name for a grey cat.",
}

local ECHO_TEMPLATES = {
   "Please send the refund confirmation to %s today.",
   "My account email is %s, can you check my last order?",
   "Forward the meeting notes to %s and copy me.",
   "Update the billing contact for our team to %s please.",
}

-- 50 addresses and 16 conversations: a bounded set of values, so the
-- conversation vault fills during the warm-up and then stays the same size.
local ADDRESSES = 50
local CONVERSATIONS = 16

local function address(i)
   return string.format("customer%02d@example.org", i)
end

-- Every text an echo answer may rightly carry.
local ECHO_PROMPTS = {}
for i = 0, ADDRESSES - 1 do
   for _, template in ipairs(ECHO_TEMPLATES) do
      ECHO_PROMPTS[string.format(template, address(i))] = true
   end
end

local function chat_body(model, prompt, stream)
   local tail = ""
   if stream then
      tail = ',"stream":true,"stream_options":{"include_usage":true}'
   end
   return string.format(
      '{"model":"%s","messages":[{"role":"system","content":"You are terse."},' ..
      '{"role":"user","content":"%s"}],"max_tokens":64%s}', model, prompt, tail)
end

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
   int clock_gettime(int clock, soak_timespec *out);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("soak_timespec")

local function now_s()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
   return tonumber(now_ts.tv_sec) + tonumber(now_ts.tv_nsec) / 1e9
end

-- --- the main state: threads and the summary -----------------------------

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_index", #threads)
end

-- --- each thread's state: requests and checks -----------------------------

local step = 0        -- requests made by this thread
local echo_step = 0   -- echo requests made by this thread
local measured_from = 0  -- now_s() when the warm-up ends

-- What done() reads from each thread. Both are flat, since wrk's
-- thread:get() cannot copy a table of tables out of a thread:
--   tally    "phase what" -> answers, where what is "answers", an error
--            kind, "status 200" or "model chat"
--   samples  the first failing bodies, as "kind status N: body" strings
tally = {}
samples = {}
local sampled = {}    -- error kind -> bodies kept in samples

function init(args)
   step = ((thread_index or 1) - 1) * 7
   echo_step = ((thread_index or 1) - 1) * 13
   measured_from = now_s() + (tonumber(os.getenv("BENCH_SOAK_WARMUP")) or 0)
   for _, kind in ipairs(ERROR_KINDS) do
      sampled[kind] = 0
   end
end

local function count(phase, what)
   local key = phase .. " " .. what
   tally[key] = (tally[key] or 0) + 1
end

local function headers(conversation)
   local h = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer sk-soak-placeholder",
   }
   if conversation then
      h["x-switchyard-conversation-id"] = conversation
   end
   return h
end

local function echo_request(stream)
   local i = echo_step
   echo_step = echo_step + 1
   local template = ECHO_TEMPLATES[i % #ECHO_TEMPLATES + 1]
   local prompt = string.format(template, address(i % ADDRESSES))
   -- Every other echo request belongs to a conversation, so both the
   -- per-request and the per-conversation placeholders are used.
   local conversation = nil
   if i % 2 == 1 then
      conversation = string.format("soak-conversation-%02d", math.floor(i / 2) % CONVERSATIONS)
   end
   return wrk.format("POST", nil, headers(conversation), chat_body("echo", prompt, stream))
end

function request()
   local kind = SCHEDULE[step % #SCHEDULE + 1]
   local question = QUESTIONS[step % #QUESTIONS + 1]
   step = step + 1

   if kind == "echo" or kind == "echo_stream" then
      return echo_request(kind == "echo_stream")
   end
   local model, stream = kind, kind == "stream"
   if kind == "down_stream" then
      model, stream = "down", true
   end
   return wrk.format("POST", nil, headers(nil), chat_body(model, question, stream))
end

local function header(all, name)
   for key, value in pairs(all) do
      if key:lower() == name then
         return value
      end
   end
   return nil
end

-- The reply text: the message content of an answer, or the content deltas of
-- a stream joined. The prompts hold no quotes or escapes, so a plain match
-- is enough.
local function reply_text(body)
   local parts = {}
   for piece in body:gmatch('"content":"(.-)"') do
      table.insert(parts, piece)
   end
   return table.concat(parts)
end

local function fail(phase, kind, status, body)
   count(phase, kind)
   if sampled[kind] < SAMPLES_PER_KIND then
      sampled[kind] = sampled[kind] + 1
      table.insert(samples,
                   string.format("%s status %d: %s", kind, status, body:sub(1, SAMPLE_BYTES)))
   end
end

local function has(body, text)
   return body:find(text, 1, true) ~= nil
end

local function check_stream(phase, status, body)
   if not has(body, "data: [DONE]") then
      fail(phase, "no_done", status, body)
   end
   if has(body, '"error"') then
      fail(phase, "error_event", status, body)
   end
   if not has(body, '"prompt_tokens"') then
      fail(phase, "no_usage", status, body)
   end
end

function response(status, all_headers, body)
   local phase = now_s() < measured_from and "warm-up" or "measured"
   local model = header(all_headers, "x-switchyard-model") or "none"
   count(phase, "answers")
   count(phase, "status " .. status)
   count(phase, "model " .. model)

   if status < 200 or status > 299 then
      fail(phase, "non2xx", status, body)
      return
   end
   local content_type = header(all_headers, "content-type") or ""
   if has(content_type, "text/event-stream") then
      check_stream(phase, status, body)
   elseif not has(body, '"choices"') then
      fail(phase, "bad_body", status, body)
   end
   if model == "echo" and not ECHO_PROMPTS[reply_text(body)] then
      fail(phase, "bad_echo", status, body)
   end
end

-- --- the summary, in the main state ----------------------------------------

-- "name=count ..." for the tally entries of one phase whose what starts
-- with prefix, sorted by name.
local function joined(total, phase, prefix)
   local names = {}
   local start = #phase + 2 + #prefix
   for key in pairs(total) do
      if key:sub(1, start - 1) == phase .. " " .. prefix then
         table.insert(names, key:sub(start))
      end
   end
   table.sort(names)
   local out = {}
   for _, name in ipairs(names) do
      table.insert(out, name .. "=" .. total[phase .. " " .. prefix .. name])
   end
   return table.concat(out, " ")
end

function done(summary, latency, requests)
   local total, kept = {}, {}
   for _, thread in ipairs(threads) do
      for key, value in pairs(thread:get("tally") or {}) do
         total[key] = (total[key] or 0) + value
      end
      for _, sample in ipairs(thread:get("samples") or {}) do
         table.insert(kept, sample)
      end
   end

   for _, phase in ipairs(PHASES) do
      local line = { "soak-phase", phase, "answers=" .. (total[phase .. " answers"] or 0) }
      for _, kind in ipairs(ERROR_KINDS) do
         table.insert(line, kind .. "=" .. (total[phase .. " " .. kind] or 0))
      end
      io.write(table.concat(line, " ") .. "\n")
      io.write("soak-statuses " .. phase .. " " .. joined(total, phase, "status ") .. "\n")
      io.write("soak-models " .. phase .. " " .. joined(total, phase, "model ") .. "\n")
   end

   local errors = summary.errors
   io.write(string.format("soak-run requests=%d p50_us=%d p99_us=%d socket_errors=%d\n",
      summary.requests, latency:percentile(50), latency:percentile(99),
      errors.connect + errors.read + errors.write + errors.timeout))
   for _, sample in ipairs(kept) do
      io.write("soak-sample " .. sample:gsub("\n", "\\n") .. "\n")
   end
end
