#include "http/header_bytes.h"

#include <boost/beast/core/buffers_range.hpp>

namespace switchyard::http {
namespace {

void append_buffers(std::string& out, const bhttp::fields::writer::const_buffers_type& buffers) {
  for (const net::const_buffer buffer : beast::buffers_range_ref(buffers)) {
    out.append(static_cast<const char*>(buffer.data()), buffer.size());
  }
}

}  // namespace

void append_header(std::string& out, const bhttp::request_header<>& header) {
  const bhttp::fields::writer writer(header, header.version(), header.method());
  append_buffers(out, writer.get());
}

void append_header(std::string& out, const bhttp::response_header<>& header) {
  const bhttp::fields::writer writer(header, header.version(), header.result_int());
  append_buffers(out, writer.get());
}

}  // namespace switchyard::http
