// Request hygiene: the rules a request's header must meet before the gateway reads its body,
// and what a client is told when its request cannot be read at all. Pure functions of the
// parser and the header, with no sockets, so that Session and the HTTP fuzzer run the same
// code.
//
// Beast's parser already refuses, as parse errors: header names that are not RFC 9110 tokens
// (spaces, NUL, non-ASCII bytes, a space before the colon), values with control bytes other
// than HTAB (NUL, DEL and a bare CR included), conflicting Content-Length values, a
// Content-Length after a chunked Transfer-Encoding, and any Transfer-Encoding after a
// Content-Length or after a chunked one. It lets the following through, and
// check_request_header refuses them:
//   - Content-Length together with Transfer-Encoding ("gzip" followed by a length passes);
//   - Content-Length repeated, even with equal values, or given as a list ("5, 5");
//   - a Transfer-Encoding that is not exactly "chunked": Beast reads "chunked, chunked" or
//     "gzip" as a request without a body, and the body would then be taken for the next
//     request on the connection;
//   - an HTTP/1.1 request without a Host, and any request with more than one;
//   - a header longer than max_header_bytes: Beast measures its limit from the start of what
//     it has, and a header that arrives in one read gets the limit once for the request line
//     and again for the fields, so that it may reach twice the limit (a 431, as when Beast
//     refuses it).
// Obsolete line folding is accepted: Beast replaces it with a space, as RFC 9112 allows.
//
// Beast also keeps, without a bound of its own, the bytes of a chunk header until its line
// ends and of a quoted chunk extension until its closing quote; read_buffer_limit bounds what
// a connection holds unparsed instead, and a chunk header or trailer that outgrows it is
// refused (a 400, as bhttp::error::buffer_overflow).
//
// Every refusal is a 400 in OpenAI's error shape. The server closes the connection after it,
// since where the next request would begin is unknown.
#pragma once

#include <optional>

#include "config/config.h"
#include "http/error_response.h"
#include "http/types.h"

namespace switchyard::http {

using RequestParser = bhttp::request_parser<bhttp::string_body>;

// Sets the server's header and body size limits on the parser of one request.
void apply_limits(RequestParser& parser, const config::ServerConfig& server);

// The most bytes a connection's read buffer holds unparsed: a header of max_header_bytes,
// and as much again for a chunk header, the trailer or the start of a pipelined request.
std::size_t read_buffer_limit(const config::ServerConfig& server);

// The first rule above that `header`, read from `header_bytes` bytes, breaks, as the error
// to answer with; nullopt when it breaks none.
std::optional<ErrorInfo> check_request_header(const bhttp::request_header<>& header,
                                              std::size_t header_bytes,
                                              const config::ServerConfig& server);

// The answer to a request the parser refused or a limit cut short (`ec` is not a
// disconnect): 408 for a timeout, 413 and 431 for the size limits, 400 naming the problem
// for everything else.
ErrorInfo read_error(const beast::error_code& ec, const config::ServerConfig& server);

}  // namespace switchyard::http
