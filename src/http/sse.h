// Server-Sent Events, the framing OpenAI-style APIs use for streamed answers.
//
// SseDecoder turns bytes that arrive in arbitrary pieces into whole events; encode_sse_data
// frames one event for sending. Both follow the WHATWG event-stream rules for the fields that
// matter here (data, event, comments, and all three line endings).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::http {

struct SseEvent {
  std::string event;  // "event:" field; empty for the default "message"
  std::string data;   // "data:" lines joined with '\n'
};

class SseDecoder {
 public:
  static constexpr std::size_t kDefaultMaxEventBytes = 4 * 1024 * 1024;

  // An event (or a single line) longer than max_event_bytes is a protocol error rather than
  // a reason to buffer without bound.
  explicit SseDecoder(std::size_t max_event_bytes = kDefaultMaxEventBytes)
      : max_event_bytes_(max_event_bytes) {}

  // Consumes bytes and appends each event completed by them to `out`. Returns false once the
  // stream has exceeded the size limit; the decoder is then unusable.
  bool feed(std::string_view bytes, std::vector<SseEvent>& out);

  // Whether bytes of an unfinished event are buffered (a stream ending now would lose them).
  bool has_partial_event() const { return !line_.empty() || has_fields_; }

 private:
  void take_line(std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string line_;
  SseEvent pending_;
  bool has_fields_ = false;
  bool has_data_ = false;
  bool after_cr_ = false;  // a '\r' ended the last line; a following '\n' belongs to it
  bool failed_ = false;
};

// Frames `data` as one event: "data: <line>\n" per line, then a blank line.
std::string encode_sse_data(std::string_view data);

}  // namespace switchyard::http
