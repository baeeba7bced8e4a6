// Speed of the privacy scanner (bench/privacy.sh runs it): the median time to scan a typical
// 1 KB prompt with every detector on, and the single-core throughput of the pattern stage.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "privacy/pattern_engine.h"
#include "privacy/rules.h"
#include "privacy/scanner.h"
#include "privacy/tagger.h"

namespace {

using namespace switchyard::privacy;  // NOLINT: a benchmark driver
using Clock = std::chrono::steady_clock;

constexpr int kPromptRuns = 5000;
constexpr std::size_t kBulkBytes = 16 * 1024 * 1024;
constexpr int kBulkRuns = 5;

// About 1 KB of the kind of text a prompt carries: instructions, a pasted e-mail with a name,
// an address, a phone number and an order reference.
std::string typical_prompt() {
  return "You are a support assistant for an online store. Answer politely and briefly, and "
         "never promise refunds without checking the order first.\n\n"
         "Customer message:\n"
         "Hi, I ordered a pair of running shoes last Tuesday (order 100234567) and they still "
         "have not arrived. The tracking page says the parcel left the warehouse on Friday but "
         "nothing has happened since. I paid with my usual card and the money has already been "
         "taken. Could you check what is going on and tell me when I can expect the delivery? "
         "If it is lost, I would prefer a replacement in the same size rather than a refund.\n"
         "My delivery address is 4821 Willowbrook Avenue, Dayton, and you can reach me on "
         "(937) 555-0143 or at jordan.miles@example.net during the day.\n\n"
         "Thanks a lot,\nJordan Miles\n\n"
         "Write a reply that apologises for the delay, explains the next steps, and asks the "
         "customer to confirm the size they want if a replacement is needed. Keep it under "
         "120 words and do not include any internal notes or system details.";
}

// Prose, code and logs repeated to `size` bytes, with a few identifiers sprinkled in.
std::string bulk_text(std::size_t size) {
  const std::string block =
      typical_prompt() +
      "\nfor (int i = 0; i < n; ++i) { total += values[i]; }\n"
      "2024-05-01T12:34:56.789Z INFO request_id=550e8400-e29b-41d4-a716-446655440000 "
      "status=200 latency_ms=37 path=/api/v1/orders/1234567890\n"
      "The quarterly report shows revenue of 1,234,567 across 42 regions and 16 products.\n";
  std::string out;
  out.reserve(size + block.size());
  while (out.size() < size) {
    out += block;
  }
  out.resize(size);
  return out;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

template <class Fn>
double seconds(Fn&& fn) {
  const auto start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void prompt_latency(const Scanner& scanner, const std::string& label) {
  const std::string prompt = typical_prompt();
  TextFindings findings;
  for (int i = 0; i < kPromptRuns / 10; ++i) {
    scanner.scan(prompt, findings);  // warm up caches and thread-local buffers
  }
  std::vector<double> micros;
  micros.reserve(kPromptRuns);
  for (int i = 0; i < kPromptRuns; ++i) {
    micros.push_back(seconds([&] { scanner.scan(prompt, findings); }) * 1e6);
  }
  fmt::print("{:<44} {:>8.1f} us median ({} bytes, {} entities)\n", label, median(micros),
             prompt.size(), findings.entities.size());
}

void pattern_throughput(const std::string& text, const std::string& label) {
  // What the scanner runs over the whole text: every rule that needs no cue word, and the cue
  // words (the rules that need one only run in windows around them).
  std::vector<PatternSpec> specs;
  for (const Rule& rule : builtin_rules()) {
    if (rule.cue_need != CueNeed::kRequired) {
      specs.push_back(spec_of(rule));
    }
  }
  specs.push_back({cue_pattern(), true});
  auto engine = PatternEngine::compile(specs);
  if (!engine) {
    fmt::print("compile failed: {}\n", engine.error());
    return;
  }
  std::vector<RawMatch> matches;
  std::vector<double> rates;
  for (int run = 0; run < kBulkRuns; ++run) {
    matches.clear();
    const double took = seconds([&] { (*engine)->scan(text, matches, SIZE_MAX); });
    rates.push_back(static_cast<double>(text.size()) / took / 1e6);
  }
  fmt::print("{:<44} {:>8.0f} MB/s ({} rules, {} KiB database, {} raw matches)\n", label,
             median(rates), specs.size(), (*engine)->database_size() / 1024, matches.size());
}

void scanner_throughput(const Scanner& scanner, const std::string& text, const std::string& label) {
  TextFindings findings;
  std::vector<double> rates;
  for (int run = 0; run < kBulkRuns; ++run) {
    const double took = seconds([&] { scanner.scan(text, findings); });
    rates.push_back(static_cast<double>(text.size()) / took / 1e6);
  }
  fmt::print("{:<44} {:>8.0f} MB/s ({} entities)\n", label, median(rates),
             findings.entities.size());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : default_tagger_path();
  GuardOptions patterns_only;
  patterns_only.max_matches_per_text = SIZE_MAX;
  GuardOptions everything = patterns_only;
  everything.model_path = model;
  auto fast = Scanner::create(patterns_only);
  auto full = Scanner::create(everything);
  if (!fast || !full) {
    std::fprintf(stderr, "privacy_bench: %s\n", (fast ? full.error() : fast.error()).c_str());
    return 1;
  }
  prompt_latency(*full, "1 KB prompt, all detectors (with tagger)");
  prompt_latency(*fast, "1 KB prompt, patterns and checks only");
  const std::string bulk = bulk_text(kBulkBytes);
  pattern_throughput(bulk, "pattern stage, mixed text: Vectorscan pass");
  std::string prose;
  while (prose.size() < kBulkBytes) {
    prose += typical_prompt() + "\n";
  }
  pattern_throughput(prose, "pattern stage, prompts only: Vectorscan pass");
  scanner_throughput(*fast, bulk, "mixed text: pass + checks (no tagger)");
  scanner_throughput(*full, bulk, "mixed text: whole scanner (with tagger)");
  return 0;
}
