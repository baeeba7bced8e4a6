#include "privacy/scanner.h"

#include <algorithm>
#include <array>
#include <deque>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "privacy/clinical.h"
#include "privacy/pattern_engine.h"
#include "privacy/rule_checks.h"
#include "privacy/rules.h"
#include "privacy/tagger.h"
#include "privacy/text_scan.h"

namespace switchyard::privacy {

struct Scanner::State {
  std::vector<Rule> rules;  // built-in, then custom patterns, then deny-list values
  std::vector<std::optional<DataClass>> rule_classes;  // a class that overrides the type's
  std::deque<std::string> strings;  // storage the custom rules' string_views point into
  // The full text runs through `engine`: every rule that needs no cue word, and one pattern for
  // the cue words. Only windows around cue words run through `gated_engine`, which holds the
  // rules that require a cue. Each engine's pattern ids map to rule indices.
  std::unique_ptr<PatternEngine> engine;
  std::vector<std::uint32_t> engine_rules;
  std::unique_ptr<PatternEngine> gated_engine;
  std::vector<std::uint32_t> gated_rules;
  std::optional<Tagger> tagger;
  std::uint16_t tagger_rule = 0;
  std::vector<std::string> allow_list;
  std::array<bool, kEntityTypeCount> disabled{};
  float min_confidence = 0;
  std::size_t max_matches = 0;
};

namespace {

constexpr std::string_view kTaggerRuleName = "tagger";
constexpr std::string_view kDenyRuleName = "deny_list";

// Matches the bytes of `value` literally: every byte that is not a letter or digit escaped.
std::string literal_pattern(std::string_view value) {
  std::string pattern;
  for (const char c : value) {
    if (is_ascii_alnum(c)) {
      pattern.push_back(c);
    } else {
      pattern += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
  }
  return pattern;
}

void add_custom_rules(const GuardOptions& options, Scanner::State& state) {
  for (const CustomPattern& custom : options.custom_patterns) {
    Rule rule{};
    rule.name = state.strings.emplace_back(custom.name);
    rule.pattern = state.strings.emplace_back(custom.regex);
    rule.type = custom.type;
    rule.check = Check::kNone;
    rule.confidence = custom.confidence;
    rule.caseless = custom.caseless;
    state.rules.push_back(rule);
    state.rule_classes.push_back(custom.data_class);
  }
  for (const DeniedValue& denied : options.deny_list) {
    Rule rule{};
    rule.name = kDenyRuleName;
    rule.pattern = state.strings.emplace_back(literal_pattern(denied.value));
    rule.type = EntityType::kCustom;
    rule.check = Check::kBounded;
    rule.confidence = 1.0F;
    rule.caseless = true;
    state.rules.push_back(rule);
    state.rule_classes.push_back(denied.data_class);
  }
}

constexpr std::uint32_t kCueRule = UINT32_MAX;

// How far around a cue word the gated rules look: has_cue() accepts four words before a value
// and two after it, and these spans cover that with room for long values.
constexpr std::uint32_t kWindowBefore = 64;
constexpr std::uint32_t kWindowAfter = 96;

Result<std::unique_ptr<PatternEngine>, std::string> compile_engine(
    const std::vector<PatternSpec>& specs, std::string_view what) {
  auto engine = PatternEngine::compile(specs);
  if (!engine) {
    return fail(fmt::format("privacy patterns ({}): {}", what, engine.error()));
  }
  return std::move(engine).value();
}

Result<bool, std::string> compile_rules(Scanner::State& state) {
  std::vector<PatternSpec> main;
  std::vector<PatternSpec> gated;
  for (std::uint32_t i = 0; i < state.rules.size(); ++i) {
    const bool is_gated = state.rules[i].cue_need == CueNeed::kRequired;
    (is_gated ? gated : main).push_back(spec_of(state.rules[i]));
    (is_gated ? state.gated_rules : state.engine_rules).push_back(i);
  }
  main.push_back({cue_pattern(), true});
  state.engine_rules.push_back(kCueRule);
  auto engine = compile_engine(main, "main");
  auto gated_engine = compile_engine(gated, "cue-gated");
  if (!engine || !gated_engine) {
    return fail(engine ? gated_engine.error() : engine.error());
  }
  state.engine = std::move(engine).value();
  state.gated_engine = std::move(gated_engine).value();
  return true;
}

// Runs both engines: the main one over `text`, the gated one over the merged windows around
// the cue words the main one found. Leaves rule indices in `matches`; false if incomplete.
bool find_matches(const Scanner::State& state, std::string_view text,
                  std::vector<RawMatch>& matches) {
  thread_local std::vector<RawMatch> window_matches;
  bool complete = state.engine->scan(text, matches, state.max_matches);
  std::uint32_t window_begin = 0;
  std::uint32_t window_end = 0;
  const auto flush = [&] {
    if (window_end > window_begin) {
      window_matches.clear();
      complete = state.gated_engine->scan(text.substr(window_begin, window_end - window_begin),
                                          window_matches, state.max_matches) &&
                 complete;
      for (RawMatch match : window_matches) {
        matches.push_back({state.gated_rules[match.pattern], match.begin + window_begin,
                           match.end + window_begin});
      }
    }
  };
  const std::size_t main_count = matches.size();
  for (std::size_t i = 0; i < main_count; ++i) {
    RawMatch& match = matches[i];
    match.pattern = state.engine_rules[match.pattern];
    if (match.pattern != kCueRule) {
      continue;
    }
    const std::uint32_t begin = match.begin > kWindowBefore ? match.begin - kWindowBefore : 0;
    const auto end =
        static_cast<std::uint32_t>(std::min<std::size_t>(text.size(), match.end + kWindowAfter));
    if (begin > window_end) {
      flush();
      window_begin = begin;
    }
    window_end = std::max(window_end, end);
  }
  flush();
  std::erase_if(matches, [](const RawMatch& match) { return match.pattern == kCueRule; });
  return complete;
}

bool contains(const Entity& outer, std::uint32_t begin, std::uint32_t end) {
  return outer.begin <= begin && end <= outer.end;
}

// Confirms the raw matches rule by rule. For each rule and start only the longest match is
// checked (the checks trim it themselves), and a match inside one already confirmed for the
// same rule is skipped.
void confirm_matches(const Scanner::State& state, std::string_view text,
                     std::vector<RawMatch>& matches, std::vector<Entity>& out) {
  std::sort(matches.begin(), matches.end(), [](const RawMatch& a, const RawMatch& b) {
    if (a.pattern != b.pattern) {
      return a.pattern < b.pattern;
    }
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::optional<Entity> last;  // the last entity confirmed for the current rule
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const RawMatch& match = matches[i];
    const bool new_rule = i == 0 || matches[i - 1].pattern != match.pattern;
    last = new_rule ? std::nullopt : last;
    const bool same_start = !new_rule && matches[i - 1].begin == match.begin;
    if (same_start || (last && contains(*last, match.begin, match.end))) {
      continue;
    }
    const Rule& rule = state.rules[match.pattern];
    auto entity =
        confirm(rule, static_cast<std::uint16_t>(match.pattern), text, match.begin, match.end);
    if (entity) {
      entity->data_class = state.rule_classes[match.pattern].value_or(entity->data_class);
      out.push_back(*entity);
      last = entity;
    }
  }
}

bool dropped(const Scanner::State& state, std::string_view text, const Entity& entity) {
  if (state.disabled[static_cast<std::size_t>(entity.type)] ||
      entity.confidence < state.min_confidence) {
    return true;
  }
  const std::string_view value = text.substr(entity.begin, entity.size());
  for (const std::string& allowed_value : state.allow_list) {
    if (equals_ignore_case(value, allowed_value)) {
      return true;
    }
  }
  return false;
}

// Orders kept spans by where they begin; compares with a position too, for lower_bound.
struct ByBegin {
  using is_transparent = void;
  bool operator()(const Entity& a, const Entity& b) const { return a.begin < b.begin; }
  bool operator()(const Entity& a, std::uint32_t begin) const { return a.begin < begin; }
  bool operator()(std::uint32_t begin, const Entity& b) const { return begin < b.begin; }
};

// Adds each candidate, strongest first, that overlaps nothing already kept. `kept` stays
// ordered by begin, so only the neighbours around a candidate's place can overlap it.
template <class Kept, class LowerBound>
void keep_disjoint(const std::vector<Entity>& candidates, Kept& kept, LowerBound lower_bound) {
  for (const Entity& candidate : candidates) {
    const auto next = lower_bound(kept, candidate.begin);
    const bool hits_next = next != kept.end() && next->overlaps(candidate);
    const bool hits_previous = next != kept.begin() && std::prev(next)->overlaps(candidate);
    if (!hits_next && !hits_previous) {
      kept.insert(next, candidate);
    }
  }
}

// Keeps the strongest of overlapping spans: higher confidence, then longer, then earlier.
// Few candidates are kept in the vector itself; many in a tree, where an insertion does not
// shift every span after it (a long text with tens of thousands of findings would otherwise
// spend most of its scan moving them).
void resolve_overlaps(std::vector<Entity>& candidates, std::vector<Entity>& out) {
  std::sort(candidates.begin(), candidates.end(), [](const Entity& a, const Entity& b) {
    if (a.confidence != b.confidence) {
      return a.confidence > b.confidence;
    }
    return a.size() != b.size() ? a.size() > b.size() : a.begin < b.begin;
  });
  out.clear();
  constexpr std::size_t kTreeFrom = 512;
  if (candidates.size() < kTreeFrom) {
    keep_disjoint(candidates, out, [](std::vector<Entity>& kept, std::uint32_t begin) {
      return std::lower_bound(kept.begin(), kept.end(), begin, ByBegin{});
    });
    return;
  }
  std::multiset<Entity, ByBegin> kept;
  keep_disjoint(candidates, kept, [](std::multiset<Entity, ByBegin>& tree, std::uint32_t begin) {
    return tree.lower_bound(begin);
  });
  out.assign(kept.begin(), kept.end());
}

}  // namespace

Result<Scanner, std::string> Scanner::create(const GuardOptions& options) {
  auto state = std::make_shared<State>();
  for (const Rule& rule : builtin_rules()) {
    state->rules.push_back(rule);
    state->rule_classes.emplace_back();
  }
  add_custom_rules(options, *state);
  if (auto compiled = compile_rules(*state); !compiled) {
    return fail(std::move(compiled).error());
  }
  state->tagger_rule = static_cast<std::uint16_t>(state->rules.size());
  if (!options.model_path.empty()) {
    auto tagger = Tagger::load(options.model_path);
    if (!tagger) {
      return fail(std::move(tagger).error());
    }
    state->tagger = std::move(tagger).value();
  }
  for (const std::string& value : options.allow_list) {
    state->allow_list.push_back(value);
  }
  for (const EntityType type : options.disabled_types) {
    state->disabled[static_cast<std::size_t>(type)] = true;
  }
  state->min_confidence = options.min_confidence;
  state->max_matches = options.max_matches_per_text;
  return Scanner(std::move(state));
}

void Scanner::scan(std::string_view text, TextFindings& out) const {
  thread_local std::vector<RawMatch> matches;
  thread_local std::vector<Entity> candidates;
  thread_local std::vector<Token> tokens;
  const State& state = *state_;
  matches.clear();
  candidates.clear();
  out.complete = text.size() <= UINT32_MAX && find_matches(state, text, matches);
  confirm_matches(state, text, matches, candidates);

  tokenize(text, tokens);
  if (state.tagger) {
    const std::size_t first = candidates.size();
    state.tagger->tag(text, tokens, candidates);
    for (std::size_t i = first; i < candidates.size(); ++i) {
      candidates[i].rule = state.tagger_rule;
    }
  }
  out.clinical_evidence = clinical_evidence(text, tokens);

  std::erase_if(candidates, [&](const Entity& entity) { return dropped(state, text, entity); });
  resolve_overlaps(candidates, out.entities);
}

std::vector<Entity> Scanner::scan(std::string_view text) const {
  TextFindings findings;
  scan(text, findings);
  return std::move(findings.entities);
}

std::string_view Scanner::rule_name(std::uint16_t rule) const {
  if (rule < state_->rules.size()) {
    return state_->rules[rule].name;
  }
  return rule == state_->tagger_rule ? kTaggerRuleName : std::string_view("unknown");
}

bool Scanner::has_tagger() const {
  return state_->tagger.has_value();
}

bool Findings::phi() const {
  return count(DataClass::kPhi) > 0 || phi_score >= kClinicalThreshold;
}

}  // namespace switchyard::privacy
