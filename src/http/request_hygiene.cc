#include "http/request_hygiene.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <fmt/format.h>

namespace switchyard::http {
namespace {

constexpr unsigned kHttp11 = 11;

ErrorInfo bad_request(std::string message, std::string code) {
  return {
      .status = bhttp::status::bad_request, .message = std::move(message), .code = std::move(code)};
}

ErrorInfo invalid_framing(std::string_view problem) {
  return bad_request(fmt::format("the request's body framing is ambiguous: {}", problem),
                     "invalid_framing");
}

ErrorInfo invalid_header(std::string_view problem) {
  return bad_request(fmt::format("the request's header is invalid: {}", problem), "invalid_header");
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// The fields whose number and form the checks below care about, found in one pass over the
// header: a lookup by name walks Beast's index with case-insensitive comparisons, several
// times the cost of reading the few fields a request has.
struct FramingFields {
  std::size_t lengths = 0;
  std::size_t encodings = 0;
  std::size_t hosts = 0;
  std::string_view length;
  std::string_view encoding;
};

FramingFields framing_fields(const bhttp::request_header<>& header) {
  FramingFields found;
  for (const auto& field : header) {
    switch (field.name()) {
      case bhttp::field::content_length:
        ++found.lengths;
        found.length = {field.value().data(), field.value().size()};
        break;
      case bhttp::field::transfer_encoding:
        ++found.encodings;
        found.encoding = {field.value().data(), field.value().size()};
        break;
      case bhttp::field::host:
        ++found.hosts;
        break;
      default:
        break;
    }
  }
  return found;
}

std::optional<ErrorInfo> check_framing(const FramingFields& fields) {
  if (fields.lengths > 0 && fields.encodings > 0) {
    return invalid_framing("it has both Content-Length and Transfer-Encoding");
  }
  if (fields.lengths > 1) {
    return invalid_framing("Content-Length appears more than once");
  }
  if (fields.lengths == 1 && !all_digits(fields.length)) {
    return invalid_framing("Content-Length must be one decimal number");
  }
  if (fields.encodings > 1) {
    return invalid_framing("Transfer-Encoding appears more than once");
  }
  if (fields.encodings == 1 && !beast::iequals(fields.encoding, "chunked")) {
    return invalid_framing("the only Transfer-Encoding accepted is 'chunked'");
  }
  return std::nullopt;
}

}  // namespace

void apply_limits(RequestParser& parser, const config::ServerConfig& server) {
  parser.header_limit(static_cast<std::uint32_t>(server.max_header_bytes));
  parser.body_limit(server.max_body_bytes);
}

std::size_t read_buffer_limit(const config::ServerConfig& server) {
  return 2 * server.max_header_bytes;
}

std::optional<ErrorInfo> check_request_header(const bhttp::request_header<>& header,
                                              std::size_t header_bytes,
                                              const config::ServerConfig& server) {
  if (header_bytes > server.max_header_bytes) {
    return read_error(bhttp::error::header_limit, server);
  }
  const FramingFields fields = framing_fields(header);
  if (auto problem = check_framing(fields)) {
    return problem;
  }
  if (fields.hosts > 1) {
    return invalid_header("Host appears more than once");
  }
  if (fields.hosts == 0 && header.version() >= kHttp11) {
    return invalid_header("an HTTP/1.1 request must carry a Host header");
  }
  return std::nullopt;
}

ErrorInfo read_error(const beast::error_code& ec, const config::ServerConfig& server) {
  if (ec == beast::error::timeout) {
    return {.status = bhttp::status::request_timeout,
            .message = "the request was not received within the configured time",
            .code = "request_timeout"};
  }
  if (ec == bhttp::error::header_limit) {
    return {.status = bhttp::status::request_header_fields_too_large,
            .message = fmt::format("request headers exceed the limit of {} bytes",
                                   server.max_header_bytes),
            .code = "headers_too_large"};
  }
  if (ec == bhttp::error::body_limit) {
    return {
        .status = bhttp::status::payload_too_large,
        .message = fmt::format("request body exceeds the limit of {} bytes", server.max_body_bytes),
        .code = "request_too_large"};
  }
  // Beast reports a Content-Length or Transfer-Encoding that contradicts an earlier field as
  // a bad value of the later one; either way the body's length is in doubt.
  if (ec == bhttp::error::bad_content_length || ec == bhttp::error::multiple_content_length ||
      ec == bhttp::error::bad_transfer_encoding) {
    return invalid_framing(
        fmt::format("{} (Content-Length and Transfer-Encoding must not be "
                    "combined, repeated or conflicting)",
                    ec.message()));
  }
  if (ec == bhttp::error::buffer_overflow) {
    return invalid_framing(fmt::format("a chunk header or the trailer is longer than {} bytes",
                                       read_buffer_limit(server)));
  }
  if (ec == bhttp::error::bad_field) {
    return invalid_header("a header name contains a byte that is not allowed in a token");
  }
  if (ec == bhttp::error::bad_value) {
    return invalid_header("a header value contains a control byte or is not a valid list");
  }
  return bad_request("malformed HTTP request: " + ec.message(), "malformed_request");
}

}  // namespace switchyard::http
