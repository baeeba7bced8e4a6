// The bytes of a message header as they go on the wire, so that a header and its body can
// leave in one gathered write of plain buffers instead of through Beast's serializer, whose
// composed operations and buffer views cost more than the copy of a few hundred bytes.
#pragma once

#include <string>

#include "http/types.h"

namespace switchyard::http {

// Appends the start line, the fields and the blank line that ends the header. The body's
// framing is the caller's: a message written this way must carry its Content-Length (see
// prepare_payload) or be framed as chunks by the caller.
void append_header(std::string& out, const bhttp::request_header<>& header);
void append_header(std::string& out, const bhttp::response_header<>& header);

}  // namespace switchyard::http
