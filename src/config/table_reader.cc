#include "config/table_reader.h"

#include <cmath>

namespace switchyard::config {

void Diagnostics::add(const toml::source_region& where, std::string_view key,
                      std::string_view what) {
  problems_.push_back(fmt::format("{}:{}:{}: key '{}': {}", source_, where.begin.line,
                                  where.begin.column, key, what));
}

std::string Diagnostics::joined() const {
  std::string out;
  for (const auto& problem : problems_) {
    out += problem;
    out += '\n';
  }
  if (!out.empty()) {
    out.pop_back();
  }
  return out;
}

std::string TableReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

const toml::node* TableReader::find(std::string_view key) {
  used_.insert(std::string(key));
  return table_.get(key);
}

void TableReader::error(std::string_view key, std::string_view what) {
  const toml::node* node = table_.get(key);
  diagnostics_.add(node != nullptr ? node->source() : table_.source(), key_path(key), what);
}

std::optional<std::string> TableReader::string(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    return std::nullopt;
  }
  const auto* value = node->as_string();
  if (value == nullptr) {
    error(key, "must be a string");
    return std::nullopt;
  }
  return interpolate(key, value->get());
}

std::string TableReader::required_string(std::string_view key) {
  auto value = string(key);
  if (!value && table_.get(key) == nullptr) {
    error(key, "is required");
  } else if (value && value->empty()) {
    error(key, "must not be empty");
  }
  return value.value_or("");
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    return std::nullopt;
  }
  const auto* value = node->as_integer();
  if (value == nullptr) {
    error(key, "must be an integer");
    return std::nullopt;
  }
  if (value->get() < min || value->get() > max) {
    error(key, fmt::format("must be between {} and {}, got {}", min, max, value->get()));
    return std::nullopt;
  }
  return value->get();
}

void TableReader::read_bool(std::string_view key, bool& out) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    return;
  }
  if (const auto* value = node->as_boolean()) {
    out = value->get();
  } else {
    error(key, "must be true or false");
  }
}

std::vector<std::string> TableReader::strings(std::string_view key) {
  std::vector<std::string> out;
  const toml::array* list = array(key);
  if (list == nullptr) {
    return out;
  }
  for (const auto& item : *list) {
    if (const auto* value = item.as_string()) {
      out.push_back(value->get());
    } else {
      diagnostics_.add(item.source(), key_path(key), "every item must be a string");
    }
  }
  return out;
}

void TableReader::read_millis(std::string_view key, Millis& out, std::int64_t min) {
  if (auto value = integer(key, min, kMaxMillis)) {
    out = Millis(*value);
  }
}

void TableReader::read_price(std::string_view key, double& out) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    return;
  }
  const auto number = node->value<double>();  // accepts integers and floats
  if (!number || *number < 0 || !std::isfinite(*number)) {
    error(key, "must be a non-negative number");
    return;
  }
  out = *number;
}

void TableReader::read_fraction(std::string_view key, double& out, double min, double max) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    return;
  }
  const auto number = node->value<double>();
  if (!number || !std::isfinite(*number) || *number < min || *number > max) {
    error(key, fmt::format("must be a number between {} and {}", min, max));
    return;
  }
  out = *number;
}

const toml::array* TableReader::array(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    return nullptr;
  }
  if (!node->is_array()) {
    error(key, "must be an array");
    return nullptr;
  }
  return node->as_array();
}

const toml::table* TableReader::subtable(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) {
    return nullptr;
  }
  if (!node->is_table()) {
    error(key, "must be a table");
    return nullptr;
  }
  return node->as_table();
}

std::optional<std::string> TableReader::interpolate(std::string_view key, std::string_view raw) {
  std::string out;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const std::size_t open = raw.find("${", pos);
    if (open == std::string_view::npos) {
      out.append(raw.substr(pos));
      break;
    }
    const std::size_t close = raw.find('}', open + 2);
    if (close == std::string_view::npos) {
      error(key, "has an unterminated '${' in its value");
      return std::nullopt;
    }
    out.append(raw.substr(pos, open - pos));
    const std::string_view name = raw.substr(open + 2, close - open - 2);
    const auto value = env_(name);
    if (!value) {
      error(key, fmt::format("environment variable '{}' is not set", name));
      return std::nullopt;
    }
    out.append(*value);
    pos = close + 1;
  }
  return out;
}

void TableReader::report_unknown_keys() {
  for (const auto& [key, node] : table_) {
    if (used_.count(std::string(key.str())) == 0) {
      diagnostics_.add(node.source(), key_path(key.str()), "unknown key");
    }
  }
}

}  // namespace switchyard::config
