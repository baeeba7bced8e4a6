#include "api/validation.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace switchyard::api {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxStopSequences = 4;
// Bounds on the integers providers read, so that each one fits the type it is read into:
// token counts and embedding sizes are 32-bit in llama.cpp and most servers, a seed is a
// 64-bit integer, and top_k goes through a float on its way to llama.cpp.
constexpr std::int64_t kMaxInt32 = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kMinInt64 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMaxChoices = 128;
constexpr std::int64_t kMaxTopLogprobs = 20;
constexpr std::int64_t kMaxTopK = 1 << 20;  // beyond any vocabulary
constexpr double kMaxRepetitionPenalty = 10;
constexpr std::array<std::string_view, 6> kRoles{"system",    "developer", "user",
                                                 "assistant", "tool",      "function"};

using Check = std::optional<ApiError>;

bool is_number(const json::value& value) {
  return value.is_number();
}

double as_double(const json::value& value) {
  return value.to_number<double>();
}

Check expect_string(const json::value& value, std::string_view param) {
  if (!value.is_string()) {
    return invalid_field(param, "must be a string");
  }
  return std::nullopt;
}

// An optional field, checked only when present and not null.
template <class Fn>
Check optional_field(const json::object& body, std::string_view key, Fn check) {
  const json::value* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::nullopt;
  }
  return check(*value, key);
}

Check number_in(const json::value& value, std::string_view param, double min, double max) {
  if (!is_number(value) || as_double(value) < min || as_double(value) > max) {
    return invalid_field(param, fmt::format("must be a number from {} to {}", min, max));
  }
  return std::nullopt;
}

// An integer from min to max. JSON integers beyond int64 arrive as uint64 or as doubles.
Check integer_in(const json::value& value, std::string_view param, std::int64_t min,
                 std::int64_t max) {
  if (!value.is_int64() && !value.is_uint64()) {
    return invalid_field(param, "must be an integer");
  }
  const bool in_range = value.is_int64() ? value.get_int64() >= min && value.get_int64() <= max
                                         : value.get_uint64() <= static_cast<std::uint64_t>(max);
  if (!in_range) {
    return invalid_field(param, fmt::format("must be an integer from {} to {}", min, max));
  }
  return std::nullopt;
}

template <std::int64_t Min, std::int64_t Max>
Check integer_range(const json::value& value, std::string_view param) {
  return integer_in(value, param, Min, Max);
}

// A number above zero, at most `max`: a repetition penalty divides logits.
Check positive_number(const json::value& value, std::string_view param, double max) {
  if (!is_number(value) || as_double(value) <= 0 || as_double(value) > max) {
    return invalid_field(param, fmt::format("must be a number above 0 and at most {}", max));
  }
  return std::nullopt;
}

Check boolean(const json::value& value, std::string_view param) {
  if (!value.is_bool()) {
    return invalid_field(param, "must be a boolean");
  }
  return std::nullopt;
}

// The path of a part of messages[index], built only for an error: a valid request makes no
// strings here.
std::string message_path(std::size_t index, std::string_view rest) {
  return fmt::format("messages[{}]{}", index, rest);
}

Check content(const json::value& value, std::size_t message, bool may_be_null) {
  if (value.is_string() || (value.is_null() && may_be_null)) {
    return std::nullopt;
  }
  if (!value.is_array()) {
    return invalid_field(message_path(message, ".content"),
                         "must be a string or an array of content parts");
  }
  const auto& parts = value.as_array();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto* object = parts[i].if_object();
    const auto* type = object ? object->if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string()) {
      return invalid_field(message_path(message, fmt::format(".content[{}].type", i)),
                           "must be a string");
    }
    if (*type == "text") {
      const auto* text = object->if_contains("text");
      if (text == nullptr || !text->is_string()) {
        return invalid_field(message_path(message, fmt::format(".content[{}].text", i)),
                             "must be a string");
      }
    }
  }
  return std::nullopt;
}

Check message(const json::value& value, std::size_t index) {
  const auto* object = value.if_object();
  if (object == nullptr) {
    return invalid_field(message_path(index, ""), "must be an object");
  }
  const auto* role = object->if_contains("role");
  if (role == nullptr) {
    return invalid_field(message_path(index, ".role"), "is required");
  }
  if (!role->is_string() || std::find(kRoles.begin(), kRoles.end(),
                                      std::string_view(role->as_string())) == kRoles.end()) {
    return invalid_field(message_path(index, ".role"),
                         "must be one of system, developer, user, assistant, tool, function");
  }
  const auto* body = object->if_contains("content");
  const bool assistant = *role == "assistant";
  if (body == nullptr) {
    // An assistant turn may carry only tool calls; every other turn needs content.
    if (assistant) {
      return std::nullopt;
    }
    return invalid_field(message_path(index, ".content"), "is required");
  }
  return content(*body, index, assistant);
}

