// Splits text into the tokens the tagger and the clinical signal read: runs of letters and
// digits (any non-ASCII letter included) and single punctuation marks, with byte offsets.
// Whitespace separates tokens and is not one. Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace switchyard::privacy {

struct Token {
  std::uint32_t begin;
  std::uint32_t end;
  bool line_start;  // first token of its line

  std::uint32_t size() const { return end - begin; }
};

// Replaces the contents of `out` (its capacity is reused).
void tokenize(std::string_view text, std::vector<Token>& out);

}  // namespace switchyard::privacy
