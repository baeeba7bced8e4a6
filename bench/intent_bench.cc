// Quality and speed of the intent classifier (bench/intent_classifier.sh runs it): in-scope
// accuracy and out-of-scope recall on a labelled JSONL file, the time to load the model, and
// the time per decision (featurize, score every member, decide) over every query of the file,
// repeated, on the thread it runs on.
//
//   intent_bench MODEL DATA [--text-field F] [--label-field F] [--oos-label L]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "router/intent_classifier.h"

namespace {

using switchyard::router::IntentClassifier;
using switchyard::router::LabelledQuery;
using Clock = std::chrono::steady_clock;

constexpr int kTimedPasses = 5;

struct Arguments {
  std::string model;
  std::string data;
  std::string text_field = "text";
  std::string label_field = "intent";
  std::string oos_label;  // default: the model's
};

bool parse_arguments(int argc, char** argv, Arguments& out) {
  std::vector<std::string_view> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--text-field" && has_value) {
      out.text_field = argv[++i];
    } else if (arg == "--label-field" && has_value) {
      out.label_field = argv[++i];
    } else if (arg == "--oos-label" && has_value) {
      out.oos_label = argv[++i];
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) {
    return false;
  }
  out.model = positional[0];
  out.data = positional[1];
  return true;
}

double percentile(std::vector<double> values, double share) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(share * static_cast<double>(values.size() - 1));
  return values[index];
}

double mean(const std::vector<double>& values) {
  double total = 0;
  for (const double v : values) {
    total += v;
  }
  return total / static_cast<double>(values.size());
}

// Microseconds of every decision over kTimedPasses passes, after one untimed warm-up pass.
std::vector<double> decision_times(const IntentClassifier& classifier,
                                   const std::vector<LabelledQuery>& queries) {
  std::size_t out_of_scope = 0;  // keeps the calls from being optimised away
  for (const LabelledQuery& query : queries) {
    out_of_scope += classifier.predict(query.text).out_of_scope ? 1 : 0;
  }
  std::vector<double> times;
  times.reserve(queries.size() * kTimedPasses);
  for (int pass = 0; pass < kTimedPasses; ++pass) {
    for (const LabelledQuery& query : queries) {
      const auto started = Clock::now();
      out_of_scope += classifier.predict(query.text).out_of_scope ? 1 : 0;
      const std::chrono::duration<double, std::micro> took = Clock::now() - started;
      times.push_back(took.count());
    }
  }
  std::fprintf(stderr, "(%zu out-of-scope decisions)\n", out_of_scope);
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  if (!parse_arguments(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: intent_bench MODEL DATA [--text-field F] [--label-field F] "
                 "[--oos-label L]\n");
    return 2;
  }
  const auto load_started = Clock::now();
  auto classifier = IntentClassifier::load(args.model);
  const std::chrono::duration<double, std::milli> load_took = Clock::now() - load_started;
  if (!classifier) {
    std::fprintf(stderr, "%s\n", classifier.error().c_str());
    return 1;
  }
  auto queries =
      switchyard::router::read_labelled_queries(args.data, args.text_field, args.label_field);
  if (!queries) {
    std::fprintf(stderr, "%s\n", queries.error().c_str());
    return 1;
  }
  const std::string oos_label =
      args.oos_label.empty() ? std::string(classifier->oos_label()) : args.oos_label;
  const auto score = switchyard::router::evaluate(*classifier, *queries, oos_label);
  const std::vector<double> times = decision_times(*classifier, *queries);
  // Longer queries, of two joined queries each (about 17 words for CLINC150).
  std::vector<LabelledQuery> joined;
  for (std::size_t i = 0; i + 1 < queries->size(); i += 2) {
    joined.push_back({(*queries)[i].text + " " + (*queries)[i + 1].text, {}});
  }
  const std::vector<double> joined_times = decision_times(*classifier, joined);
  std::size_t words = 0;
  for (const LabelledQuery& query : *queries) {
    words += 1 + static_cast<std::size_t>(std::count(query.text.begin(), query.text.end(), ' '));
  }

  std::printf("%s",
              fmt::format("model                {} ({} members, {} weights, threshold {:.3f})\n",
                          args.model, classifier->member_count(), classifier->weight_count(),
                          classifier->threshold())
                  .c_str());
  std::printf("%s", fmt::format("data                 {} ({} queries, {:.1f} words each)\n",
                                args.data, queries->size(),
                                static_cast<double>(words) / static_cast<double>(queries->size()))
                        .c_str());
  std::printf("%s", fmt::format("in-scope accuracy    {:.4f}  ({}/{})\n"
                                "out-of-scope recall  {:.4f}  ({}/{})\n"
                                "false alarms         {}\n"
                                "model load           {:.1f} ms\n",
                                score.in_scope_accuracy(), score.in_scope_correct, score.in_scope,
                                score.oos_recall(), score.oos_flagged, score.out_of_scope,
                                score.false_alarms, load_took.count())
                        .c_str());
  std::printf(
      "%s",
      fmt::format("decision time        mean {:.1f} us, p50 {:.1f} us, p99 {:.1f} us "
                  "({} decisions)\n"
                  "  two joined queries mean {:.1f} us, p50 {:.1f} us, p99 {:.1f} us\n",
                  mean(times), percentile(times, 0.5), percentile(times, 0.99), times.size(),
                  mean(joined_times), percentile(joined_times, 0.5), percentile(joined_times, 0.99))
          .c_str());
  return 0;
}
