// Fuzzes what happens to a chat-completions body before it is forwarded: parse_body under the
// server's JSON bounds, validate_chat_request, and the privacy guard's scan, pseudonymization
// and restoration of the request's texts.
//
// Oracles:
//   - readable: in a body that passes, every integer field a provider reads fits the type it
//     is read into, and every field it reads as a float converts without overflow;
//   - stable: an accepted body, serialized and parsed again, is the same value (a double
//     may come back a few doubles away) and passes again (nothing like "Infinity" goes
//     upstream);
//   - spans: every finding lies inside its text, in order and without overlaps;
//   - round trip: a text whose values were replaced by placeholders is restored to the
//     original, whole and streamed in pieces of 1, 3 and 7 bytes (for texts without '<',
//     which the client could have written to look like a placeholder);
//   - pieces: any text of the request, restored as if it streamed back in pieces of 1, 3 and
//     7 bytes, comes out as it does restored whole, as plain text and as JSON text.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "api/request_body.h"
#include "api/validation.h"
#include "config/config.h"
#include "fuzz/fuzz_check.h"
#include "privacy/restorer.h"
#include "privacy/scanner.h"
#include "privacy/tagger.h"
#include "privacy/vault.h"

namespace {

namespace json = boost::json;
namespace privacy = switchyard::privacy;
using switchyard::fuzz::require;

constexpr std::string_view kInt32Fields[] = {"max_tokens", "max_completion_tokens", "n",
                                             "top_logprobs", "top_k"};
// What the local provider reads as floats (providers/local.cc).
constexpr std::string_view kFloatFields[] = {
    "temperature",       "top_p",           "top_k", "min_p", "repetition_penalty",
    "frequency_penalty", "presence_penalty"};

const privacy::Scanner& scanner() {
  static const privacy::Scanner instance = [] {
    privacy::GuardOptions options;
    options.model_path = privacy::default_tagger_path();
    auto created = privacy::Scanner::create(options);
    require(created.ok(), "the privacy scanner builds");
    return std::move(created).value();
  }();
  return instance;
}

bool fits_int(const json::value& value, std::int64_t min, std::int64_t max) {
  json::error_code ec;
  const auto number = value.to_number<std::int64_t>(ec);
  return !ec && number >= min && number <= max;
}

void check_readable(const json::object& body) {
  for (const std::string_view key : kInt32Fields) {
    if (const auto* value = body.if_contains(key); value != nullptr && !value->is_null()) {
      require(fits_int(*value, std::numeric_limits<std::int32_t>::min(),
                       std::numeric_limits<std::int32_t>::max()),
              "32-bit integer fields fit 32 bits");
    }
  }
  if (const auto* seed = body.if_contains("seed"); seed != nullptr && !seed->is_null()) {
    require(fits_int(*seed, std::numeric_limits<std::int64_t>::min(),
                     std::numeric_limits<std::int64_t>::max()),
            "the seed fits 64 bits");
  }
  for (const std::string_view key : kFloatFields) {
    if (const auto* value = body.if_contains(key); value != nullptr && value->is_number()) {
      const double number = value->to_number<double>();
      require(std::isfinite(number) && std::fabs(number) <= FLT_MAX,
              "the sampling fields providers read as floats fit a float");
    }
  }
}

// At most a few doubles apart (in a sample of a million, Boost.JSON's error was at most 2).
bool nearly_equal(double a, double b) {
  constexpr int kUlps = 4;
  for (int step = 0; step < kUlps && a != b; ++step) {
    a = std::nextafter(a, b);
  }
  return a == b;
}

// Equal, except that a double may come back a few doubles away: Boost.JSON 1.81 does not
// round every number to the nearest double (see api/request_body.h).
bool same_value(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    return nearly_equal(a.get_double(), b.get_double());
  }
  if (a.kind() != b.kind()) {
    return false;
  }
  if (a.is_array()) {
    const auto& left = a.get_array();
    const auto& right = b.get_array();
    return left.size() == right.size() &&
           std::equal(left.begin(), left.end(), right.begin(), same_value);
  }
  if (a.is_object()) {
    const auto& left = a.get_object();
    const auto& right = b.get_object();
    return left.size() == right.size() &&
           std::all_of(left.begin(), left.end(), [&](const json::key_value_pair& item) {
             const json::value* other = right.if_contains(item.key());
             return other != nullptr && same_value(item.value(), *other);
           });
  }
  return a == b;
}

