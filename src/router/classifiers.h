// The trained classifiers the routes of a config use, loaded once at start and shared
// read-only by every I/O thread: the intent classifier and the difficulty scorer, each
// optional.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"
#include "router/route_table.h"

namespace switchyard::router {

class IntentClassifier;
class DifficultyScorer;

class Classifiers {
 public:
  // Loads the files [router] names and checks every route's intents against the classifier's
  // labels, so a misspelt intent fails at start rather than never matching.
  static Result<std::shared_ptr<const Classifiers>, std::string> load(const config::Config& config);

  ~Classifiers();
  Classifiers(Classifiers&&) noexcept;
  Classifiers& operator=(Classifiers&&) noexcept;

  // REQUIRES: the config names an intent model (the loader ensures it for routes on intent).
  IntentFact intent(std::string_view text) const;
  // REQUIRES: the config names a difficulty model.
  DifficultyFact difficulty(std::string_view prompt) const;

 private:
  Classifiers();

  std::unique_ptr<IntentClassifier> intent_;
  std::unique_ptr<DifficultyScorer> difficulty_;
  double threshold_ = 0;  // the difficulty score above which a request is hard
};

}  // namespace switchyard::router
