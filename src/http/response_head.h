// ResponseHead: the status line and fields of a response, kept as the bytes that go on the
// wire, so that a header and its body leave in one gathered write of plain buffers.
//
// Beast's fields allocate a node per field and its serializer runs composed operations over
// buffer views; a response head is a few hundred bytes written once, so formatting it into one
// string costs a single allocation instead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/types.h"

namespace switchyard::http {

class ResponseHead {
 public:
  explicit ResponseHead(bhttp::status status);

  // The status and fields of a Beast header, in order. Framing fields (Content-Length,
  // Transfer-Encoding, Connection) are left out: the finish call writes them.
  static ResponseHead from(const bhttp::response_header<>& header);

  // Appends a field. A value goes out as given, so it must not hold CR or LF: the values
  // written here come from the config and from the gateway, never from a client.
  ResponseHead& add(std::string_view name, std::string_view value);
  ResponseHead& add(bhttp::field name, std::string_view value);

  // Ends the head of a body of `content_length` bytes, or of a chunked body; `keep_alive`
  // false adds "Connection: close". Returns the bytes; the head is empty afterwards.
  std::string finish_sized(std::size_t content_length, bool keep_alive) &&;
  std::string finish_chunked(bool keep_alive) &&;

  std::string_view bytes() const { return bytes_; }

 private:
  void end(bool keep_alive);

  std::string bytes_;
};

}  // namespace switchyard::http
