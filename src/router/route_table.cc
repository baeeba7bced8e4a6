#include "router/route_table.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace switchyard::router {
namespace {

constexpr std::array<std::string_view, 4> kClassNames{"pii", "phi", "pci", "secret"};

// The facts computed so far, remembered across routes so each classifier runs at most once.
class Facts {
 public:
  explicit Facts(RequestFacts& facts) : facts_(facts) {}

  const IntentFact& intent() {
    if (!intent_) {
      intent_ = facts_.intent();
    }
    return *intent_;
  }
  const DifficultyFact& difficulty() {
    if (!difficulty_) {
      difficulty_ = facts_.difficulty();
    }
    return *difficulty_;
  }
  const RequestFacts& request() const { return facts_; }

  // What was learnt, for the reason and error messages.
  std::string summary() const {
    std::string text =
        fmt::format("data={}; prompt_tokens={}", data_classes(), facts_.prompt_tokens);
    if (intent_) {
      text += fmt::format("; intent={}({:.2f})", intent_->label, intent_->confidence);
    }
    if (facts_.choice != nullptr) {
      text += fmt::format("; chosen={} ({:.1f} ms)", facts_.choice->outcome, facts_.choice->ms);
    }
    if (difficulty_) {
      text +=
          fmt::format("; {} ({:.3f} {} {:.3f})", difficulty_->hard() ? "hard" : "easy",
                      difficulty_->score, difficulty_->hard() ? ">" : "<=", difficulty_->threshold);
    }
    return text;
  }

 private:
  std::string data_classes() const {
    std::string names;
    for (std::size_t i = 0; i < kClassNames.size(); ++i) {
      if ((facts_.data_classes & (1U << i)) != 0) {
        names += names.empty() ? "" : ",";
        names += kClassNames[i];
      }
    }
    return names.empty() ? "none" : names;
  }

  RequestFacts& facts_;
  std::optional<IntentFact> intent_;
  std::optional<DifficultyFact> difficulty_;
};

bool data_class_matches(const std::vector<std::string>& wanted, std::uint8_t found) {
  if (wanted.empty()) {
    return true;
  }
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& name) {
    if (name == "none") {
      return found == 0;
    }
    const auto it = std::find(kClassNames.begin(), kClassNames.end(), name);
    return (found & (1U << (it - kClassNames.begin()))) != 0;
  });
}

bool metadata_matches(const config::RouteConditions& when, const boost::json::object* metadata) {
  return std::all_of(when.metadata.begin(), when.metadata.end(), [&](const auto& wanted) {
    const auto* value = metadata != nullptr ? metadata->if_contains(wanted.first) : nullptr;
    return value != nullptr && value->is_string() && value->as_string() == wanted.second;
  });
}

// The conditions that need no classifier, checked first.
bool plain_conditions_match(const config::RouteConditions& when, const RequestFacts& facts) {
  const bool keys_match = when.keys.empty() || std::find(when.keys.begin(), when.keys.end(),
                                                         facts.key) != when.keys.end();
  return data_class_matches(when.data_classes, facts.data_classes) &&
         (!when.min_prompt_tokens || facts.prompt_tokens >= *when.min_prompt_tokens) &&
         (!when.max_prompt_tokens || facts.prompt_tokens <= *when.max_prompt_tokens) &&
         (facts.features & when.features) == when.features && keys_match &&
         metadata_matches(when, facts.metadata);
}

// A described route matches only when the route model named it.
bool chosen(const config::RouteConfig& route, const RequestFacts& facts) {
  return route.description.empty() ||
         (facts.choice != nullptr && facts.choice->route == route.name);
}

bool matches(const config::RouteConditions& when, Facts& facts) {
  if (!plain_conditions_match(when, facts.request())) {
    return false;
  }
  if (!when.intents.empty()) {
    const std::string& label = facts.intent().label;
    if (std::find(when.intents.begin(), when.intents.end(), label) == when.intents.end()) {
      return false;
    }
  }
  return !when.hard || facts.difficulty().hard() == *when.hard;
}

}  // namespace

std::optional<RouteMatch> match_route(const config::Config& config, RequestFacts& request,
                                      std::string& why) {
  Facts facts(request);
  for (const config::RouteConfig& route : config.routes) {
    if (route.alias == request.alias && chosen(route, request) && matches(route.when, facts)) {
      return RouteMatch{.route = &route, .reason = facts.summary()};
    }
  }
  why = facts.summary();
  return std::nullopt;
}

}  // namespace switchyard::router
