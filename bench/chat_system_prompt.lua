-- wrk script: a non-streaming chat completion with a 1,850-byte system prompt
-- (body in chat_system_prompt.json), for bench/scan_cache.sh.
body_file = "chat_system_prompt.json"
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua")
