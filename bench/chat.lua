-- wrk script: a small non-streaming chat completion (body in chat.json),
-- identical on every path.
body_file = "chat.json"
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua")
