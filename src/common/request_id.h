// Request ids: unique per process run, cheap to make on any I/O thread, safe to echo.
#pragma once

#include <string>
#include <string_view>

namespace switchyard {

// A fresh id: a random per-process prefix and a per-thread counter, 24 hex characters.
std::string make_request_id();

// Whether a client-supplied id may be reused as ours: 1 to 128 printable ASCII characters
// without spaces, so it cannot break a header or a log line.
bool is_acceptable_request_id(std::string_view id);

}  // namespace switchyard
