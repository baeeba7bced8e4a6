#include "local/text_stream.h"

#include <algorithm>

namespace switchyard::local {
namespace {

// The length of the UTF-8 sequence a lead byte starts, or 0 for a continuation byte.
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) {
    return 1;
  }
  if ((lead & 0xE0) == 0xC0) {
    return 2;
  }
  if ((lead & 0xF0) == 0xE0) {
    return 3;
  }
  if ((lead & 0xF8) == 0xF0) {
    return 4;
  }
  return (lead & 0xC0) == 0x80 ? 0 : 1;  // stray bytes pass as they are
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

}  // namespace

// A model can emit any byte token in any order, so its text is checked before it goes out.
std::string to_valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    std::size_t length = sequence_length(lead);
    bool valid =
        length > 0 && i + length <= bytes.size() && lead != 0xC0 && lead != 0xC1 && lead < 0xF5;
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = is_continuation(static_cast<unsigned char>(bytes[i + k]));
    }
    if (valid) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      out.append(kReplacement);
      ++i;
    }
  }
  return out;
}

TextStream::TextStream(std::vector<std::string> stop_sequences) {
  for (auto& stop : stop_sequences) {
    if (!stop.empty()) {
      stops_.push_back(std::move(stop));
    }
  }
}

std::size_t TextStream::complete_utf8_prefix() const {
  // Only the last three bytes can belong to an unfinished character.
  const std::size_t size = pending_.size();
  for (std::size_t back = 1; back <= std::min<std::size_t>(4, size); ++back) {
    const auto byte = static_cast<unsigned char>(pending_[size - back]);
    const std::size_t length = sequence_length(byte);
    if (length == 0) {
      continue;
    }
    return length > back ? size - back : size;
  }
  return size;
}

std::size_t TextStream::stop_holdback(std::string_view text) const {
  std::size_t hold = 0;
  for (const auto& stop : stops_) {
    const std::size_t longest = std::min(stop.size() - 1, text.size());
    for (std::size_t n = longest; n > hold; --n) {
      if (text.substr(text.size() - n) == std::string_view(stop).substr(0, n)) {
        hold = n;
        break;
      }
    }
  }
  return hold;
}

std::string TextStream::push(std::string_view bytes) {
  if (stopped_) {
    return {};
  }
  pending_.append(bytes);
  std::size_t first_stop = std::string::npos;
  for (const auto& stop : stops_) {
    first_stop = std::min(first_stop, pending_.find(stop));
  }
  if (first_stop != std::string::npos) {
    stopped_ = true;
    std::string out = to_valid_utf8(std::string_view(pending_).substr(0, first_stop));
    pending_.clear();
    return out;
  }
  const std::size_t whole = complete_utf8_prefix();
  const std::size_t ready = whole - stop_holdback(std::string_view(pending_).substr(0, whole));
  std::string out = to_valid_utf8(std::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string TextStream::flush() {
  if (stopped_) {
    return {};
  }
  std::string out = to_valid_utf8(std::string_view(pending_).substr(0, complete_utf8_prefix()));
  pending_.clear();
  return out;
}

}  // namespace switchyard::local
