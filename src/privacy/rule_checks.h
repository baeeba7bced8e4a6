// Confirms what a rule's pattern proposed: runs the rule's Check on the matched bytes, trims
// the span to the value, applies cue words, and returns the entity or nothing. Pure function of
// its arguments; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "privacy/entity.h"
#include "privacy/rules.h"

namespace switchyard::privacy {

// `begin`/`end` are the match's byte offsets in `text`; `rule_id` is copied into the entity.
std::optional<Entity> confirm(const Rule& rule, std::uint16_t rule_id, std::string_view text,
                              std::uint32_t begin, std::uint32_t end);

}  // namespace switchyard::privacy
