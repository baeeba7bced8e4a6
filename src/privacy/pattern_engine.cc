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

struct ScanContext {
  std::vector<RawMatch>* out;
  std::size_t max_matches;
  bool overflowed = false;
};

int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
             void* context) {
  auto* scan = static_cast<ScanContext*>(context);
  if (scan->out->size() >= scan->max_matches) {
    scan->overflowed = true;
    return 1;  // stop: the rest of this text is not scanned
  }
  scan->out->push_back({id, static_cast<std::uint32_t>(from), static_cast<std::uint32_t>(to)});
  return 0;
}

}  // namespace

Result<std::unique_ptr<PatternEngine>, std::string> PatternEngine::compile(
    std::span<const PatternSpec> patterns) {
  std::vector<const char*> expressions;
  std::vector<unsigned int> flags;
  std::vector<unsigned int> ids;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    expressions.push_back(patterns[i].regex.c_str());
    flags.push_back(HS_FLAG_SOM_LEFTMOST | (patterns[i].caseless ? HS_FLAG_CASELESS : 0U));
    ids.push_back(static_cast<unsigned int>(i));
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
  return std::unique_ptr<PatternEngine>(new PatternEngine(std::move(database)));
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
  ScanContext context{&out, max_matches};
  const hs_error_t status =
      hs_scan(database_->handle, text.data(), static_cast<unsigned int>(text.size()), 0,
              scratch->handle, on_match, &context);
  release_scratch(scratch);
  return !context.overflowed && (status == HS_SUCCESS);
}

std::size_t PatternEngine::database_size() const {
  std::size_t size = 0;
  hs_database_size(database_->handle, &size);
  return size;
}

}  // namespace switchyard::privacy