Check messages(const json::object& body) {
  const auto* value = body.if_contains("messages");
  if (value == nullptr) {
    return invalid_field("messages", "is required");
  }
  if (!value->is_array() || value->as_array().empty()) {
    return invalid_field("messages", "must be a non-empty array");
  }
  const auto& list = value->as_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (auto problem = message(list[i], i)) {
      return problem;
    }
  }
  return std::nullopt;
}

Check tools(const json::value& value, std::string_view param) {
  if (!value.is_array()) {
    return invalid_field(param, "must be an array");
  }
  const auto& list = value.as_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string item = fmt::format("tools[{}]", i);
    const auto* object = list[i].if_object();
    if (object == nullptr) {
      return invalid_field(item, "must be an object");
    }
    const auto* type = object->if_contains("type");
    if (type == nullptr || !type->is_string()) {
      return invalid_field(item + ".type", "must be a string");
    }
    if (*type != "function") {
      continue;  // other tool types are the upstream's to judge
    }
    const auto* function = object->if_contains("function");
    const auto* name =
        function && function->is_object() ? function->as_object().if_contains("name") : nullptr;
    if (name == nullptr || !name->is_string() || name->as_string().empty()) {
      return invalid_field(item + ".function.name", "must be a non-empty string");
    }
  }
  return std::nullopt;
}

Check tool_choice(const json::value& value, std::string_view param) {
  if (value.is_string()) {
    const auto& choice = value.as_string();
    if (choice != "none" && choice != "auto" && choice != "required") {
      return invalid_field(param, "must be 'none', 'auto', 'required' or an object");
    }
    return std::nullopt;
  }
  if (!value.is_object() || !value.as_object().contains("type")) {
    return invalid_field(param, "must be 'none', 'auto', 'required' or an object");
  }
  return std::nullopt;
}

Check response_format(const json::value& value, std::string_view param) {
  const auto* object = value.if_object();
  const auto* type = object ? object->if_contains("type") : nullptr;
  if (type == nullptr || !type->is_string()) {
    return invalid_field("response_format.type", "must be a string");
  }
  if (*type == "text" || *type == "json_object") {
    return std::nullopt;
  }
  if (*type != "json_schema") {
    return invalid_field("response_format.type", "must be 'text', 'json_object' or 'json_schema'");
  }
  const auto* schema = object->if_contains("json_schema");
  if (schema == nullptr || !schema->is_object()) {
    return invalid_field("response_format.json_schema", "must be an object");
  }
  const auto* name = schema->as_object().if_contains("name");
  if (name == nullptr || !name->is_string()) {
    return invalid_field("response_format.json_schema.name", "must be a string");
  }
  (void)param;
  return std::nullopt;
}

Check stop(const json::value& value, std::string_view param) {
  if (value.is_string()) {
    return std::nullopt;
  }
  if (!value.is_array() || value.as_array().size() > kMaxStopSequences) {
    return invalid_field(param, "must be a string or an array of up to 4 strings");
  }
  for (const auto& item : value.as_array()) {
    if (!item.is_string()) {
      return invalid_field(param, "must be a string or an array of up to 4 strings");
    }
  }
  return std::nullopt;
}

Check stream_options(const json::value& value, std::string_view param) {
  if (!value.is_object()) {
    return invalid_field(param, "must be an object");
  }
  return optional_field(value.as_object(), "include_usage",
                        [](const json::value& v, std::string_view) {
                          return boolean(v, "stream_options.include_usage");
                        });
}

Check metadata(const json::value& value, std::string_view param) {
  if (!value.is_object()) {
    return invalid_field(param, "must be an object of string values");
  }
  for (const auto& [key, item] : value.as_object()) {
    if (!item.is_string()) {
      return invalid_field(fmt::format("metadata.{}", std::string_view(key)), "must be a string");
    }
  }
  return std::nullopt;
}

Check model(const json::object& body) {
  const auto* value = body.if_contains("model");
  if (value == nullptr) {
    return invalid_field("model", "is required");
  }
  if (!value->is_string() || value->as_string().empty()) {
    return invalid_field("model", "must be a non-empty string");
  }
  return std::nullopt;
}

// A token id: what a tokenizer hands out, 0 to int32's maximum.
bool is_token(const json::value& value) {
  return !integer_in(value, "", 0, kMaxInt32).has_value();
}

// A non-empty list of token ids.
Check token_list(const json::value& value, const std::string& param) {
  const auto* list = value.if_array();
  if (list == nullptr || list->empty() || !std::all_of(list->begin(), list->end(), is_token)) {
    return invalid_field(param, "must be a non-empty array of token ids (0 to 2147483647)");
  }
  return std::nullopt;
}

