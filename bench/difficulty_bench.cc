// Quality and speed of the difficulty scorer (bench/difficulty.sh runs it): APGR, CPT(50%) and
// the quality-versus-share curve on held-out splits of a labelled file, next to random routing
// and a plain n-gram logistic regression, and the time per routing decision on one core.
//
//   difficulty_bench DATA [--seeds N] [--validate] [--timing MODEL]
//
// Each seed s holds out 20% of DATA (stratified by `source`, seed s), trains on the rest with
// `subject` as the topic label, and scores the held-out part. --validate instead splits the
// training part once more and reports the blend weights on that validation part, which is how
// the default blend was chosen; the held-out part is not touched. --timing only times a saved
// model on the seed-1 held-out prompts, without training.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "router/difficulty_data.h"
#include "router/difficulty_features.h"
#include "router/difficulty_linear.h"
#include "router/difficulty_random.h"
#include "router/difficulty_scorer.h"
#include "router/routing_metrics.h"

namespace {

using namespace switchyard::router;  // NOLINT: a benchmark driver
using Clock = std::chrono::steady_clock;

constexpr double kEvalShare = 0.2;
constexpr int kRandomDraws = 20;
constexpr int kTimingRounds = 5;
constexpr std::uint64_t kValidationSeed = 1000;

struct Figures {
  double apgr = 0;
  double cpt = 0;
};

struct Data {
  std::vector<DifficultyRecord> records;
  std::map<std::string, int> topics;  // subject -> index
  std::vector<int> topic_of;          // per record
};

Figures figures_of(const Data& data, const std::vector<std::size_t>& chosen,
                   const std::vector<double>& scores, RoutingCurve* curve_out = nullptr) {
  std::vector<RoutedOutcome> outcomes;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const DifficultyRecord& r = data.records[chosen[i]];
    outcomes.push_back({scores[i], r.weak_correct, r.strong_correct});
  }
  RoutingCurve curve = routing_curve(outcomes);
  const Figures out{apgr(curve), cpt(curve, 0.5)};
  if (curve_out != nullptr) {
    *curve_out = std::move(curve);
  }
  return out;
}

DifficultyScorer train_scorer(const Data& data, const std::vector<std::size_t>& training) {
  std::vector<DifficultyExample> examples;
  for (const std::size_t i : training) {
    const DifficultyRecord& r = data.records[i];
    examples.push_back({r.prompt, r.weak_correct, r.strong_correct, data.topic_of[i]});
  }
  DifficultyTrainingOptions options;
  options.topic_count = data.topics.size();
  return DifficultyScorer::train(examples, options);
}

// The reference: logistic regression on hashed word n-grams alone, for P(only strong right).
std::vector<double> reference_scores(const Data& data, const std::vector<std::size_t>& training,
                                     const std::vector<std::size_t>& chosen) {
  LinearOptions options;
  options.hash_bits = 16;
  options.use_dense = false;
  std::vector<PromptFeatures> features(training.size());
  std::vector<std::uint8_t> labels;
  for (std::size_t k = 0; k < training.size(); ++k) {
    const DifficultyRecord& r = data.records[training[k]];
    extract_features(r.prompt, options.hash_bits, features[k]);
    labels.push_back(!r.weak_correct && r.strong_correct ? 1 : 0);
  }
  const PromptLinearModel model = PromptLinearModel::train(features, labels, options);
  std::vector<double> scores;
  PromptFeatures f;
  float logit = 0;
  for (const std::size_t i : chosen) {
    extract_features(data.records[i].prompt, options.hash_bits, f);
    model.logits(f, std::span<float>(&logit, 1));
    scores.push_back(logit);
  }
  return scores;
}

Figures random_figures(const Data& data, const std::vector<std::size_t>& chosen,
                       std::uint64_t seed) {
  SeededRandom random(seed);
  Figures sum;
  for (int draw = 0; draw < kRandomDraws; ++draw) {
    std::vector<double> scores;
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      scores.push_back(random.unit());
    }
    const Figures f = figures_of(data, chosen, scores);
    sum.apgr += f.apgr / kRandomDraws;
    sum.cpt += f.cpt / kRandomDraws;
  }
  return sum;
}

// Per-variant held-out scores of one trained scorer: the blend and each of its parts.
struct VariantScores {
  std::vector<double> blend, linear, topic, trees;
};

VariantScores score_all(const DifficultyScorer& scorer, const Data& data,
                        const std::vector<std::size_t>& chosen) {
  VariantScores out;
  for (const std::size_t i : chosen) {
    const DifficultyParts parts = scorer.parts(data.records[i].prompt);
    out.blend.push_back(parts.score);
    out.linear.push_back(parts.linear);
    out.topic.push_back(parts.topic);
    out.trees.push_back(parts.trees);
  }
  return out;
}

