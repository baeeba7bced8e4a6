// Labelled data for the difficulty scorer: JSON Lines, one request a line, with the prompt and
// whether the weak and the strong model answered it correctly. Field names are the caller's,
// so any file of that shape works. Also the seeded, stratified split into a training and a
// held-out part. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace switchyard::router {

struct DifficultyRecord {
  std::string prompt;
  bool weak_correct = false;
  bool strong_correct = false;
  std::string stratum;  // the value of the stratify field, or empty
  std::string topic;    // the value of the topic field, or empty
};

struct DifficultyFields {
  std::string prompt = "prompt";
  std::string weak = "weak_correct";
  std::string strong = "strong_correct";
  std::string stratify;  // optional: a string field the split keeps in proportion
  std::string topic;     // optional: a string label for an auxiliary classifier
};

// Reads every non-blank line of `path`. A line that is not an object with the named fields
// (prompt a string, the two outcomes booleans or 0/1, the optional ones strings) fails the whole
// read as "path:line: why".
Result<std::vector<DifficultyRecord>, std::string> read_difficulty_records(
    const std::string& path, const DifficultyFields& fields);

struct DataSplit {
  std::vector<std::size_t> training;  // indices into the records, ascending
  std::vector<std::size_t> heldout;
};

// Holds out `share` of the records, the same share of every stratum (the stratify field's value
// crossed with the pair of outcomes), chosen by `seed`. The same records and seed give the same
// split on every machine.
DataSplit split_records(std::span<const DifficultyRecord> records, double share,
                        std::uint64_t seed);

// The same split applied to a subset: holds out `share` of `indices` (indices into `records`).
DataSplit split_indices(std::span<const DifficultyRecord> records,
                        std::span<const std::size_t> indices, double share, std::uint64_t seed);

}  // namespace switchyard::router
