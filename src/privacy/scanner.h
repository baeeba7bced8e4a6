// Scanner: finds PII, PHI, PCI and secrets in text and in chat-completions requests. This is
// the detection half of the privacy guard; the policy (keep local, pseudonymize, block) reads
// its findings.
//
// Detection runs in three stages over each text:
//   1. One Vectorscan pass runs every pattern at once (built-in rules, operator patterns,
//      deny-list values).
//   2. Each match is confirmed or dropped by its rule's check (checksum, issuer range, length
//      table, cue words nearby) and trimmed to the value.
//   3. The tagger (when a model is loaded) labels names, addresses and other free text, and the
//      clinical signal scores the text as a whole.
// Overlapping spans are then resolved: the higher confidence wins, then the longer span.
//
// Example:
//   auto scanner = Scanner::create(GuardOptions{});
//   for (const Entity& entity : scanner->scan("card 4111 1111 1111 1111")) { ... }
//
// Thread safety: a Scanner is immutable after create() and may be shared by any number of
// threads; copies are cheap and share everything. Per-scan working memory is thread-local or
// taken from a pool inside the pattern engine, so scans never contend except for one short
// mutex section per text.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/result.h"
#include "privacy/entity.h"

namespace switchyard::privacy {

// An operator-defined pattern (Vectorscan syntax, no look-around or back-references). It is
// reported as found, without a validator.
struct CustomPattern {
  std::string name;
  std::string regex;
  EntityType type = EntityType::kCustom;
  DataClass data_class = DataClass::kPii;
  float confidence = 0.9F;
  bool caseless = false;
};

// A value that is always sensitive where it appears as a whole word (a project code name, a
// customer's name), matched without regard to case.
struct DeniedValue {
  std::string value;
  DataClass data_class = DataClass::kPii;
};

// How a Scanner is built. A plain struct so the configuration loader can fill it.
struct GuardOptions {
  // The tagger model file; empty: no tagger (names, addresses and the other free-text types are
  // then not detected). default_tagger_path() is the model the build ships.
  std::string model_path;
  std::vector<CustomPattern> custom_patterns;
  std::vector<DeniedValue> deny_list;
  // Values never reported (compared whole and without regard to case), e.g. the company's own
  // support address.
  std::vector<std::string> allow_list;
  // Types not reported at all.
  std::vector<EntityType> disabled_types;
  // Entities below this confidence are dropped.
  float min_confidence = 0.5F;
  // A text whose pattern stage reports more raw matches than this is scanned only up to that
  // point and marked incomplete (a bound on work per text against adversarial input).
  std::size_t max_matches_per_text = 50'000;
};

// Which string of a request a finding is in. `part` is the index in a content array
// (kContentPart) or in tool_calls (kToolCallArguments); otherwise 0. Strings outside the
// messages (tool definitions, response_format, user, metadata, embeddings input) are
// kPointer, located by `pointer`; the messages are the hot path and keep the compact form.
enum class TextField : std::uint8_t {
  kContent,                // messages[m].content (a string)
  kContentPart,            // messages[m].content[part].text
  kToolCallArguments,      // messages[m].tool_calls[part].function.arguments
  kFunctionCallArguments,  // messages[m].function_call.arguments (legacy)
  kName,                   // messages[m].name, the participant's name
  kRefusal,                // messages[m].refusal
  kPointer,                // the string at `pointer`
};

struct TextLocation {
  std::uint32_t message = 0;
  TextField field = TextField::kContent;
  std::uint32_t part = 0;
  std::string pointer;  // RFC 6901, only for kPointer

  // RFC 6901 pointer to the string, e.g. "/messages/2/content/1/text".
  std::string json_pointer() const;
  friend bool operator==(const TextLocation&, const TextLocation&) = default;
};

// The string at `location` in `request`, to read or to rewrite in place; nullptr when the
// request has no string there.
boost::json::string* text_at(boost::json::object& request, const TextLocation& location);
const boost::json::string* text_at(const boost::json::object& request,
                                   const TextLocation& location);

struct Finding {
  Entity entity;  // offsets are into the string at `location`
  TextLocation location;
};

// Everything found in one text.
struct TextFindings {
  std::vector<Entity> entities;  // sorted by begin, not overlapping
  float clinical_evidence = 0;   // see clinical.h
  bool complete = true;          // false: the pattern stage stopped early (see GuardOptions)
};

// Everything found in one request.
struct Findings {
  std::vector<Finding> findings;  // in request order, then by begin
  ClassCounts class_counts{};     // findings per DataClass
  float phi_score = 0;            // document-level clinical signal over all texts, 0..1
  bool complete = true;           // false: some text was not fully scanned; fail closed

  std::uint32_t count(DataClass data_class) const {
    return class_counts[static_cast<std::size_t>(data_class)];
  }
  // True when there is a PHI finding or the request reads as clinical text.
  bool phi() const;
  bool empty() const { return findings.empty() && !phi(); }
};

class ScanCache;

class Scanner {
 public:
  // Compiles every pattern and loads the model. Fails on a custom pattern that does not
  // compile (naming it) or a model file that cannot be read or is damaged.
  static Result<Scanner, std::string> create(const GuardOptions& options);

  std::vector<Entity> scan(std::string_view text) const;

  // As scan(), reusing `out`'s capacity, with the clinical evidence and completeness.
  void scan(std::string_view text, TextFindings& out) const;

  // Walks every text of a chat-completions or embeddings request: each message's content
  // (string, or the "text" parts of a content array), name and refusal, assistant
  // tool_calls[].function.arguments and the legacy function_call.arguments; and every other
  // string value in the request (tool and function definitions, response_format, user,
  // metadata, stop, embeddings input, fields unknown to us) except those that hold
  // identifiers a rewrite would break: model, role, type, name, id and the like. Images,
  // audio and files in content parts are not read. An embeddings input of token ids cannot be
  // read either, so it makes the findings incomplete.
  //
  // With a cache (made for this scanner), the texts that are the application's instructions
  // rather than its users' words are looked up there first: system and developer messages,
  // and every string under tools, functions and response_format.
  Findings scan_request(const boost::json::object& request, ScanCache* cache = nullptr) const;

  // The name of the rule that found an entity (Entity::rule): "payment_card", "tagger", a
  // custom pattern's name, "deny_list".
  std::string_view rule_name(std::uint16_t rule) const;

  bool has_tagger() const;

  struct State;

 private:
  explicit Scanner(std::shared_ptr<const State> state) : state_(std::move(state)) {}

  std::shared_ptr<const State> state_;
};

}  // namespace switchyard::privacy
