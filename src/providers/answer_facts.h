// AnswerFacts: what the gateway needs from an upstream's whole answer, read from its text in
// one pass of Boost.JSON's parser without building the document: that it is a JSON object,
// its token usage, and where its "model" value lies so that the value can be replaced in
// the text. Building the document costs about three times as much as this pass and is
// wanted only when the answer must be edited (ProviderResponse::answer()).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/json_members.h"

namespace switchyard::providers {

// The counts of an answer's "usage" object: 0 for one that is missing or not an integer.
struct TokenCounts {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

struct AnswerFacts {
  // Set when the top-level "usage" member is an object (the last one, if named twice, as a
  // parser keeps).
  std::optional<TokenCounts> usage;
  // The bytes of the one top-level "model" member's value, quotes included, when that value
  // is a string written without escapes; otherwise find_member_value may still find it.
  std::optional<TextSpan> model_value;
};

// The facts of `text`, or nothing when it is not valid JSON or not an object.
std::optional<AnswerFacts> read_answer_facts(std::string_view text);

}  // namespace switchyard::providers
