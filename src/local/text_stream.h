// TextStream: turns the byte pieces of sampled tokens into text that is safe to send.
//
// Two things hold text back. A token can end inside a multi-byte UTF-8 character, so bytes
// wait until the character is whole. And a stop sequence can span tokens, so text that could
// be the start of one waits until it is known not to be. Everything else goes out at once,
// always as valid UTF-8 (malformed bytes become U+FFFD).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace switchyard::local {

// `bytes` with every byte that does not start a well-formed UTF-8 sequence replaced by
// U+FFFD, so it can go into JSON.
std::string to_valid_utf8(std::string_view bytes);

class TextStream {
 public:
  // Empty stop sequences are ignored.
  explicit TextStream(std::vector<std::string> stop_sequences);

  // Adds a token's bytes; returns the text that may be sent now.
  std::string push(std::string_view bytes);

  // Whether a stop sequence has appeared; the text before it has been returned by push().
  bool stopped() const { return stopped_; }

  // At the end of generation: whatever was held back (an incomplete character is dropped
  // rather than sent as invalid UTF-8).
  std::string flush();

 private:
  std::size_t complete_utf8_prefix() const;
  std::size_t stop_holdback(std::string_view text) const;

  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace switchyard::local