void check_stable(const json::object& body, const switchyard::config::ServerConfig& limits) {
  const std::string text = json::serialize(body);
  auto again = switchyard::api::parse_body(text, limits);
  require(again.ok(), "an accepted body serializes to a body that parses");
  require(same_value(*again, body), "an accepted body survives serialization unchanged");
  require(!switchyard::api::validate_chat_request(*again), "an accepted body passes again");
}

void check_spans(const json::object& body, const privacy::Findings& findings) {
  const privacy::TextLocation* previous_location = nullptr;
  std::uint32_t previous_end = 0;
  for (const privacy::Finding& finding : findings.findings) {
    const json::string* text = privacy::text_at(body, finding.location);
    require(text != nullptr, "a finding's location holds a string");
    require(finding.entity.begin < finding.entity.end && finding.entity.end <= text->size(),
            "a finding lies inside its text");
    if (previous_location != nullptr && *previous_location == finding.location) {
      require(finding.entity.begin >= previous_end, "findings in one text are ordered");
    }
    previous_location = &finding.location;
    previous_end = finding.entity.end;
  }
}

std::string restore_in_pieces(std::string_view text, std::size_t piece, const privacy::Vault& vault,
                              privacy::TextKind kind = privacy::TextKind::kPlain) {
  privacy::StreamRestorer restorer(vault, kind);
  std::string out;
  for (std::size_t at = 0; at < text.size(); at += piece) {
    out += restorer.push(text.substr(at, piece));
  }
  return out + restorer.finish();
}

void check_round_trip(const json::object& body, const privacy::Findings& findings) {
  json::object masked = body;
  privacy::ClassActions everything;
  everything.actions.fill(privacy::Action::kPseudonymize);
  privacy::Vault vault;
  privacy::pseudonymize(masked, findings, everything, vault);
  const privacy::TextLocation* previous = nullptr;
  for (const privacy::Finding& finding : findings.findings) {
    const bool seen = previous != nullptr && *previous == finding.location;
    previous = &finding.location;
    const json::string* original = privacy::text_at(body, finding.location);
    const json::string* replaced = privacy::text_at(masked, finding.location);
    if (seen || original->find('<') != json::string::npos ||
        privacy::takes_bare_placeholder(finding.location)) {
      continue;
    }
    const std::string restored = privacy::restore_text(*replaced, vault, privacy::TextKind::kPlain);
    require(restored == *original, "a pseudonymized text is restored to the original");
    for (const std::size_t piece : {1, 3, 7}) {
      require(restore_in_pieces(*replaced, piece, vault) == restored,
              "restoring in pieces gives the same text");
    }
  }
}

// A vault as a conversation might hold it, for texts the client wrote.
const privacy::Vault& sample_vault() {
  static const privacy::Vault vault = [] {
    privacy::Vault out;
    out.placeholder_for(privacy::EntityType::kPerson, "Jane Doe");
    out.placeholder_for(privacy::EntityType::kPerson, "Li \"Lee\" Wong");
    out.placeholder_for(privacy::EntityType::kEmail, "jane@example.com");
    return out;
  }();
  return vault;
}

// Whatever a text holds (real placeholders, broken ones, look-alikes), restoring it as it
// streams in gives what restoring it whole gives.
void check_streamed_restore(std::string_view text) {
  for (const auto kind : {privacy::TextKind::kPlain, privacy::TextKind::kJson}) {
    const std::string whole = privacy::restore_text(text, sample_vault(), kind);
    for (const std::size_t piece : {1, 3, 7}) {
      require(restore_in_pieces(text, piece, sample_vault(), kind) == whole,
              "restoring a stream in pieces gives what restoring it whole gives");
    }
  }
}

// Validation has checked the shapes read here: messages are objects, content parts too.
void check_message_texts(const json::object& body) {
  for (const json::value& message : body.at("messages").as_array()) {
    const json::value* content = message.as_object().if_contains("content");
    if (content != nullptr && content->is_string()) {
      check_streamed_restore(content->get_string());
    }
    if (content == nullptr || !content->is_array()) {
      continue;
    }
    for (const json::value& part : content->get_array()) {
      const json::value* text = part.as_object().if_contains("text");
      if (text != nullptr && text->is_string()) {
        check_streamed_restore(text->get_string());
      }
    }
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  scanner();
  return 0;
}

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const switchyard::config::ServerConfig limits;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto body = switchyard::api::parse_body(bytes, limits);
  if (!body || switchyard::api::validate_chat_request(*body)) {
    return 0;
  }
  check_readable(*body);
  check_stable(*body, limits);
  const privacy::Findings findings = scanner().scan_request(*body);
  check_spans(*body, findings);
  check_round_trip(*body, findings);
  check_message_texts(*body);
  return 0;
}
