#include "http/sse.h"

#include <cstring>

namespace switchyard::http {
namespace {

// Where the line that starts at `at` ends: the first '\r' or '\n', or npos. Two memchr
// passes over the line instead of find_first_of, which libstdc++ runs as one memchr over the
// two delimiters per byte of the line.
std::size_t line_end(std::string_view bytes, std::size_t at) {
  const char* begin = bytes.data() + at;
  const std::size_t size = bytes.size() - at;
  const void* newline = std::memchr(begin, '\n', size);
  const std::size_t before_newline =
      newline == nullptr ? size
                         : static_cast<std::size_t>(static_cast<const char*>(newline) - begin);
  const void* carriage = std::memchr(begin, '\r', before_newline);
  if (carriage != nullptr) {
    return at + static_cast<std::size_t>(static_cast<const char*>(carriage) - begin);
  }
  return newline == nullptr ? std::string_view::npos : at + before_newline;
}

}  // namespace

bool SseDecoder::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (failed_) {
    return false;
  }
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes[at] == '\n') {
        ++at;
        continue;
      }
    }
    // The rest of the current line goes in whole; a line ending hands the line over.
    const std::size_t end = line_end(bytes, at);
    line_.append(bytes.substr(at, end == std::string_view::npos ? end : end - at));
    if (line_.size() + pending_.data.size() > max_event_bytes_) {
      failed_ = true;
      return false;
    }
    if (end == std::string_view::npos) {
      break;
    }
    after_cr_ = bytes[end] == '\r';
    take_line(out);
    at = end + 1;
  }
  return true;
}

void SseDecoder::take_line(std::vector<SseEvent>& out) {
  if (line_.empty()) {
    // A blank line dispatches the event; blank lines between events are allowed and ignored.
    if (has_fields_) {
      out.push_back(std::move(pending_));
      pending_ = SseEvent{};
      has_fields_ = false;
      has_data_ = false;
    }
    return;
  }
  if (line_.front() == ':') {  // comment, e.g. the ": keep-alive" lines some servers send
    line_.clear();
    return;
  }
  const std::size_t colon = line_.find(':');
  const std::string_view line(line_);
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) {
      pending_.data.push_back('\n');
    }
    pending_.data.append(value);
    has_data_ = true;
    has_fields_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
    has_fields_ = true;
  }
  // "id" and "retry" carry nothing an OpenAI-style stream uses; they are dropped.
  line_.clear();
}

std::string encode_sse_data(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 8);
  std::size_t start = 0;
  while (true) {
    const std::size_t end = data.find('\n', start);
    out.append("data: ");
    out.append(data.substr(start, end == std::string_view::npos ? end : end - start));
    out.push_back('\n');
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  out.push_back('\n');
  return out;
}

}  // namespace switchyard::http
