// The fake upstream's POST /v1/embeddings. Internal to the fake upstream.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "support/fake_wire.h"

namespace switchyard::testing::fake {

// The number of dimensions when the request does not give `dimensions`.
inline constexpr size_t kDefaultDimensions = 8;

// A unit-length vector that depends only on text and dims, the same on every platform.
std::vector<float> fake_embedding(std::string_view text, size_t dims);

// Base64 of the values as little-endian float32, OpenAI's encoding_format "base64".
std::string base64_floats(const std::vector<float>& values);

// Answers a parsed embeddings request. `input` may be a string, an array of strings, an
// array of token ids or an array of such arrays; a token array embeds as the text of its ids
// joined by spaces. REQUIRES: request["model"] is a string.
Answer embeddings_answer(const boost::json::object& request);

}  // namespace switchyard::testing::fake
