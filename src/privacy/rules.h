// The built-in detection rules: one Vectorscan pattern each, the entity it finds, how a match is
// confirmed (Check) and which cue words must or may appear near it. The table is constant data;
// thread-safe.
//
// A pattern only proposes candidates. Anything a regular expression cannot say well (checksums,
// lengths per country, "a digit must not follow") is the check's job, which also trims the
// match to the value itself (e.g. the password inside a connection URL).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "privacy/entity.h"

namespace switchyard::privacy {

// How a candidate is confirmed; see confirm() in rule_checks.h.
enum class Check : std::uint8_t {
  kNone,         // the pattern is enough (operator patterns)
  kBounded,      // only word boundaries on both sides
  kPaymentCard,  // digit groups, issuer range, Luhn
  kIban,         // country length, mod 97
  kAbaRouting,   // 3-7-1 checksum
  kSwiftBic,     // structure and country
  kSsn,          // area, group, serial rules
  kDigitsId,     // an identifier that only cue words make meaningful (passport, MRN, ...)
  kEmail,
  kPhone,  // groups, calling code or North American shape, dates rejected
  kIpv4,
  kIpv6,
  kMac,
  kDate,  // a calendar date with valid month and day
  kUrl,
  kNpi,
  kDea,
  kIcd10,
  kHighEntropy,  // a token whose characters look random
  kPemBlock,     // extends the BEGIN line to its END line
  kJwt,
  kUrlPassword,    // the password of scheme://user:password@host
  kAfterEquals,    // the value after the first '=' (Azure's "AccountKey=...")
  kAssignedValue,  // the value assigned to a key-like name (api_key=..., password: ...)
};

// Whether the cue words are needed, only raise the confidence, or are not looked for. Rules
// that require them are "gated": they run only in windows around a cue word (see scanner.cc),
// which keeps their broad patterns (digit runs) off the full text.
enum class CueNeed : std::uint8_t { kNone, kBoost, kRequired };

// Where a match begins. Leftmost-start tracking is the costliest thing Vectorscan does, so only
// patterns that open with a literal use it; the others report their end and the engine finds
// the start itself.
enum class Anchor : std::uint8_t {
  kStart,  // Vectorscan's leftmost start (HS_FLAG_SOM_LEFTMOST)
  kRun,    // walk back from the end over `run_chars` (the value's alphabet), at most max_length
  kEnd,    // the match only locates the value: it begins at the end and the check reads on
};

struct Rule {
  std::string_view name;  // stable, shown with findings ("payment_card", "github_token")
  std::string_view pattern;
  EntityType type;
  Check check;
  float confidence;  // when confirmed without cue words
  CueNeed cue_need = CueNeed::kNone;
  std::span<const std::string_view> cues = {};
  float cue_confidence = 0;  // when confirmed with a cue word near it
  bool caseless = false;
  // Words that veto a match when they precede it ("version 1.2.3.4" is not an address).
  std::span<const std::string_view> vetoes = {};
  Anchor anchor = Anchor::kStart;
  std::string_view run_chars = {};  // for Anchor::kRun
  std::uint16_t max_length = 0;     // for Anchor::kRun
  // For Anchor::kRun: when set, the pattern reads on past the value to the first character
  // that cannot continue it, and the value ends after the last of these characters before the
  // reported end. Vectorscan then reports a long digit run once instead of at every digit.
  std::string_view end_chars = {};
};

// The cue words of every gated rule, as one case-insensitive Vectorscan pattern.
std::string cue_pattern();

std::span<const Rule> builtin_rules();

}  // namespace switchyard::privacy