// OpenAI's four shapes, one at a time: a string, strings, a token list, token lists.
Check embeddings_input(const json::value& input) {
  constexpr std::string_view kShapes =
      "must be a string, or a non-empty array of strings, of token ids or of token-id arrays";
  if (input.is_string()) {
    return std::nullopt;
  }
  const auto* list = input.if_array();
  if (list == nullptr || list->empty()) {
    return invalid_field("input", kShapes);
  }
  const json::value& first = list->front();
  if (first.is_number()) {
    return token_list(input, "input");
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json::value& item = (*list)[i];
    const std::string param = fmt::format("input[{}]", i);
    if (first.is_string() && !item.is_string()) {
      return invalid_field(param, "must be a string, as input[0] is");
    }
    if (!first.is_string()) {
      if (auto problem = token_list(item, param)) {
        return problem;
      }
    }
  }
  return std::nullopt;
}

Check first_problem(std::initializer_list<Check> checks) {
  for (const auto& check : checks) {
    if (check) {
      return check;
    }
  }
  return std::nullopt;
}

template <int Min, int Max>
Check number_range(const json::value& value, std::string_view param) {
  return number_in(value, param, Min, Max);
}

Check repetition_penalty(const json::value& value, std::string_view param) {
  return positive_number(value, param, kMaxRepetitionPenalty);
}

// A chat request's optional fields, each checked when present and not null, in the order
// their errors take precedence.
struct FieldRule {
  std::string_view name;
  Check (*check)(const json::value&, std::string_view);
};
constexpr std::array<FieldRule, 21> kChatFieldRules{{
    {"stream", boolean},
    {"stream_options", stream_options},
    {"max_tokens", integer_range<1, kMaxInt32>},
    {"max_completion_tokens", integer_range<1, kMaxInt32>},
    {"n", integer_range<1, kMaxChoices>},
    {"temperature", number_range<0, 2>},
    {"top_p", number_range<0, 1>},
    {"presence_penalty", number_range<-2, 2>},
    {"frequency_penalty", number_range<-2, 2>},
    {"seed", integer_range<kMinInt64, kMaxInt64>},
    {"logprobs", boolean},
    {"top_logprobs", integer_range<0, kMaxTopLogprobs>},
    // Not OpenAI's, but read by local models, vLLM and llama.cpp's server alike.
    {"top_k", integer_range<-1, kMaxTopK>},
    {"min_p", number_range<0, 1>},
    {"repetition_penalty", repetition_penalty},
    {"stop", stop},
    {"user", expect_string},
    {"metadata", metadata},
    {"tools", tools},
    {"tool_choice", tool_choice},
    {"response_format", response_format},
}};

// The index of the rule for a member, or kChatFieldRules.size() for a field passed through
// unchecked. The names, sorted once, are searched by bisection.
std::size_t chat_field_rule(std::string_view key) {
  static const auto by_name = [] {
    std::array<std::pair<std::string_view, std::size_t>, kChatFieldRules.size()> sorted{};
    for (std::size_t i = 0; i < kChatFieldRules.size(); ++i) {
      sorted[i] = {kChatFieldRules[i].name, i};
    }
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }();
  const auto* it =
      std::lower_bound(by_name.begin(), by_name.end(), key,
                       [](const auto& entry, std::string_view name) { return entry.first < name; });
  return it != by_name.end() && it->first == key ? it->second : kChatFieldRules.size();
}

}  // namespace

std::optional<ApiError> validate_chat_request(const json::object& body) {
  if (auto problem = first_problem({model(body), messages(body)})) {
    return problem;
  }
  // One pass over the members, each looked up in the rules; of several bad fields the one
  // whose rule comes first is reported, whatever their order in the body.
  std::size_t first_bad = kChatFieldRules.size();
  Check first;
  for (const auto& [key, value] : body) {
    const std::size_t rule = chat_field_rule(key);
    if (rule >= first_bad || value.is_null()) {
      continue;
    }
    if (auto problem = kChatFieldRules[rule].check(value, kChatFieldRules[rule].name)) {
      first_bad = rule;
      first = std::move(problem);
    }
  }
  return first;
}

std::optional<ApiError> validate_embeddings_request(const json::object& body) {
  if (auto problem = model(body)) {
    return problem;
  }
  const auto* input = body.if_contains("input");
  if (input == nullptr) {
    return invalid_field("input", "is required");
  }
  if (auto problem = embeddings_input(*input)) {
    return problem;
  }
  return first_problem({
      optional_field(body, "dimensions", integer_range<1, kMaxInt32>),
      optional_field(body, "encoding_format",
                     [](const json::value& v, std::string_view p) -> Check {
                       if (!v.is_string() || (v != "float" && v != "base64")) {
                         return invalid_field(p, "must be 'float' or 'base64'");
                       }
                       return std::nullopt;
                     }),
      optional_field(body, "user", expect_string),
  });
}

}  // namespace switchyard::api
