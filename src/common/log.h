// Logging: one spdlog family, one logger per component ("http", "config", "provider", ...),
// all sharing one stderr sink. Per-request lines go at debug; operators watch metrics, not logs.
// Never pass prompt text, keys or upstream credentials to a logger.
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/logger.h>

namespace switchyard::log {

// Returns the logger for a component, creating it on first use. Thread-safe.
std::shared_ptr<spdlog::logger> get(std::string_view component);

// Sets the level of every component logger, present and future. Returns false on an unknown
// level name (valid: trace, debug, info, warn, error, critical, off).
bool set_level(std::string_view level);

}  // namespace switchyard::log
