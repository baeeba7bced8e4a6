// PatternEngine: many regular expressions compiled once into one Vectorscan block-mode
// database and run in a single pass over the text, reporting (pattern, begin, end) matches.
//
// How `begin` is found depends on the pattern's anchor (see rules.h): Vectorscan's leftmost
// start, or a walk back from the end over the pattern's alphabet. For the latter, the reports
// of one run of that alphabet (Vectorscan reports every end position) are merged into a single
// match as they arrive, so a long digit run costs one match, not one per digit. A pattern that
// reads on past its value (end_chars) is reported far less often, and its end is walked back to
// the value's last character before merging.
//
// Thread safety: immutable after compile(); scan() may be called from any number of threads at
// once. Vectorscan needs a scratch space per concurrent scan; the engine keeps a pool of them,
// taking one under a mutex for the duration of a scan and growing the pool on demand, so there
// are never more scratch spaces than threads that scanned at the same time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "privacy/rules.h"

namespace switchyard::privacy {

struct PatternSpec {
  std::string regex;
  bool caseless = false;
  Anchor anchor = Anchor::kStart;
  std::string_view run_chars;  // Anchor::kRun: the bytes a match consists of
  std::uint16_t max_length = 0;
  std::string_view end_chars;  // Anchor::kRun: see Rule::end_chars
};

// The pattern of a detection rule, as the engine takes it.
PatternSpec spec_of(const Rule& rule);

struct RawMatch {
  std::uint32_t pattern;
  std::uint32_t begin;
  std::uint32_t end;
};

class PatternEngine {
 public:
  // Fails with Vectorscan's message and the offending pattern's index when one does not
  // compile (bad syntax, or a construct block mode with leftmost start cannot support).
  static Result<std::unique_ptr<PatternEngine>, std::string> compile(
      std::span<const PatternSpec> patterns);

  ~PatternEngine();
  PatternEngine(const PatternEngine&) = delete;
  PatternEngine& operator=(const PatternEngine&) = delete;

  // Appends the matches of `text` to `out` in the order Vectorscan reports them (by end).
  // Stops early and returns false once `out` would exceed `max_matches`, or on a Vectorscan
  // error; the caller treats that scan as incomplete.
  bool scan(std::string_view text, std::vector<RawMatch>& out, std::size_t max_matches) const;

  // Bytes of the compiled database, for logs and benchmarks.
  std::size_t database_size() const;

  // How one pattern's matches are anchored; public for the match callback.
  struct RunInfo {
    Anchor anchor = Anchor::kStart;
    std::array<bool, 256> chars{};
    std::uint16_t max_length = 0;
    bool trims_end = false;  // the report ends past the value (Rule::end_chars)
    std::array<bool, 256> end_chars{};
  };

 private:
  struct Database;
  struct Scratch;

  explicit PatternEngine(std::unique_ptr<Database> database);
  Scratch* acquire_scratch() const;
  void release_scratch(Scratch* scratch) const;

  void find_run_starts(std::string_view text, std::vector<RawMatch>& out, std::size_t from) const;

  std::unique_ptr<Database> database_;
  std::vector<RunInfo> runs_;  // per pattern
  mutable std::mutex pool_mutex_;
  mutable std::vector<Scratch*> pool_;
  mutable std::vector<std::unique_ptr<Scratch>> all_scratch_;
};

}  // namespace switchyard::privacy