// Thread CPU time, which leaves out the time this thread waited for the core: on a shared
// machine wall time mixes in other processes.
double thread_cpu_micros() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

struct Distribution {
  double mean = 0;
  double median = 0;
  double p99 = 0;
};

Distribution distribution_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  Distribution out;
  for (const double value : values) {
    out.mean += value / static_cast<double>(values.size());
  }
  out.median = values[values.size() / 2];
  out.p99 = values[values.size() * 99 / 100];
  return out;
}

void print_timing(const DifficultyScorer& scorer, const Data& data,
                  const std::vector<std::size_t>& chosen) {
  std::vector<double> cpu;
  std::vector<double> wall;
  double checksum = 0;
  for (int round = 0; round <= kTimingRounds; ++round) {
    for (const std::size_t i : chosen) {
      const auto start = Clock::now();
      const double cpu_start = thread_cpu_micros();
      checksum += scorer.score(data.records[i].prompt);
      const double cpu_us = thread_cpu_micros() - cpu_start;
      const double wall_us =
          std::chrono::duration<double, std::micro>(Clock::now() - start).count();
      if (round > 0) {  // round 0 warms caches
        cpu.push_back(cpu_us);
        wall.push_back(wall_us);
      }
    }
  }
  std::size_t chars = 0;
  for (const std::size_t i : chosen) {
    chars += data.records[i].prompt.size();
  }
  const Distribution c = distribution_of(cpu);
  const Distribution w = distribution_of(wall);
  fmt::print("decision time, {} held-out prompts x {} (mean {} chars), checksum {:.3f}:\n",
             chosen.size(), kTimingRounds, chars / chosen.size(), checksum);
  fmt::print("  thread CPU: mean {:.1f} us, median {:.1f} us, p99 {:.1f} us\n", c.mean, c.median,
             c.p99);
  fmt::print("  wall:       mean {:.1f} us, median {:.1f} us, p99 {:.1f} us\n", w.mean, w.median,
             w.p99);

  // How the time grows with the prompt: the longest tenth against the rest.
  std::vector<std::size_t> lengths;
  lengths.reserve(chosen.size());
  for (const std::size_t i : chosen) {
    lengths.push_back(data.records[i].prompt.size());
  }
  std::vector<std::size_t> sorted = lengths;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t long_prompt = sorted[sorted.size() * 9 / 10];
  std::vector<double> long_cpu;
  std::vector<double> short_cpu;
  for (std::size_t k = 0; k < cpu.size(); ++k) {
    (lengths[k % chosen.size()] >= long_prompt ? long_cpu : short_cpu).push_back(cpu[k]);
  }
  fmt::print(
      "  thread CPU, prompts under {} chars: mean {:.1f} us, p99 {:.1f} us; the longest "
      "tenth (up to {} chars): mean {:.1f} us\n",
      long_prompt, distribution_of(short_cpu).mean, distribution_of(short_cpu).p99, sorted.back(),
      distribution_of(long_cpu).mean);
}

void print_curves(const RoutingCurve& scorer, const RoutingCurve& reference) {
  fmt::print("\nstrong share | quality: scorer  reference  random | PGR: scorer  reference\n");
  for (int pct = 0; pct <= 100; pct += 5) {
    const double s = pct / 100.0;
    const double random_quality =
        scorer.weak_quality + s * (scorer.strong_quality - scorer.weak_quality);
    fmt::print("{:>11}% |          {:.4f}     {:.4f}  {:.4f} |      {:>6.3f}     {:>6.3f}\n", pct,
               scorer.quality_at(s), reference.quality_at(s), random_quality, scorer.pgr_at(s),
               reference.pgr_at(s));
  }
}

switchyard::Result<Data, std::string> load(const std::string& path) {
  DifficultyFields fields;
  fields.stratify = "source";
  fields.topic = "subject";
  auto records = read_difficulty_records(path, fields);
  if (!records) {
    return switchyard::fail(records.error());
  }
  Data data;
  data.records = std::move(records).value();
  for (const DifficultyRecord& r : data.records) {
    data.topics.emplace(r.topic, 0);
  }
  int next = 0;
  for (auto& [name, id] : data.topics) {
    id = next++;
  }
  for (const DifficultyRecord& r : data.records) {
    data.topic_of.push_back(data.topics.at(r.topic));
  }
  return data;
}

void add(std::map<std::string, Figures>& totals, const std::string& name, const Figures& f) {
  totals[name].apgr += f.apgr;
  totals[name].cpt += f.cpt;
}

