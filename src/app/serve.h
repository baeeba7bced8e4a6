// `switchyard serve`: starts the gateway and runs it until SIGTERM or SIGINT.
#pragma once

#include <optional>
#include <string>

namespace switchyard::app {

struct ServeOptions {
  std::optional<std::string> config_file;
  std::optional<std::string> listen;  // HOST:PORT, overrides [server].listen
  std::optional<std::string> port_file;
  std::optional<std::string> log_level;
};

int serve(const ServeOptions& options);

// `switchyard check-config FILE`: validates and prints a summary or the problems.
int check_config(const std::string& file);

}  // namespace switchyard::app
