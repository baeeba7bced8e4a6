// Reading the TOML configuration: typed values out of one table, each problem reported with its
// source position, and all problems of a file collected so one run reports every one of them.
// Internal to the config folder.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "config/config.h"
#include "config/loader.h"

namespace switchyard::config {

inline constexpr std::int64_t kMaxMillis = 24LL * 3600 * 1000;
inline constexpr std::int64_t kMaxCount = std::numeric_limits<std::int32_t>::max();

class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}

  void add(const toml::source_region& where, std::string_view key, std::string_view what);
  void add_plain(std::string text) { problems_.push_back(std::move(text)); }

  bool empty() const { return problems_.empty(); }
  const std::string& source() const { return source_; }
  std::string joined() const;

 private:
  std::string source_;
  std::vector<std::string> problems_;
};

// Reads typed values out of one TOML table, remembering which keys were used so that
// misspelt keys are reported instead of silently ignored.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Diagnostics& diagnostics,
              const EnvLookup& env)
      : table_(table), path_(std::move(path)), diagnostics_(diagnostics), env_(env) {}

  ~TableReader() { report_unknown_keys(); }
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  std::string key_path(std::string_view key) const;
  const toml::node* find(std::string_view key);
  void error(std::string_view key, std::string_view what);

  std::optional<std::string> string(std::string_view key);
  std::string required_string(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  void read_bool(std::string_view key, bool& out);
  // A list of strings; a non-string item is reported at its own position.
  std::vector<std::string> strings(std::string_view key);

  template <class T>
  void read_count(std::string_view key, T& out, std::int64_t min = 1) {
    if (auto value = integer(key, min, kMaxCount)) {
      out = static_cast<T>(*value);
    }
  }

  void read_millis(std::string_view key, Millis& out, std::int64_t min = 1);
  // A finite number (integer or float) no smaller than 0.
  void read_price(std::string_view key, double& out);
  // A finite number in [min, max].
  void read_fraction(std::string_view key, double& out, double min, double max);
  const toml::array* array(std::string_view key);
  // The sub-table under `key`; null (and reported) when it is not a table.
  const toml::table* subtable(std::string_view key);

  const toml::table& table() const { return table_; }
  const EnvLookup& env() const { return env_; }
  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  std::optional<std::string> interpolate(std::string_view key, std::string_view raw);
  void report_unknown_keys();

  const toml::table& table_;
  std::string path_;
  Diagnostics& diagnostics_;
  const EnvLookup& env_;
  std::set<std::string> used_;
};

// Calls `read` for every table of an array of tables such as [[models]].
template <class T, class ReadFn>
void read_table_array(TableReader& root, std::string_view key, std::vector<T>& out,
                      const EnvLookup& env, ReadFn read) {
  const toml::array* list = root.array(key);
  if (list == nullptr) {
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table* table = (*list)[i].as_table();
    const std::string path = fmt::format("{}[{}]", root.key_path(key), i);
    if (table == nullptr) {
      root.diagnostics().add((*list)[i].source(), path, "must be a table");
      continue;
    }
    TableReader reader(*table, path, root.diagnostics(), env);
    read(reader, out.emplace_back());
  }
}

}  // namespace switchyard::config
