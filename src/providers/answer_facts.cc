#include "providers/answer_facts.h"

#include <cstddef>
#include <limits>
#include <string>

#include <boost/json/basic_parser_impl.hpp>

namespace switchyard::providers {
namespace {

namespace json = boost::json;

constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

// The parser's handler. Depth counts open objects and arrays: the answer's own members are
// at depth 1, those of its "usage" at depth 2.
class FactsHandler {
 public:
  // NOLINTBEGIN(readability-identifier-naming): the names Boost.JSON's parser reads
  static constexpr std::size_t max_object_size = kUnlimited;
  static constexpr std::size_t max_array_size = kUnlimited;
  static constexpr std::size_t max_key_size = kUnlimited;
  static constexpr std::size_t max_string_size = kUnlimited;
  // NOLINTEND(readability-identifier-naming)

  explicit FactsHandler(std::string_view text) : text_(text) {}

  bool on_document_begin(json::error_code& /*ec*/) { return true; }
  bool on_document_end(json::error_code& /*ec*/) { return true; }

  bool on_object_begin(json::error_code& /*ec*/) {
    is_object_ = is_object_ || depth_ == 0;
    if (depth_ == 1 && member_ == Member::kUsage) {
      usage_open_ = true;
      facts_.usage = TokenCounts{};
    }
    member_ = Member::kOther;
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t /*size*/, json::error_code& /*ec*/) {
    usage_open_ = usage_open_ && depth_ != 2;
    --depth_;
    return true;
  }
  bool on_array_begin(json::error_code& /*ec*/) {
    member_ = Member::kOther;
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t /*size*/, json::error_code& /*ec*/) {
    --depth_;
    return true;
  }

  bool on_key_part(json::string_view part, std::size_t /*size*/, json::error_code& /*ec*/) {
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t /*size*/, json::error_code& /*ec*/) {
    std::string_view key(part.data(), part.size());
    if (!key_.empty()) {
      key_.append(key);
      key = key_;
    }
    note_key(key);
    key_.clear();
    return true;
  }

  bool on_string_part(json::string_view /*part*/, std::size_t /*size*/, json::error_code& /*ec*/) {
    split_string_ = true;
    return true;
  }
  bool on_string(json::string_view value, std::size_t /*size*/, json::error_code& /*ec*/) {
    if (depth_ == 1 && member_ == Member::kModel && !split_string_) {
      note_model_string(std::string_view(value.data(), value.size()));
    }
    split_string_ = false;
    member_ = Member::kOther;
    return true;
  }

  bool on_number_part(json::string_view /*part*/, json::error_code& /*ec*/) { return true; }
  bool on_int64(std::int64_t value, json::string_view /*text*/, json::error_code& /*ec*/) {
    count(value);
    return true;
  }
  bool on_uint64(std::uint64_t value, json::string_view /*text*/, json::error_code& /*ec*/) {
    count(static_cast<std::int64_t>(value));
    return true;
  }
  bool on_double(double /*value*/, json::string_view /*text*/, json::error_code& /*ec*/) {
    count(0);
    return true;
  }
  bool on_bool(bool /*value*/, json::error_code& /*ec*/) {
    member_ = Member::kOther;
    return true;
  }
  bool on_null(json::error_code& /*ec*/) {
    member_ = Member::kOther;
    return true;
  }
  bool on_comment_part(json::string_view /*part*/, json::error_code& /*ec*/) { return true; }
  bool on_comment(json::string_view /*text*/, json::error_code& /*ec*/) { return true; }

  std::optional<AnswerFacts> result() const {
    return is_object_ ? std::optional<AnswerFacts>(facts_) : std::nullopt;
  }

 private:
  enum class Member { kOther, kModel, kUsage, kPromptTokens, kCompletionTokens };

  void note_key(std::string_view key) {
    member_ = Member::kOther;
    if (depth_ == 1) {
      if (key == "model") {
        member_ = Member::kModel;
        ++models_;
        facts_.model_value.reset();  // a second one leaves only find_member_value to judge
      } else if (key == "usage") {
        member_ = Member::kUsage;
        facts_.usage.reset();  // the last "usage" is the one a parser keeps
      }
    } else if (depth_ == 2 && usage_open_) {
      member_ = key == "prompt_tokens"       ? Member::kPromptTokens
                : key == "completion_tokens" ? Member::kCompletionTokens
                                             : Member::kOther;
    }
  }

  // The value lies in the text only when it was not unescaped into the parser's own buffer:
  // then it points into the text, between its quotes.
  void note_model_string(std::string_view value) {
    const char* begin = text_.data();
    if (models_ != 1 || value.data() <= begin ||
        value.data() + value.size() >= begin + text_.size()) {
      return;
    }
    const auto offset = static_cast<std::size_t>(value.data() - begin);
    if (text_[offset - 1] == '"' && text_[offset + value.size()] == '"') {
      facts_.model_value = TextSpan{.begin = offset - 1, .end = offset + value.size() + 1};
    }
  }

  void count(std::int64_t value) {
    if (depth_ == 2 && usage_open_) {
      if (member_ == Member::kPromptTokens) {
        facts_.usage->prompt_tokens = value;
      } else if (member_ == Member::kCompletionTokens) {
        facts_.usage->completion_tokens = value;
      }
    }
    member_ = Member::kOther;
  }

  std::string_view text_;
  std::string key_;  // a key that arrived in parts
  AnswerFacts facts_;
  std::size_t depth_ = 0;
  std::size_t models_ = 0;
  Member member_ = Member::kOther;  // what the last key named; reset by each value
  bool is_object_ = false;
  bool usage_open_ = false;
  bool split_string_ = false;
};

}  // namespace

std::optional<AnswerFacts> read_answer_facts(std::string_view text) {
  json::basic_parser<FactsHandler> parser(json::parse_options{}, text);
  json::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size() || !parser.done()) {
    return std::nullopt;
  }
  return parser.handler().result();
}

}  // namespace switchyard::providers
