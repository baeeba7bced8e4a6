#include "http/sse.h"

namespace switchyard::http {

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
    const std::size_t end = bytes.find_first_of("\r\n", at);
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
