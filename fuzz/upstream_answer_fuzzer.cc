// Fuzzes how the gateway reads and renames an upstream's whole answer without building it:
// read_answer_facts (one pass of the parser for validity, usage and the model's span) and
// replace_member_value (the scan used when that pass found no span).
//
// Oracles, against the answer Boost.JSON builds:
//   - read_answer_facts accepts exactly the texts that parse to an object, and its usage is
//     what the built answer's "usage" says;
//   - replacing the model span it gives parses to the built answer with "model" set;
//   - so does the scan's renamed text, and the scan finds a "model" member unless the text
//     writes some name with an escape or names "model" twice (left to serialization);
//   - count_members counts at least the members the built document has at every depth, and
//     exactly as many in that document's own serialization, which repeats no name (the
//     provider sends a request's text only when the two counts agree).
// Any other input goes through both too, which must not read out of bounds.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/json_members.h"
#include "fuzz/fuzz_check.h"
#include "providers/answer_facts.h"

namespace {

namespace json = boost::json;
using switchyard::fuzz::require;

constexpr std::string_view kPublicName = R"("public-\"name\"")";

// Whether the scan may rightly give up: it does when a member's name has an escape or "model"
// is named twice. A parsed object shows neither, so this looks at the text, erring on the
// side of yes: any backslash at all, or "model" in quotes twice anywhere.
bool scan_may_give_up(std::string_view text) {
  return text.find('\\') != std::string_view::npos ||
         text.find("\"model\"") != text.rfind("\"model\"");
}

// Equality of two documents parsed from texts that spell every number alike. Compared as
// their serializations, because Boost.JSON reads a zero with a huge exponent ("0e999999") as
// NaN, which no value equals.
bool same(const json::value& a, const json::value& b) {
  return json::serialize(a) == json::serialize(b);
}

std::int64_t count_of(const json::object& usage, std::string_view key) {
  const json::value* value = usage.if_contains(key);
  if (value == nullptr) {
    return 0;
  }
  if (value->is_int64()) {
    return value->get_int64();
  }
  return value->is_uint64() ? static_cast<std::int64_t>(value->get_uint64()) : 0;
}

// The facts against the built answer.
void check_facts(std::string_view text, const json::value& parsed,
                 const std::optional<switchyard::providers::AnswerFacts>& facts) {
  require(facts.has_value() == parsed.is_object(), "the facts are read exactly from objects");
  if (!facts) {
    return;
  }
  const json::value* usage = parsed.as_object().if_contains("usage");
  const bool has_usage = usage != nullptr && usage->is_object();
  require(facts->usage.has_value() == has_usage, "usage is found where the answer has one");
  if (has_usage) {
    require(
        facts->usage->prompt_tokens == count_of(usage->get_object(), "prompt_tokens") &&
            facts->usage->completion_tokens == count_of(usage->get_object(), "completion_tokens"),
        "usage counts are the answer's");
  }
  if (facts->model_value) {
    json::object renamed = parsed.as_object();
    renamed["model"] = "public-\"name\"";
    json::error_code ec;
    const json::value spliced =
        json::parse(switchyard::replace_span(text, *facts->model_value, kPublicName), ec);
    require(!ec && same(spliced, renamed), "the model span renames the answer");
  }
}

std::size_t members_in(const json::value& value) {
  std::size_t count = 0;
  if (const json::object* object = value.if_object()) {
    count += object->size();
    for (const json::key_value_pair& member : *object) {
      count += members_in(member.value());
    }
  } else if (const json::array* array = value.if_array()) {
    for (const json::value& element : *array) {
      count += members_in(element);
    }
  }
  return count;
}

void check_member_count(std::string_view text, const json::value& parsed) {
  const std::size_t built = members_in(parsed);
  require(switchyard::count_members(text) >= built, "the text has every member it parsed to");
  require(switchyard::count_members(json::serialize(parsed)) == built,
          "a text that names nothing twice counts exactly the members it parses to");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string renamed = switchyard::replace_member_value(text, "model", kPublicName);

  const auto facts = switchyard::providers::read_answer_facts(text);

  json::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec) {
    require(!facts.has_value(), "invalid JSON has no facts");
    return 0;
  }
  check_facts(text, parsed, facts);
  check_member_count(text, parsed);
  if (!parsed.is_object()) {
    return 0;
  }
  json::object& answer = parsed.as_object();
  if (answer.contains("model") && !scan_may_give_up(text)) {
    require(!renamed.empty(), "a plain answer with a model is renamed in its text");
  }
  if (renamed.empty()) {
    return 0;
  }
  answer["model"] = "public-\"name\"";
  json::error_code renamed_ec;
  const json::value reparsed = json::parse(renamed, renamed_ec);
  require(!renamed_ec, "the renamed text is JSON");
  require(same(reparsed, parsed), "the renamed text parses to the renamed answer");
  return 0;
}
