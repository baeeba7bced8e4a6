#include "router/classifiers.h"

#include <algorithm>

#include <fmt/format.h>

#include "router/difficulty_scorer.h"
#include "router/intent_classifier.h"

namespace switchyard::router {
namespace {

constexpr std::string_view kOutOfScope = "out_of_scope";

std::optional<std::string> unknown_intent(const config::Config& config,
                                          const IntentClassifier& classifier) {
  const auto& labels = classifier.labels();
  for (const config::RouteConfig& route : config.routes) {
    for (const std::string& intent : route.when.intents) {
      if (intent != kOutOfScope &&
          std::find(labels.begin(), labels.end(), intent) == labels.end()) {
        return fmt::format(
            "route '{}' names the intent '{}', which the classifier {} does not know", route.name,
            intent, config.router.intent_model);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Classifiers::Classifiers() = default;
Classifiers::~Classifiers() = default;
Classifiers::Classifiers(Classifiers&&) noexcept = default;
Classifiers& Classifiers::operator=(Classifiers&&) noexcept = default;

Result<std::shared_ptr<const Classifiers>, std::string> Classifiers::load(
    const config::Config& config) {
  Classifiers loaded;
  if (!config.router.intent_model.empty()) {
    auto intent = IntentClassifier::load(config.router.intent_model);
    if (!intent) {
      return fail(fmt::format("the intent classifier cannot be loaded: {}", intent.error()));
    }
    loaded.intent_ = std::make_unique<IntentClassifier>(std::move(intent).value());
    if (auto problem = unknown_intent(config, *loaded.intent_)) {
      return fail(std::move(*problem));
    }
  }
  if (!config.router.difficulty_model.empty()) {
    auto scorer = DifficultyScorer::load(config.router.difficulty_model);
    if (!scorer) {
      return fail(fmt::format("the difficulty scorer cannot be loaded: {}", scorer.error()));
    }
    loaded.difficulty_ = std::make_unique<DifficultyScorer>(std::move(scorer).value());
    // Escalating a share s means calling hard the top s of held-out scores.
    loaded.threshold_ = loaded.difficulty_->threshold_for_share(config.router.escalate_share);
  }
  return std::shared_ptr<const Classifiers>(std::make_shared<Classifiers>(std::move(loaded)));
}

IntentFact Classifiers::intent(std::string_view text) const {
  const IntentPrediction prediction = intent_->predict(text);
  return {
      .label = prediction.out_of_scope ? std::string(kOutOfScope) : std::string(prediction.intent),
      .confidence = prediction.confidence};
}

DifficultyFact Classifiers::difficulty(std::string_view prompt) const {
  return {.score = difficulty_->score(prompt), .threshold = threshold_};
}

}  // namespace switchyard::router
