// Shared by the router tests: a temporary folder for model files, and whole-file reads and
// writes.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "support/temporary_directory.h"

namespace switchyard::router::testing {

using switchyard::testing::TemporaryDirectory;

inline std::string read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

inline void write_bytes(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace switchyard::router::testing
