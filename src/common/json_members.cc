#include "common/json_members.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace switchyard {
namespace {

constexpr std::size_t kFailed = std::string_view::npos;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_space(std::string_view text, std::size_t at) {
  while (at < text.size() && is_space(text[at])) {
    ++at;
  }
  return at;
}

// How far a string is read byte by byte before memchr takes over: two memchr calls cost more
// than the loop over the short strings (keys, roles, names) most members are.
constexpr std::size_t kShortString = 32;

// From the opening quote of a string to just past its closing quote. Sets `escaped` when the
// string holds an escape.
std::size_t skip_string(std::string_view text, std::size_t at, bool& escaped) {
  const char* const data = text.data();
  const std::size_t short_end = std::min(text.size(), at + kShortString);
  for (++at; at < short_end; ++at) {
    if (data[at] == '"') {
      return at + 1;
    }
    if (data[at] == '\\') {
      escaped = true;
      ++at;  // past the character it escapes
    }
  }
  while (at < text.size()) {
    const auto* quote = static_cast<const char*>(std::memchr(data + at, '"', text.size() - at));
    if (quote == nullptr) {
      return kFailed;
    }
    const std::size_t end = quote - data;
    const auto* slash = static_cast<const char*>(std::memchr(data + at, '\\', end - at));
    if (slash == nullptr) {
      return end + 1;
    }
    escaped = true;
    at = slash - data + 2;  // past the backslash and the character it escapes
  }
  return kFailed;
}

// The bytes that open or close an object or array.
constexpr std::array<bool, 256> kNested = [] {
  std::array<bool, 256> table{};
  for (const char c : std::string_view("{}[]")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}();

// From the first byte of an object or array to just past its end.
std::size_t skip_nested(std::string_view text, std::size_t at) {
  std::size_t depth = 0;
  bool escaped = false;
  while (at < text.size()) {
    const char c = text[at];
    if (c == '"') {
      at = skip_string(text, at, escaped);
      continue;
    }
    if (kNested[static_cast<unsigned char>(c)]) {
      if (c == '{' || c == '[') {
        ++depth;
      } else if (--depth == 0) {
        return at + 1;
      }
    }
    ++at;
  }
  return kFailed;
}

// From the first byte of a value to just past it. A number, true, false or null ends at the
// first byte that cannot be part of it in valid JSON.
std::size_t skip_value(std::string_view text, std::size_t at) {
  if (at >= text.size()) {
    return kFailed;
  }
  bool escaped = false;
  switch (text[at]) {
    case '"':
      return skip_string(text, at, escaped);
    case '{':
    case '[':
      return skip_nested(text, at);
    default:
      break;
  }
  while (at < text.size() && text[at] != ',' && text[at] != '}' && text[at] != ']' &&
         !is_space(text[at])) {
    ++at;
  }
  return at;
}

// Just past the quote that closes the string whose first byte is `at` (after its opening
// quote): the first quote not escaped, i.e. not after an odd run of backslashes. `end` when
// the string is not closed.
const char* string_end(const char* at, const char* end) {
  while (at < end) {
    const auto* quote = static_cast<const char*>(std::memchr(at, '"', end - at));
    if (quote == nullptr) {
      return end;
    }
    const char* backslash = quote;
    while (backslash > at && backslash[-1] == '\\') {
      --backslash;
    }
    at = quote + 1;
    if ((quote - backslash) % 2 == 0) {
      return at;
    }
  }
  return end;
}

}  // namespace

std::optional<TextSpan> find_member_value(std::string_view object_text, std::string_view name) {
  const std::string_view text = object_text;
  std::size_t at = skip_space(text, 0);
  if (at >= text.size() || text[at] != '{') {
    return std::nullopt;
  }
  at = skip_space(text, at + 1);
  std::optional<TextSpan> found;
  while (at < text.size() && text[at] == '"') {
    bool escaped = false;
    const std::size_t name_end = skip_string(text, at, escaped);
    if (name_end == kFailed || escaped) {
      return std::nullopt;  // cut short, or a name that might spell `name` in escapes
    }
    const std::string_view member = text.substr(at + 1, name_end - at - 2);
    at = skip_space(text, name_end);
    if (at >= text.size() || text[at] != ':') {
      return std::nullopt;
    }
    const std::size_t begin = skip_space(text, at + 1);
    const std::size_t end = skip_value(text, begin);
    if (end == kFailed || end == begin) {
      return std::nullopt;
    }
    if (member == name) {
      if (found) {
        return std::nullopt;  // a parser keeps the last; the text says both
      }
      found = TextSpan{.begin = begin, .end = end};
    }
    at = skip_space(text, end);
    if (at < text.size() && text[at] == ',') {
      at = skip_space(text, at + 1);
    }
  }
  if (at >= text.size() || text[at] != '}') {
    return std::nullopt;
  }
  return found;
}

std::size_t count_members(std::string_view json_text) {
  // Colons are counted a stretch at a time between strings (std::count is vectorized), and
  // strings are skipped with memchr: both cost little per byte, where a loop that looked at
  // every byte cost about 12 instructions a byte.
  const char* at = json_text.data();
  const char* const end = at + json_text.size();
  std::size_t count = 0;
  while (at < end) {
    const auto* quote = static_cast<const char*>(std::memchr(at, '"', end - at));
    count += static_cast<std::size_t>(std::count(at, quote == nullptr ? end : quote, ':'));
    if (quote == nullptr) {
      break;
    }
    at = string_end(quote + 1, end);
  }
  return count;
}

std::string replace_span(std::string_view text, TextSpan span, std::string_view value_json) {
  std::string out;
  out.reserve(text.size() - (span.end - span.begin) + value_json.size());
  out.append(text.substr(0, span.begin));
  out.append(value_json);
  out.append(text.substr(span.end));
  return out;
}

std::string replace_member_value(std::string_view object_text, std::string_view name,
                                 std::string_view value_json) {
  const auto span = find_member_value(object_text, name);
  return span ? replace_span(object_text, *span, value_json) : std::string();
}

}  // namespace switchyard
