#include "privacy/tokenizer.h"

#include "privacy/text_scan.h"

namespace switchyard::privacy {
namespace {

// Length of the UTF-8 sequence that starts with `lead` (1 for ASCII and stray bytes).
std::uint32_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0) {
    return 4;
  }
  if (lead >= 0xE0) {
    return 3;
  }
  return lead >= 0xC0 ? 2 : 1;
}

enum class ByteKind { kSpace, kNewline, kWord, kMark };

// What the character at `pos` is, and how many bytes it takes. Non-breaking spaces count as
// spaces and the General Punctuation block (quotes, dashes, ellipsis) as marks, so that curly
// quotes do not glue onto names.
ByteKind classify(std::string_view text, std::uint32_t pos, std::uint32_t& length) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  length = std::min<std::uint32_t>(sequence_length(lead), text.size() - pos);
  if (lead == '\n') {
    return ByteKind::kNewline;
  }
  if (lead < 0x80) {
    if (lead == ' ' || lead == '\t' || lead == '\r' || lead == '\f' || lead == '\v') {
      return ByteKind::kSpace;
    }
    return is_ascii_alnum(static_cast<char>(lead)) ? ByteKind::kWord : ByteKind::kMark;
  }
  const auto second = length > 1 ? static_cast<unsigned char>(text[pos + 1]) : 0;
  if (lead == 0xC2 && second == 0xA0) {
    return ByteKind::kSpace;
  }
  if (lead == 0xE2 && (second == 0x80 || second == 0x81)) {
    return ByteKind::kMark;
  }
  return ByteKind::kWord;
}

}  // namespace

void tokenize(std::string_view text, std::vector<Token>& out) {
  out.clear();
  const auto size = static_cast<std::uint32_t>(text.size());
  bool line_start = true;
  std::uint32_t pos = 0;
  while (pos < size) {
    std::uint32_t length = 1;
    const ByteKind kind = classify(text, pos, length);
    if (kind == ByteKind::kSpace || kind == ByteKind::kNewline) {
      line_start = line_start || kind == ByteKind::kNewline;
      pos += length;
      continue;
    }
    const std::uint32_t begin = pos;
    pos += length;
    while (kind == ByteKind::kWord && pos < size &&
           classify(text, pos, length) == ByteKind::kWord) {
      pos += length;
    }
    out.push_back({begin, pos, line_start});
    line_start = false;
  }
}

}  // namespace switchyard::privacy
