#include "privacy/rule_checks.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "privacy/checksums.h"
#include "privacy/text_scan.h"

namespace switchyard::privacy {
namespace {

struct Span {
  std::uint32_t begin;
  std::uint32_t end;
};

// What a check concluded: the value's span, and whether it is confirmed only when a cue word
// is near (a "weak" shape such as a phone number without a calling code).
struct Checked {
  Span span;
  bool needs_cue = false;
  std::optional<EntityType> type;  // when the check refines the rule's type
};

using Outcome = std::optional<Checked>;

bool word_before(std::string_view text, std::uint32_t begin) {
  return begin > 0 && is_word_byte(text[begin - 1]);
}

bool word_after(std::string_view text, std::uint32_t end) {
  return end < text.size() && is_word_byte(text[end]);
}

bool bounded(std::string_view text, Span span) {
  return !word_before(text, span.begin) && !word_after(text, span.end);
}

Outcome if_bounded(std::string_view text, Span span) {
  return bounded(text, span) ? Outcome{Checked{span}} : std::nullopt;
}

std::string digits_of(std::string_view value) {
  std::string digits;
  for (const char c : value) {
    if (is_ascii_digit(c)) {
      digits.push_back(c);
    }
  }
  return digits;
}

std::string_view slice(std::string_view text, Span span) {
  return text.substr(span.begin, span.end - span.begin);
}

// ---- Payment cards -------------------------------------------------------------------------

struct Group {
  std::uint32_t begin;
  std::uint32_t end;
};

// Digit groups of a card candidate; empty when separators are mixed.
std::vector<Group> card_groups(std::string_view text, Span span) {
  std::vector<Group> groups;
  char separator = 0;
  std::uint32_t pos = span.begin;
  while (pos < span.end) {
    const std::uint32_t start = pos;
    while (pos < span.end && is_ascii_digit(text[pos])) {
      ++pos;
    }
    groups.push_back({start, pos});
    if (pos < span.end) {
      if (separator != 0 && text[pos] != separator) {
        return {};
      }
      separator = text[pos++];
    }
  }
  return groups;
}

Outcome check_card(std::string_view text, Span span) {
  while (span.begin < span.end && !is_ascii_digit(text[span.begin])) {
    ++span.begin;  // the walk back may have taken in a separator
  }
  const std::vector<Group> groups = card_groups(text, span);
  const bool grouped = groups.size() > 1;
  // Longest run of whole groups first, so a card inside a longer number is found too.
  for (std::size_t count = groups.size(); count >= 1; --count) {
    for (std::size_t first = 0; first + count <= groups.size(); ++first) {
      const Span candidate{groups[first].begin, groups[first + count - 1].end};
      std::string digits = digits_of(slice(text, candidate));
      bool short_group = false;
      for (std::size_t g = first; grouped && g < first + count; ++g) {
        short_group = short_group || groups[g].end - groups[g].begin < 3;
      }
      if (!short_group && payment_card_valid(digits) && bounded(text, candidate)) {
        return Checked{candidate};
      }
    }
  }
  return std::nullopt;
}

// ---- IBAN ------------------------------------------------------------------------------------

Outcome check_iban(std::string_view text, Span span) {
  const char country[3] = {static_cast<char>(std::toupper(text[span.begin])),
                           static_cast<char>(std::toupper(text[span.begin + 1])), 0};
  const auto length = iban_length(country);
  if (!length) {
    return std::nullopt;
  }
  std::string compact;
  std::uint32_t pos = span.begin;
  // The pattern matched the start; read on over single spaces up to the country's length.
  while (pos < text.size() && compact.size() < *length &&
         (is_ascii_alnum(text[pos]) ||
          (text[pos] == ' ' && pos + 1 < text.size() && is_ascii_alnum(text[pos + 1])))) {
    if (text[pos] != ' ') {
      compact.push_back(text[pos]);
    }
    ++pos;
  }
  const Span value{span.begin, pos};
  if (compact.size() != *length || !iban_valid(compact)) {
    return std::nullopt;
  }
  return if_bounded(text, value);
}

// ---- Phone numbers ---------------------------------------------------------------------------

struct PhoneGroup {
  std::uint32_t begin;
  std::uint32_t end;
  bool trunk = false;  // "(0)", the national trunk prefix written inside an international form
};

struct PhoneParse {
  bool plus = false;
  std::vector<PhoneGroup> groups;
  std::vector<char> separators;  // separators[i] precedes groups[i + 1]
};

PhoneParse parse_phone(std::string_view text, Span span) {
  PhoneParse parse;
  std::uint32_t pos = span.begin;
  parse.plus = text[pos] == '+';
  pos += parse.plus ? 1 : 0;
  char separator = 0;
  while (pos < span.end) {
    const char c = text[pos];
    if (!is_ascii_digit(c)) {
      separator = separator == 0 || c == '-' || c == '.' ? c : separator;
      ++pos;
      continue;
    }
    const std::uint32_t start = pos;
    while (pos < span.end && is_ascii_digit(text[pos])) {
      ++pos;
    }
    const bool trunk = slice(text, {start, pos}) == "0" && start > span.begin &&
                       text[start - 1] == '(' && pos < span.end && text[pos] == ')';
    if (!parse.groups.empty()) {
      parse.separators.push_back(separator);
    }
    parse.groups.push_back({start, pos, trunk});
    separator = 0;
  }
  return parse;
}

// The end of an extension ("x123", " ext. 123") that follows a number ending at `end`, or
// `end` when there is none.
std::uint32_t extension_end(std::string_view text, std::uint32_t end) {
  std::uint32_t pos = end;
  pos += pos < text.size() && text[pos] == ' ' ? 1 : 0;
  if (text.substr(pos, 3) == "ext") {
    pos += 3;
    pos += pos < text.size() && text[pos] == '.' ? 1 : 0;
  } else if (pos < text.size() && text[pos] == 'x') {
    ++pos;
  } else {
    return end;
  }
  pos += pos < text.size() && text[pos] == ' ' ? 1 : 0;
  const std::uint32_t digits = pos;
  constexpr std::uint32_t kMaxExtension = 6;
  while (pos < text.size() && is_ascii_digit(text[pos]) && pos - digits < kMaxExtension) {
    ++pos;
  }
  return pos > digits && !word_after(text, pos) ? pos : end;
}

struct PhoneShape {
  std::string digits;  // without the trunk prefix
  std::vector<std::size_t> sizes;
  bool dotted_only = true;
};

PhoneShape shape_of(std::string_view text, const PhoneParse& parse, std::size_t first,
                    std::size_t count) {
  PhoneShape shape;
  for (std::size_t g = first; g < first + count; ++g) {
    if (g > first && parse.separators[g - 1] != '.') {
      shape.dotted_only = false;
    }
    if (parse.groups[g].trunk) {
      continue;
    }
    const std::string_view group = slice(text, {parse.groups[g].begin, parse.groups[g].end});
    shape.digits.append(group);
    shape.sizes.push_back(group.size());
  }
  return shape;
}

bool north_american(const PhoneShape& shape) {
  std::vector<std::size_t> sizes = shape.sizes;
  std::string_view digits = shape.digits;
  if (sizes.size() == 4 && sizes[0] == 1 && digits[0] == '1') {
    sizes.erase(sizes.begin());
    digits.remove_prefix(1);
  } else if (sizes.size() == 4 && sizes[0] == 3 && digits.starts_with("001")) {
    sizes.erase(sizes.begin());
    digits.remove_prefix(3);
  }
  return sizes == std::vector<std::size_t>{3, 3, 4} && digits[0] >= '2' && digits[3] >= '2';
}

bool international(const PhoneShape& shape, bool plus) {
  std::string_view digits = shape.digits;
  if (!plus) {
    if (!digits.starts_with("00")) {
      return false;
    }
    digits.remove_prefix(2);
  }
  if (digits.size() < 8 || digits.size() > 15 || !calling_code_length(digits)) {
    return false;
  }
  return digits[0] != '1' || digits.size() == 11;
}

// Shapes that are something else: dates (2024-05-01, 01.05.2024) and dotted quads.
bool looks_like_date_or_address(const PhoneShape& shape, const PhoneParse& parse,
                                std::size_t first) {
  const auto& s = shape.sizes;
  if (s.size() == 3 &&
      ((s[0] == 4 && s[1] <= 2 && s[2] <= 2) || (s[0] <= 2 && s[1] <= 2 && s[2] == 4))) {
    return parse.separators[first] != ' ';
  }
  return s.size() == 4 && shape.dotted_only && s[0] <= 3 && s[1] <= 3 && s[2] <= 3 && s[3] <= 3;
}

// Strong: a calling code or the North American shape. Weak: plausible length only.
std::optional<bool> classify_phone(std::string_view text, const PhoneParse& parse,
                                   std::size_t first, std::size_t count) {
  const PhoneShape shape = shape_of(text, parse, first, count);
  const std::size_t total = shape.digits.size();
  if (shape.sizes.empty() || looks_like_date_or_address(shape, parse, first)) {
    return std::nullopt;
  }
  if (international(shape, parse.plus && first == 0) || north_american(shape)) {
    return true;
  }
  const bool single = shape.sizes.size() == 1;
  if ((single && total >= 9 && total <= 11) || (!single && total >= 7 && total <= 13)) {
    return false;
  }
  return std::nullopt;
}

Outcome check_phone(std::string_view text, Span span) {
  // The walk back may have taken in separators before the number.
  while (span.begin < span.end && !is_ascii_digit(text[span.begin]) && text[span.begin] != '(' &&
         text[span.begin] != '+') {
    ++span.begin;
  }
  const PhoneParse parse = parse_phone(text, span);
  const std::size_t n = parse.groups.size();
  for (std::size_t first = 0; first < n; ++first) {
    for (std::size_t count = n - first; count >= 1; --count) {
      const auto strong = classify_phone(text, parse, first, count);
      if (!strong) {
        continue;
      }
      // A leading '+' or '(' belongs to the number.
      const std::uint32_t begin = first == 0 ? span.begin : parse.groups[first].begin;
      std::uint32_t end = parse.groups[first + count - 1].end;
      end += end < span.end && text[end] == ')' ? 1 : 0;
      end = first + count == n ? extension_end(text, end) : end;
      if (bounded(text, {begin, end})) {
        return Checked{{begin, end}, !*strong};
      }
    }
  }
  return std::nullopt;
}

// ---- Addresses, dates, URLs ------------------------------------------------------------------

Outcome check_ipv4(std::string_view text, Span span, const Rule& rule) {
  std::string_view value = slice(text, span);
  const std::size_t slash = value.find('/');
  if (span.begin > 0 && (is_word_byte(text[span.begin - 1]) || text[span.begin - 1] == '.')) {
    return std::nullopt;
  }
  const bool dotted_on =
      span.end + 1 < text.size() && text[span.end] == '.' && is_ascii_digit(text[span.end + 1]);
  if (word_after(text, span.end) || dotted_on || !ipv4_valid(value.substr(0, slash))) {
    return std::nullopt;
  }
  if (has_cue(text, span.begin, span.end, rule.vetoes, 2, 0)) {
    return std::nullopt;
  }
  return Checked{span};
}

bool ipv6_char(char c) {
  return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

Outcome check_ipv6(std::string_view text, Span span) {
  constexpr std::uint32_t kMaxAddress = 45;
  while (span.end < text.size() && span.end - span.begin < kMaxAddress &&
         ipv6_char(text[span.end])) {
    ++span.end;  // the pattern matched two colons; the address may go on
  }
  while (span.end > span.begin && text[span.end - 1] == '.') {
    --span.end;
  }
  if (span.end - span.begin >= 2 && text[span.end - 1] == ':' && text[span.end - 2] != ':') {
    --span.end;
  }
  const bool colon_before = span.begin > 0 && text[span.begin - 1] == ':';
  if (colon_before || !bounded(text, span) || !ipv6_valid(slice(text, span))) {
    return std::nullopt;
  }
  return Checked{span};
}

Outcome check_mac(std::string_view text, Span span) {
  const bool joined = (span.begin > 0 && text[span.begin - 1] == ':') ||
                      (span.end < text.size() && text[span.end] == ':');
  if (joined || !mac_valid(slice(text, span))) {
    return std::nullopt;
  }
  return if_bounded(text, span);
}

std::optional<int> month_from_name(std::string_view word) {
  constexpr std::array<std::string_view, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                     "jul", "aug", "sep", "oct", "nov", "dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (word.size() >= 3 && equals_ignore_case(word.substr(0, 3), kMonths[i])) {
      return static_cast<int>(i) + 1;
    }
  }
  return std::nullopt;
}

// Numbers and the month word of a date candidate, in order of appearance.
struct DateParts {
  std::vector<std::string_view> numbers;
  std::optional<int> month;
};

DateParts date_parts(std::string_view value) {
  DateParts parts;
  std::size_t pos = 0;
  while (pos < value.size()) {
    const std::size_t start = pos;
    if (is_ascii_digit(value[pos])) {
      while (pos < value.size() && is_ascii_digit(value[pos])) {
        ++pos;
      }
      parts.numbers.push_back(value.substr(start, pos - start));
    } else if (is_ascii_alpha(value[pos])) {
      while (pos < value.size() && is_ascii_alpha(value[pos])) {
        ++pos;
      }
      const auto month = month_from_name(value.substr(start, pos - start));
      parts.month = parts.month ? parts.month : month;
    } else {
      ++pos;
    }
  }
  return parts;
}

int to_int(std::string_view digits) {
  int value = 0;
  for (const char c : digits) {
    value = value * 10 + (c - '0');
  }
  return value;
}

bool day_month_ok(int day, int month) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

Outcome check_date(std::string_view text, Span span) {
  const DateParts parts = date_parts(slice(text, span));
  bool ok = false;
  if (parts.month && parts.numbers.size() == 2) {
    ok = day_month_ok(to_int(parts.numbers[0]), *parts.month) ||
         day_month_ok(to_int(parts.numbers[1]), *parts.month);
  } else if (parts.numbers.size() == 3) {
    const int a = to_int(parts.numbers[0]);
    const int b = to_int(parts.numbers[1]);
    const int c = to_int(parts.numbers[2]);
    ok = parts.numbers[0].size() == 4 ? day_month_ok(c, b)
                                      : (day_month_ok(b, a) || day_month_ok(a, b));
  }
  return ok ? if_bounded(text, span) : std::nullopt;
}

Outcome check_url(std::string_view text, Span span) {
  constexpr std::string_view kTrailing = ".,;:!?";
  while (span.end > span.begin && kTrailing.find(text[span.end - 1]) != std::string_view::npos) {
    --span.end;
  }
  return word_before(text, span.begin) ? std::nullopt : Outcome{Checked{span}};
}

// Whether the run of non-space characters before `begin` holds "://": the '@' is then the one
// that ends the credentials of a URL, not an e-mail address.
bool inside_url(std::string_view text, std::uint32_t begin) {
  const std::size_t run_start = text.find_last_of(" \t\r\n\"'", begin == 0 ? 0 : begin - 1);
  const std::size_t from = run_start == std::string_view::npos ? 0 : run_start + 1;
  return begin > from && text.substr(from, begin - from).find("://") != std::string_view::npos;
}

Outcome check_email(std::string_view text, Span span) {
  while (span.begin < span.end && (text[span.begin] == '.' || text[span.begin] == '-')) {
    ++span.begin;
  }
  if (inside_url(text, span.begin)) {
    return std::nullopt;
  }
  const std::string_view value = slice(text, span);
  const std::size_t at = value.find('@');
  if (at == 0 || value.find('@', at + 1) != std::string_view::npos ||
      value.find("..") != std::string_view::npos || value.find(".@") != std::string_view::npos) {
    return std::nullopt;
  }
  return if_bounded(text, span);
}

// ---- Secrets -------------------------------------------------------------------------------

bool secret_char(char c) {
  return is_ascii_alnum(c) || c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
}

bool looks_random(std::string_view value) {
  bool digit = false;
  bool letter = false;
  for (const char c : value) {
    digit = digit || is_ascii_digit(c);
    letter = letter || is_ascii_alpha(c);
  }
  constexpr double kMinBitsPerChar = 3.5;
  return digit && letter && shannon_entropy(value) >= kMinBitsPerChar;
}

Outcome check_high_entropy(std::string_view text, Span span) {
  const bool joined = (span.begin > 0 && secret_char(text[span.begin - 1])) ||
                      (span.end < text.size() && secret_char(text[span.end]));
  if (joined || !looks_random(slice(text, span))) {
    return std::nullopt;
  }
  return Checked{span};
}

Outcome check_pem(std::string_view text, Span span) {
  constexpr std::string_view kEnd = "-----END ";
  constexpr std::size_t kMaxBlock = 64 * 1024;
  const std::size_t end_marker = text.find(kEnd, span.end);
  if (end_marker != std::string_view::npos && end_marker - span.end <= kMaxBlock) {
    const std::size_t close = text.find("-----", end_marker + kEnd.size());
    if (close != std::string_view::npos) {
      return Checked{{span.begin, static_cast<std::uint32_t>(close + 5)}};
    }
  }
  // No END line (a truncated paste): take the key material that follows the header.
  std::uint32_t end = span.end;
  while (end < text.size() &&
         (secret_char(text[end]) || text[end] == '\n' || text[end] == '\r' || text[end] == '\\')) {
    ++end;
  }
  return Checked{{span.begin, end}};
}

Outcome check_jwt(std::string_view text, Span span) {
  if (span.begin > 0 && (secret_char(text[span.begin - 1]) || text[span.begin - 1] == '.')) {
    return std::nullopt;
  }
  return jwt_valid(slice(text, span)) ? Outcome{Checked{span}} : std::nullopt;
}

bool placeholder(std::string_view value) {
  constexpr std::string_view kPlaceholders[] = {
      "password", "passwd", "pass", "pwd",  "secret",   "xxx",
      "xxxx",     "xxxxxx", "none", "null", "redacted", "changeit_placeholder"};
  for (const std::string_view word : kPlaceholders) {
    if (equals_ignore_case(value, word)) {
      return true;
    }
  }
  const char first = value.empty() ? 0 : value.front();
  return value.empty() || value.find_first_not_of('*') == std::string_view::npos || first == '$' ||
         first == '{' || first == '<' || first == '%' || first == '[';
}

Outcome check_url_password(std::string_view text, Span span) {
  const std::string_view value = slice(text, span);
  const std::size_t scheme_end = value.find("://");
  const std::size_t colon = value.find(':', scheme_end + 3);
  const std::size_t at = value.rfind('@');
  if (scheme_end == std::string_view::npos || colon == std::string_view::npos || at < colon) {
    return std::nullopt;
  }
  const Span password{static_cast<std::uint32_t>(span.begin + colon + 1),
                      static_cast<std::uint32_t>(span.begin + at)};
  if (placeholder(slice(text, password))) {
    return std::nullopt;
  }
  return Checked{password};
}

// An identifier or call in source code ("os.environ", "get_password()"), not a literal.
bool code_like(std::string_view value) {
  if (value.find_first_of("()[]{}$<>") != std::string_view::npos) {
    return true;
  }
  for (const char c : value) {
    if (!(is_ascii_alpha(c) || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

Outcome check_after_equals(std::string_view text, Span span) {
  const std::size_t equals = slice(text, span).find('=');
  return Checked{{static_cast<std::uint32_t>(span.begin + equals + 1), span.end}};
}

bool name_char(char c) {
  return is_ascii_alnum(c) || c == '_' || c == '-' || c == '.';
}

// The key name before the separator that ends at `separator_end`, lower-cased.
std::string assigned_name(std::string_view text, std::uint32_t separator_end) {
  std::uint32_t end = separator_end - 1;  // at ':' or '='
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '"' ||
                     text[end - 1] == '\'')) {
    --end;
  }
  std::uint32_t begin = end;
  while (begin > 0 && name_char(text[begin - 1])) {
    --begin;
  }
  std::string name(text.substr(begin, end - begin));
  for (char& c : name) {
    c = ascii_lower(c);
  }
  return name;
}

// The value after "name:" / "name =": optional spaces and one quote, then up to a space,
// quote, comma, semicolon or ampersand.
Span assigned_value(std::string_view text, std::uint32_t from, bool& quoted) {
  constexpr std::uint32_t kMaxSpaces = 3;
  constexpr std::uint32_t kMaxValue = 512;
  std::uint32_t begin = from;
  while (begin < text.size() && begin - from < kMaxSpaces && text[begin] == ' ') {
    ++begin;
  }
  quoted = begin < text.size() && (text[begin] == '"' || text[begin] == '\'');
  begin += quoted ? 1 : 0;
  constexpr std::string_view kStops = " \t\r\n\"',;&";
  std::uint32_t end = begin;
  while (end < text.size() && end - begin < kMaxValue &&
         kStops.find(text[end]) == std::string_view::npos) {
    ++end;
  }
  return {begin, end};
}

Outcome check_assigned_value(std::string_view text, Span span) {
  bool quoted = false;
  const Span value = assigned_value(text, span.end, quoted);
  const std::string_view literal = slice(text, value);
  constexpr std::size_t kMinPassword = 4;
  if (literal.size() < kMinPassword || placeholder(literal) || (!quoted && code_like(literal))) {
    return std::nullopt;
  }
  const std::string name = assigned_name(text, span.end);
  if (name.find("pass") != std::string::npos || name.find("pwd") != std::string::npos) {
    return Checked{value, false, EntityType::kPassword};
  }
  constexpr std::size_t kMinSecretLength = 16;
  if (literal.size() < kMinSecretLength || !looks_random(literal)) {
    return std::nullopt;
  }
  return Checked{value};
}

// ---- Dispatch ------------------------------------------------------------------------------

Outcome run_check(const Rule& rule, std::string_view text, Span span) {
  const std::string_view value = slice(text, span);
  switch (rule.check) {
    case Check::kNone:
      return Checked{span};
    case Check::kBounded:
    case Check::kDigitsId:
    case Check::kIcd10:
      return if_bounded(text, span);
    case Check::kPaymentCard:
      return check_card(text, span);
    case Check::kIban:
      return check_iban(text, span);
    case Check::kAbaRouting:
      return aba_routing_valid(value) ? if_bounded(text, span) : std::nullopt;
    case Check::kSwiftBic:
      return swift_bic_valid(value) ? if_bounded(text, span) : std::nullopt;
    case Check::kSsn:
      return ssn_valid(digits_of(value)) ? if_bounded(text, span) : std::nullopt;
    case Check::kEmail:
      return check_email(text, span);
    case Check::kPhone:
      return check_phone(text, span);
    case Check::kIpv4:
      return check_ipv4(text, span, rule);
    case Check::kIpv6:
      return check_ipv6(text, span);
    case Check::kMac:
      return check_mac(text, span);
    case Check::kDate:
      return check_date(text, span);
    case Check::kUrl:
      return check_url(text, span);
    case Check::kNpi:
      return npi_valid(value) ? if_bounded(text, span) : std::nullopt;
    case Check::kDea:
      return dea_valid(value) ? if_bounded(text, span) : std::nullopt;
    case Check::kHighEntropy:
      return check_high_entropy(text, span);
    case Check::kPemBlock:
      return check_pem(text, span);
    case Check::kJwt:
      return check_jwt(text, span);
    case Check::kUrlPassword:
      return check_url_password(text, span);
    case Check::kAfterEquals:
      return check_after_equals(text, span);
    case Check::kAssignedValue:
      return check_assigned_value(text, span);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Entity> confirm(const Rule& rule, std::uint16_t rule_id, std::string_view text,
                              std::uint32_t begin, std::uint32_t end) {
  const Outcome checked = run_check(rule, text, {begin, end});
  if (!checked || checked->span.begin >= checked->span.end) {
    return std::nullopt;
  }
  const Span span = checked->span;
  const bool cue_needed = rule.cue_need == CueNeed::kRequired || checked->needs_cue;
  const bool cue =
      rule.cue_need != CueNeed::kNone && has_cue(text, span.begin, span.end, rule.cues);
  if (cue_needed && !cue) {
    return std::nullopt;
  }
  Entity entity;
  entity.type = checked->type.value_or(rule.type);
  entity.data_class = class_of(entity.type);
  entity.begin = span.begin;
  entity.end = span.end;
  entity.confidence = cue ? std::max(rule.confidence, rule.cue_confidence) : rule.confidence;
  entity.rule = rule_id;
  return entity;
}

}  // namespace switchyard::privacy
