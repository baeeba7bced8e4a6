#include "privacy/pattern_engine.h"

#include <hs/hs.h>

#include <fmt/format.h>

namespace switchyard::privacy {

struct PatternEngine::Database {
  hs_database_t* handle = nullptr;
  hs_scratch_t* prototype = nullptr;  // the scratch every pooled one is cloned from

  ~Database() {
    hs_free_scratch(prototype);
    hs_free_database(handle);
  }
};

struct PatternEngine::Scratch {
  hs_scratch_t* handle = nullptr;
  ~Scratch() { hs_free_scratch(handle); }
};

namespace {

constexpr std::uint32_t kNone = UINT32_MAX;

struct ScanContext {
  std::string_view text;
  const std::vector<PatternEngine::RunInfo>* runs;
  std::vector<RawMatch>* out;
  std::vector<std::uint32_t>* last;  // per pattern: index in out of its latest run match
  std::size_t max_matches;
  bool overflowed = false;
};

// Whether a report ending at `to` continues the run match `previous` (only run bytes between).
bool continues(const ScanContext& scan, const RawMatch& previous, std::uint32_t to,
               const std::array<bool, 256>& chars) {
  for (std::uint32_t i = previous.end; i < to; ++i) {
    if (!chars[static_cast<unsigned char>(scan.text[i])]) {
      return false;
    }
  }
  return true;
}

// Where the value of a report ends: the report's end, or for a pattern that reads on past its
// value, after the last end character before it.
std::uint32_t value_end(const ScanContext& scan, const PatternEngine::RunInfo& run,
                        unsigned long long to) {
  auto end = static_cast<std::uint32_t>(to);
  while (run.trims_end && end > 0 &&
         !run.end_chars[static_cast<unsigned char>(scan.text[end - 1])]) {
    --end;
  }
  return end;
}

int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
             void* context) {
  auto* scan = static_cast<ScanContext*>(context);
  const auto& run = (*scan->runs)[id];
  const std::uint32_t end = value_end(*scan, run, to);
  if (run.anchor == Anchor::kRun) {
    const std::uint32_t last = (*scan->last)[id];
    if (last != kNone && continues(*scan, (*scan->out)[last], end, run.chars)) {
      (*scan->out)[last].end = end;
      return 0;
    }
  }
  if (scan->out->size() >= scan->max_matches) {
    scan->overflowed = true;
    return 1;  // stop: the rest of this text is not scanned
  }
  const auto begin = run.anchor == Anchor::kStart ? static_cast<std::uint32_t>(from) : end;
  (*scan->last)[id] = static_cast<std::uint32_t>(scan->out->size());
  scan->out->push_back({id, begin, end});
  return 0;
}

}  // namespace

PatternSpec spec_of(const Rule& rule) {
  return {std::string(rule.pattern), rule.caseless, rule.anchor, rule.run_chars,
          rule.max_length,           rule.end_chars};
}

Result<std::unique_ptr<PatternEngine>, std::string> PatternEngine::compile(
    std::span<const PatternSpec> patterns) {
  std::vector<const char*> expressions;
  std::vector<unsigned int> flags;
  std::vector<unsigned int> ids;
  std::vector<RunInfo> runs(patterns.size());
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const PatternSpec& pattern = patterns[i];
    expressions.push_back(pattern.regex.c_str());
    const unsigned som = pattern.anchor == Anchor::kStart ? HS_FLAG_SOM_LEFTMOST : 0U;
    flags.push_back(som | (pattern.caseless ? HS_FLAG_CASELESS : 0U));
    ids.push_back(static_cast<unsigned int>(i));
    runs[i].anchor = pattern.anchor;
    runs[i].max_length = pattern.max_length;
    for (const char c : pattern.run_chars) {
      runs[i].chars[static_cast<unsigned char>(c)] = true;
    }
    runs[i].trims_end = !pattern.end_chars.empty();
    for (const char c : pattern.end_chars) {
      runs[i].end_chars[static_cast<unsigned char>(c)] = true;
    }
  }
  auto database = std::make_unique<Database>();
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned int>(expressions.size()), HS_MODE_BLOCK, nullptr,
                       &database->handle, &error) != HS_SUCCESS) {
    std::string message = fmt::format("pattern {}: {}", error->expression, error->message);
    if (error->expression < 0) {
      message = error->message;
    }
    hs_free_compile_error(error);
    return fail(std::move(message));
  }
  if (hs_alloc_scratch(database->handle, &database->prototype) != HS_SUCCESS) {
    return fail(std::string("cannot allocate Vectorscan scratch space"));
  }
  auto engine = std::unique_ptr<PatternEngine>(new PatternEngine(std::move(database)));
  engine->runs_ = std::move(runs);
  return engine;
}

PatternEngine::PatternEngine(std::unique_ptr<Database> database) : database_(std::move(database)) {}

PatternEngine::~PatternEngine() = default;

PatternEngine::Scratch* PatternEngine::acquire_scratch() const {
  std::lock_guard lock(pool_mutex_);
  if (!pool_.empty()) {
    Scratch* scratch = pool_.back();
    pool_.pop_back();
    return scratch;
  }
  auto scratch = std::make_unique<Scratch>();
  if (hs_clone_scratch(database_->prototype, &scratch->handle) != HS_SUCCESS) {
    return nullptr;
  }
  all_scratch_.push_back(std::move(scratch));
  return all_scratch_.back().get();
}

void PatternEngine::release_scratch(Scratch* scratch) const {
  std::lock_guard lock(pool_mutex_);
  pool_.push_back(scratch);
}

bool PatternEngine::scan(std::string_view text, std::vector<RawMatch>& out,
                         std::size_t max_matches) const {
  Scratch* scratch = acquire_scratch();
  if (scratch == nullptr) {
    return false;
  }
  thread_local std::vector<std::uint32_t> last;
  last.assign(runs_.size(), kNone);
  const std::size_t first = out.size();
  ScanContext context{text, &runs_, &out, &last, max_matches};
  const hs_error_t status =
      hs_scan(database_->handle, text.data(), static_cast<unsigned int>(text.size()), 0,
              scratch->handle, on_match, &context);
  release_scratch(scratch);
  find_run_starts(text, out, first);
  return !context.overflowed && (status == HS_SUCCESS);
}

void PatternEngine::find_run_starts(std::string_view text, std::vector<RawMatch>& out,
                                    std::size_t from) const {
  for (std::size_t i = from; i < out.size(); ++i) {
    RawMatch& match = out[i];
    const RunInfo& run = runs_[match.pattern];
    if (run.anchor != Anchor::kRun) {
      continue;
    }
    std::uint32_t begin = match.end;
    while (begin > 0 && match.end - begin < run.max_length &&
           run.chars[static_cast<unsigned char>(text[begin - 1])]) {
      --begin;
    }
    match.begin = begin;
  }
}

std::size_t PatternEngine::database_size() const {
  std::size_t size = 0;
  hs_database_size(database_->handle, &size);
  return size;
}

}  // namespace switchyard::privacy
