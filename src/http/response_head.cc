#include "http/response_head.h"

#include <fmt/compile.h>
#include <fmt/format.h>

namespace switchyard::http {
namespace {

// Room for the status line, half a dozen fields and the framing without growing.
constexpr std::size_t kReservedBytes = 512;

bool is_framing(bhttp::field name) {
  return name == bhttp::field::content_length || name == bhttp::field::transfer_encoding ||
         name == bhttp::field::connection;
}

}  // namespace

ResponseHead::ResponseHead(bhttp::status status) {
  bytes_.reserve(kReservedBytes);
  const std::string_view reason = bhttp::obsolete_reason(status);
  fmt::format_to(std::back_inserter(bytes_), FMT_COMPILE("HTTP/1.1 {} {}\r\n"),
                 static_cast<unsigned>(status), reason);
}

ResponseHead ResponseHead::from(const bhttp::response_header<>& header) {
  ResponseHead head(header.result());
  for (const auto& field : header) {
    if (!is_framing(field.name())) {
      head.add(field.name_string(), field.value());
    }
  }
  return head;
}

ResponseHead& ResponseHead::add(std::string_view name, std::string_view value) {
  bytes_.append(name).append(": ").append(value).append("\r\n");
  return *this;
}

ResponseHead& ResponseHead::add(bhttp::field name, std::string_view value) {
  return add(bhttp::to_string(name), value);
}

std::string ResponseHead::finish_sized(std::size_t content_length, bool keep_alive) && {
  fmt::format_to(std::back_inserter(bytes_), FMT_COMPILE("Content-Length: {}\r\n"), content_length);
  end(keep_alive);
  return std::move(bytes_);
}

std::string ResponseHead::finish_chunked(bool keep_alive) && {
  bytes_.append("Transfer-Encoding: chunked\r\n");
  end(keep_alive);
  return std::move(bytes_);
}

void ResponseHead::end(bool keep_alive) {
  if (!keep_alive) {
    bytes_.append("Connection: close\r\n");
  }
  bytes_.append("\r\n");
}

}  // namespace switchyard::http
