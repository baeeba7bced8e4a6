// Seeded pseudo-random numbers for the weights of generated models: fast enough to fill hundreds
// of millions of values in about a second per core, and reproducible across machines and thread
// counts.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace switchyard::local {

// Fills `values` with approximately normal numbers (the sum of four uniforms, so bounded at
// about 3.5 standard deviations) of mean 0 and standard deviation `stddev`. The values depend
// only on `seed` and `stream` (use one stream per tensor, e.g. stable_hash of its name). Runs on
// all hardware threads; the result is the same whatever their number.
void fill_random_normal(std::span<float> values, float stddev, uint64_t seed, uint64_t stream);

// FNV-1a: a hash that, unlike std::hash, is the same on every platform and standard library.
uint64_t stable_hash(std::string_view text);

}  // namespace switchyard::local
