#include "support/fake_wire.h"

#include <array>
#include <charconv>
#include <optional>

#include <boost/json/serialize.hpp>

namespace switchyard::testing::fake {
namespace {

namespace json = boost::json;

constexpr unsigned kMinErrorStatus = 400;
constexpr unsigned kMaxErrorStatus = 599;

struct FaultPrefix {
  std::string_view prefix;
  Fault::Kind kind;
};

constexpr std::array<FaultPrefix, 6> kFaultPrefixes{{
    {"echo-", Fault::Kind::kEcho},
    {"error-", Fault::Kind::kError},
    {"delay-", Fault::Kind::kDelay},
    {"stream-cut-", Fault::Kind::kStreamCut},
    {"tokens-", Fault::Kind::kTokens},
    {"chunk-delay-", Fault::Kind::kChunkDelay},
}};

// The whole of text as a decimal number, or nothing.
std::optional<uint32_t> parse_number(std::string_view text) {
  uint32_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

json::value null_if_empty(std::string_view text) {
  if (text.empty()) {
    return nullptr;
  }
  return json::string(text);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

}  // namespace

Fault parse_fault(std::string_view model) {
  if (model == "hang") {
    return {Fault::Kind::kHang, 0};
  }
  for (const FaultPrefix& entry : kFaultPrefixes) {
    if (!model.starts_with(entry.prefix)) {
      continue;
    }
    std::optional<uint32_t> value = parse_number(model.substr(entry.prefix.size()));
    if (!value) {
      return {};
    }
    if (entry.kind == Fault::Kind::kError &&
        (*value < kMinErrorStatus || *value > kMaxErrorStatus)) {
      return {};
    }
    return {entry.kind, *value};
  }
  return {};
}

Answer json_answer(const json::value& body) {
  Answer answer;
  answer.body = json::serialize(body);
  return answer;
}

Answer error_answer(const ApiError& error) {
  json::object fields;
  fields["message"] = error.message;
  fields["type"] = error.type;
  fields["param"] = null_if_empty(error.param);
  fields["code"] = null_if_empty(error.code);

  Answer answer = json_answer(json::object{{"error", std::move(fields)}});
  answer.status = error.status;
  return answer;
}

Answer invalid_param(std::string message, std::string_view param) {
  ApiError error(400, std::move(message));
  error.param = param;
  return error_answer(error);
}

Answer status_error_answer(unsigned status) {
  ApiError error(status, "fake upstream error " + std::to_string(status));
  if (status >= 500) {
    error.type = "server_error";
  }
  switch (status) {
    case 401:
      error.code = "invalid_api_key";
      break;
    case 403:
      error.type = "permission_error";
      break;
    case 404:
      error.code = "model_not_found";
      break;
    case 429:
      // OpenAI reports request-rate limits with this type, not "rate_limit_error".
      error.type = "requests";
      error.code = "rate_limit_exceeded";
      break;
    case 503:
      error.code = "service_unavailable";
      break;
    default:
      break;
  }
  Answer answer = error_answer(error);
  answer.retry_after = status == 429;
  return answer;
}

uint64_t count_words(std::string_view text) {
  uint64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = is_space(c);
    if (!space && !in_word) {
      ++words;
    }
    in_word = !space;
  }
  return words;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    if (end > start) {
      words.push_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return words;
}

std::string sse_event(std::string_view data) {
  std::string event;
  event.reserve(data.size() + 8);
  event.append("data: ").append(data).append("\n\n");
  return event;
}

}  // namespace switchyard::testing::fake
