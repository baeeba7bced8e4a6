#include "support/fake_wire.h"

#include <array>
#include <charconv>
#include <iterator>
#include <optional>

#include <boost/json/serialize.hpp>

namespace switchyard::testing::fake {
namespace {

namespace json = boost::json;

constexpr unsigned kMinErrorStatus = 400;
constexpr unsigned kMaxErrorStatus = 599;

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

// The number after `prefix` in part, if part is exactly that.
std::optional<uint32_t> number_after(std::string_view part, std::string_view prefix) {
  if (!part.starts_with(prefix)) {
    return std::nullopt;
  }
  return parse_number(part.substr(prefix.size()));
}

// "stall-<n>-<ms>"
bool apply_stall(std::string_view part, Fault& fault) {
  constexpr std::string_view kPrefix = "stall-";
  const std::string_view rest = part.substr(kPrefix.size());
  const std::size_t dash = rest.find('-');
  const auto after = parse_number(rest.substr(0, dash));
  const auto pause =
      dash == std::string_view::npos ? std::nullopt : parse_number(rest.substr(dash + 1));
  if (!after || !pause) {
    return false;
  }
  fault.stall_after = after;
  fault.stall_ms = *pause;
  return true;
}

bool apply_part(std::string_view part, Fault& fault) {
  if (part == "hang") {
    fault.hang = true;
    return true;
  }
  if (part == "reset") {
    fault.reset = true;
    return true;
  }
  if (part == "no-done") {
    fault.no_done = true;
    return true;
  }
  if (part == "pick-route") {
    fault.pick_route = true;
    return true;
  }
  if (part == "pretty") {
    fault.pretty = true;
    return true;
  }
  if (part == "context-length" || part == "content-policy") {
    fault.error = 400;
    fault.error_code =
        part == "context-length" ? "context_length_exceeded" : "content_policy_violation";
    return true;
  }
  if (part.starts_with("stall-")) {
    return apply_stall(part, fault);
  }
  if (const auto status = number_after(part, "error-")) {
    fault.error = status;
    return *status >= kMinErrorStatus && *status <= kMaxErrorStatus;
  }
  const std::pair<std::string_view, std::optional<uint32_t>*> optional_parts[] = {
      {"retry-after-", &fault.retry_after},
      {"tokens-", &fault.tokens},
      {"echo-", &fault.echo},
      {"bad-json-", &fault.bad_json_at},
      {"error-event-", &fault.error_event_at},
      {"stream-cut-", &fault.stream_cut},
      {"fail-first-", &fault.fail_first}};
  for (const auto& [prefix, field] : optional_parts) {
    if (part.starts_with(prefix)) {
      *field = number_after(part, prefix);
      return field->has_value();
    }
  }
  for (const auto& [prefix, field] :
       {std::pair{std::string_view("delay-"), &fault.delay_ms},
        std::pair{std::string_view("chunk-delay-"), &fault.chunk_delay_ms},
        std::pair{std::string_view("end-delay-"), &fault.end_delay_ms}}) {
    if (const auto value = number_after(part, prefix)) {
      *field = *value;
      return true;
    }
  }
  return false;
}

}  // namespace

bool Fault::fails() const {
  return healthy() != *this;
}

Fault Fault::healthy() const {
  Fault kept;
  kept.tokens = tokens;
  kept.echo = echo;
  kept.chunk_delay_ms = chunk_delay_ms;
  kept.pick_route = pick_route;
  kept.pretty = pretty;
  return kept;
}

Fault parse_fault(std::string_view model) {
  Fault fault;
  while (!model.empty()) {
    const std::size_t plus = model.find('+');
    const std::string_view part = model.substr(0, plus);
    model = plus == std::string_view::npos ? std::string_view() : model.substr(plus + 1);
    if (!apply_part(part, fault)) {
      return {};
    }
  }
  return fault;
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
  if (status == 429) {
    answer.retry_after = 1;
  }
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

namespace {

void write_pretty(const boost::json::value& value, std::size_t depth, std::string& out) {
  const std::string indent(2 * (depth + 1), ' ');
  const std::string closing_indent(2 * depth, ' ');
  if (const auto* object = value.if_object(); object != nullptr && !object->empty()) {
    out += "{\n";
    for (auto it = object->begin(); it != object->end(); ++it) {
      out += indent + boost::json::serialize(boost::json::string_view(it->key())) + ": ";
      write_pretty(it->value(), depth + 1, out);
      out += std::next(it) != object->end() ? ",\n" : "\n";
    }
    out += closing_indent + "}";
  } else if (const auto* array = value.if_array(); array != nullptr && !array->empty()) {
    out += "[\n";
    for (std::size_t i = 0; i < array->size(); ++i) {
      out += indent;
      write_pretty((*array)[i], depth + 1, out);
      out += i + 1 < array->size() ? ",\n" : "\n";
    }
    out += closing_indent + "]";
  } else {
    out += boost::json::serialize(value);
  }
}

}  // namespace

std::string pretty_json(const boost::json::value& value) {
  std::string out;
  write_pretty(value, 0, out);
  return out + "\n";
}

}  // namespace switchyard::testing::fake
