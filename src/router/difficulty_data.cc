#include "router/difficulty_data.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "router/difficulty_random.h"

namespace switchyard::router {
namespace {

namespace json = boost::json;

// A boolean, or the numbers 0 and 1 (some exports write correctness as integers).
Result<bool, std::string> outcome_of(const json::object& object, const std::string& field) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr) {
    return fail(fmt::format("missing field '{}'", field));
  }
  if (value->is_bool()) {
    return value->as_bool();
  }
  if (value->is_int64() && (value->as_int64() == 0 || value->as_int64() == 1)) {
    return value->as_int64() == 1;
  }
  return fail(fmt::format("field '{}' is not a boolean", field));
}

Result<DifficultyRecord, std::string> parse_record(std::string_view line,
                                                   const DifficultyFields& fields) {
  boost::system::error_code error;
  const json::value value = json::parse(line, error);
  const json::object* object = error ? nullptr : value.if_object();
  if (object == nullptr) {
    return fail(std::string("not a JSON object"));
  }
  const json::value* prompt = object->if_contains(fields.prompt);
  if (prompt == nullptr || !prompt->is_string()) {
    return fail(fmt::format("field '{}' is missing or not a string", fields.prompt));
  }
  auto weak = outcome_of(*object, fields.weak);
  auto strong = outcome_of(*object, fields.strong);
  if (!weak || !strong) {
    return fail(weak ? strong.error() : weak.error());
  }
  DifficultyRecord record{std::string(prompt->as_string()), *weak, *strong, {}, {}};
  for (const auto& [name, value] :
       {std::pair{&fields.stratify, &record.stratum}, std::pair{&fields.topic, &record.topic}}) {
    if (name->empty()) {
      continue;
    }
    const json::value* field = object->if_contains(*name);
    if (field == nullptr || !field->is_string()) {
      return fail(fmt::format("field '{}' is missing or not a string", *name));
    }
    *value = std::string(field->as_string());
  }
  return record;
}

}  // namespace

Result<std::vector<DifficultyRecord>, std::string> read_difficulty_records(
    const std::string& path, const DifficultyFields& fields) {
  std::ifstream file(path);
  if (!file) {
    return fail(fmt::format("cannot open {}", path));
  }
  std::vector<DifficultyRecord> records;
  std::string line;
  for (std::size_t number = 1; std::getline(file, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    auto record = parse_record(line, fields);
    if (!record) {
      return fail(fmt::format("{}:{}: {}", path, number, record.error()));
    }
    records.push_back(std::move(record).value());
  }
  if (records.empty()) {
    return fail(fmt::format("{}: no records", path));
  }
  return records;
}

DataSplit split_indices(std::span<const DifficultyRecord> records,
                        std::span<const std::size_t> indices, double share, std::uint64_t seed) {
  // std::map, so strata are visited in one order whatever the hash of the standard library.
  std::map<std::string, std::vector<std::size_t>> strata;
  for (const std::size_t index : indices) {
    const DifficultyRecord& record = records[index];
    const char outcome = static_cast<char>('0' + 2 * record.weak_correct + record.strong_correct);
    strata[record.stratum + '\x1f' + outcome].push_back(index);
  }
  SeededRandom random(seed);
  DataSplit split;
  for (auto& [stratum, members] : strata) {
    random.shuffle(members);
    const auto held = static_cast<std::ptrdiff_t>(
        std::lround(std::clamp(share, 0.0, 1.0) * static_cast<double>(members.size())));
    split.heldout.insert(split.heldout.end(), members.begin(), members.begin() + held);
    split.training.insert(split.training.end(), members.begin() + held, members.end());
  }
  std::sort(split.heldout.begin(), split.heldout.end());
  std::sort(split.training.begin(), split.training.end());
  return split;
}

DataSplit split_records(std::span<const DifficultyRecord> records, double share,
                        std::uint64_t seed) {
  std::vector<std::size_t> all(records.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = i;
  }
  return split_indices(records, all, share, seed);
}

}  // namespace switchyard::router
