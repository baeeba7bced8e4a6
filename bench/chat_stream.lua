-- wrk script: the chat completion of chat.lua with "stream":true (body in
-- chat_stream.json). wrk counts a request as done when the chunked SSE
-- response ends, so its latency is the time to the whole stream.
body_file = "chat_stream.json"
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua")
