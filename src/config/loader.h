// Loading and validating the TOML configuration file.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"

namespace switchyard::config {

// Looks up an environment variable; injectable so tests need not touch the real environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

EnvLookup process_env();

// Parses and validates a configuration. Every problem found is reported, one per line, as
// "FILE:LINE:COLUMN: key 'a.b': what is wrong". `${NAME}` in any string value is replaced by
// the environment variable NAME; an unset variable is an error.
Result<Config, std::string> load_file(const std::string& path, const EnvLookup& env);
Result<Config, std::string> load_string(std::string_view text, std::string_view source_name,
                                        const EnvLookup& env);

}  // namespace switchyard::config