void held_out_run(const Data& data, int seeds) {
  const char* const order[] = {"random",        "n-gram LR (reference)", "scorer (blend)",
                               "  linear part", "  topic prior part",    "  trees part"};
  std::map<std::string, Figures> totals;
  for (int seed = 1; seed <= seeds; ++seed) {
    const DataSplit split = split_records(data.records, kEvalShare, seed);
    const auto started = Clock::now();
    const DifficultyScorer scorer = train_scorer(data, split.training);
    const double took = std::chrono::duration<double>(Clock::now() - started).count();
    const VariantScores v = score_all(scorer, data, split.heldout);
    const std::vector<double> reference = reference_scores(data, split.training, split.heldout);
    RoutingCurve scorer_curve;
    RoutingCurve reference_curve;
    std::map<std::string, Figures> row;
    row["random"] = random_figures(data, split.heldout, seed);
    row["n-gram LR (reference)"] = figures_of(data, split.heldout, reference, &reference_curve);
    row["scorer (blend)"] = figures_of(data, split.heldout, v.blend, &scorer_curve);
    row["  linear part"] = figures_of(data, split.heldout, v.linear);
    row["  topic prior part"] = figures_of(data, split.heldout, v.topic);
    row["  trees part"] = figures_of(data, split.heldout, v.trees);
    fmt::print("seed {} ({} training, {} held out, trained in {:.0f} s)\n", seed,
               split.training.size(), split.heldout.size(), took);
    for (const char* name : order) {
      fmt::print("  {:<24} APGR {:.4f}  CPT(50%) {:.4f}\n", name, row[name].apgr, row[name].cpt);
      add(totals, name, row[name]);
    }
    if (seed == 1) {
      print_curves(scorer_curve, reference_curve);
      print_timing(scorer, data, split.heldout);
      fmt::print("\n");
    }
    std::fflush(stdout);
  }
  fmt::print("\nmean over seeds 1..{}:\n", seeds);
  for (const char* name : order) {
    fmt::print("  {:<24} APGR {:.4f}  CPT(50%) {:.4f}\n", name, totals[name].apgr / seeds,
               totals[name].cpt / seeds);
  }
}

// Blend weights on a validation part of the training part, for choosing the default.
void validation_run(const Data& data, int seeds) {
  const double grid[] = {0, 0.25, 0.5, 0.75, 1};
  std::map<std::string, Figures> totals;
  for (int seed = 1; seed <= seeds; ++seed) {
    const DataSplit outer = split_records(data.records, kEvalShare, seed);
    const DataSplit inner =
        split_indices(data.records, outer.training, kEvalShare, kValidationSeed + seed);
    const DifficultyScorer scorer = train_scorer(data, inner.training);
    const VariantScores v = score_all(scorer, data, inner.heldout);
    for (const double a : grid) {
      for (const double b : grid) {
        for (const double c : grid) {
          if (a + b + c == 0) {
            continue;
          }
          std::vector<double> scores;
          for (std::size_t k = 0; k < v.blend.size(); ++k) {
            scores.push_back(a * v.linear[k] + b * v.topic[k] + c * v.trees[k]);
          }
          add(totals, fmt::format("{:.2f} {:.2f} {:.2f}", a, b, c),
              figures_of(data, inner.heldout, scores));
        }
      }
    }
    fmt::print("validation seed {} done\n", seed);
    std::fflush(stdout);
  }
  std::vector<std::pair<std::string, Figures>> sorted(totals.begin(), totals.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second.apgr > b.second.apgr; });
  fmt::print("blend (linear topic trees), mean over {} validation splits, best first:\n", seeds);
  for (const auto& [name, f] : sorted) {
    fmt::print("  {}  APGR {:.4f}  CPT(50%) {:.4f}\n", name, f.apgr / seeds, f.cpt / seeds);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: difficulty_bench DATA [--seeds N] [--validate] [--timing MODEL]\n");
    return 2;
  }
  int seeds = 1;
  bool validate = false;
  std::string timing_model;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seeds" && i + 1 < argc) {
      seeds = std::max(1, std::stoi(argv[++i]));
    } else if (arg == "--validate") {
      validate = true;
    } else if (arg == "--timing" && i + 1 < argc) {
      timing_model = argv[++i];
    }
  }
  auto data = load(argv[1]);
  if (!data) {
    std::fprintf(stderr, "difficulty_bench: %s\n", data.error().c_str());
    return 1;
  }
  if (!timing_model.empty()) {
    auto scorer = DifficultyScorer::load(timing_model);
    if (!scorer) {
      std::fprintf(stderr, "difficulty_bench: %s\n", scorer.error().c_str());
      return 1;
    }
    print_timing(*scorer, *data, split_records(data->records, kEvalShare, 1).heldout);
  } else if (validate) {
    validation_run(*data, seeds);
  } else {
    held_out_run(*data, seeds);
  }
  return 0;
}
