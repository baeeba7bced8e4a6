// Policy: what the gateway does with a request once the scanner has looked at it. Each data
// class has an action; a request gets the strictest action over the classes it carries.
// Plain values and pure functions; safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "privacy/entity.h"
#include "privacy/scanner.h"

namespace switchyard::privacy {

// Ordered from the most permissive to the strictest, so the strictest of several is the max.
enum class Action : std::uint8_t {
  kAllow,         // forward as sent
  kPseudonymize,  // replace the values with placeholders before an external model sees them
  kLocalOnly,     // only a model on our own hardware may see the request
  kBlock,         // refuse the request
};

std::string_view name_of(Action action);
std::optional<Action> action_from_name(std::string_view name);

// One action per DataClass, indexed by the class.
struct ClassActions {
  std::array<Action, kDataClassCount> actions{Action::kLocalOnly, Action::kLocalOnly,
                                              Action::kPseudonymize, Action::kBlock};

  Action& operator[](DataClass data_class) { return actions[static_cast<std::size_t>(data_class)]; }
  Action operator[](DataClass data_class) const {
    return actions[static_cast<std::size_t>(data_class)];
  }
};

// What the policy made of one request's findings.
struct Decision {
  Action action = Action::kAllow;
  // The class that set the action; empty when nothing was found or the scan was incomplete.
  std::optional<DataClass> deciding_class;
  bool complete = true;  // false: the scan was cut short, so the request stays local
  // Findings per entity type, in the order types were first found; never the values.
  std::vector<std::pair<EntityType, std::uint32_t>> type_counts;
};

// The strictest action over the classes present in `findings`. An incomplete scan counts as
// local_only at least: when the guard cannot decide, the request stays on our hardware.
Decision decide(const Findings& findings, const ClassActions& actions);

// The decision for a request the scanner could not look at (it failed): local_only.
Decision undecided();

// "PERSON=2, EMAIL=1": types and counts only.
std::string describe_counts(const Decision& decision);

// The x-switchyard-privacy header value, e.g. "pseudonymize; PERSON=2, EMAIL=1", or
// "local_only; incomplete" when the scan was cut short.
std::string describe(const Decision& decision);

}  // namespace switchyard::privacy
