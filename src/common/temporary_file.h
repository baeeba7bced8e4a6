// TemporaryFile: a path whose file is removed when the object goes out of scope, for
// intermediate files of multi-step writes. Not thread-safe; one owner per path.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

namespace switchyard {

class TemporaryFile {
 public:
  explicit TemporaryFile(std::string path) : path_(std::move(path)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  // A file already renamed away is simply not there; that is not an error.
  ~TemporaryFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace switchyard
