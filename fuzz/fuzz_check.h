// What the fuzz targets share: an oracle check that stops the run where a property fails, so
// libFuzzer saves the input that broke it.
#pragma once

#include <cstdio>

namespace switchyard::fuzz {

// Traps (libFuzzer reports a crash and writes the input) when `holds` is false. Unlike
// assert, it is never compiled out.
inline void require(bool holds, const char* property) {
  if (!holds) {
    std::fprintf(stderr, "fuzz property failed: %s\n", property);
    __builtin_trap();
  }
}

}  // namespace switchyard::fuzz
