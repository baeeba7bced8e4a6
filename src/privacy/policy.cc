#include "privacy/policy.h"

#include <algorithm>

#include <fmt/format.h>

namespace switchyard::privacy {
namespace {

constexpr std::array<std::string_view, 4> kActionNames{"allow", "pseudonymize", "local_only",
                                                       "block"};

void count_type(Decision& decision, EntityType type) {
  auto& counts = decision.type_counts;
  auto found = std::find_if(counts.begin(), counts.end(),
                            [type](const auto& entry) { return entry.first == type; });
  if (found == counts.end()) {
    counts.emplace_back(type, 1);
  } else {
    ++found->second;
  }
}

// Whether the request carries `data_class`; PHI also counts when the text reads as clinical.
bool present(const Findings& findings, DataClass data_class) {
  return data_class == DataClass::kPhi ? findings.phi() : findings.count(data_class) > 0;
}

}  // namespace

std::string_view name_of(Action action) {
  return kActionNames[static_cast<std::size_t>(action)];
}

std::optional<Action> action_from_name(std::string_view name) {
  const auto found = std::find(kActionNames.begin(), kActionNames.end(), name);
  if (found == kActionNames.end()) {
    return std::nullopt;
  }
  return static_cast<Action>(found - kActionNames.begin());
}

Decision decide(const Findings& findings, const ClassActions& actions) {
  Decision decision;
  for (const Finding& finding : findings.findings) {
    count_type(decision, finding.entity.type);
  }
  for (std::size_t i = 0; i < kDataClassCount; ++i) {
    const auto data_class = static_cast<DataClass>(i);
    if (!present(findings, data_class)) {
      continue;
    }
    if (!decision.deciding_class || actions[data_class] > decision.action) {
      decision.action = actions[data_class];
      decision.deciding_class = data_class;
    }
  }
  if (!findings.complete) {
    decision.complete = false;
    if (decision.action < Action::kLocalOnly) {
      decision.action = Action::kLocalOnly;
      decision.deciding_class.reset();
    }
  }
  return decision;
}

Decision undecided() {
  Decision decision;
  decision.action = Action::kLocalOnly;
  decision.complete = false;
  return decision;
}

std::string describe_counts(const Decision& decision) {
  std::string out;
  for (const auto& [type, count] : decision.type_counts) {
    fmt::format_to(std::back_inserter(out), "{}{}={}", out.empty() ? "" : ", ", name_of(type),
                   count);
  }
  return out;
}

std::string describe(const Decision& decision) {
  std::string out(name_of(decision.action));
  if (!decision.complete) {
    out += "; incomplete";
  }
  if (!decision.type_counts.empty()) {
    out += "; ";
    out += describe_counts(decision);
  }
  return out;
}

}  // namespace switchyard::privacy
