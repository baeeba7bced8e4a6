#include "support/fake_embeddings.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace switchyard::testing::fake {
namespace {

namespace json = boost::json;

// Large enough for any real embedding model, small enough that a typo cannot exhaust memory.
constexpr size_t kMaxDimensions = 65536;

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// FNV-1a: a fixed, portable hash, unlike std::hash.
uint64_t fnv1a(std::string_view text) {
  uint64_t hash = kFnvOffset;
  for (char c : text) {
    hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  }
  return hash;
}

// SplitMix64 step: a tiny generator whose output is fully determined by the seed.
uint64_t next_random(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// One input of the request: the seed of its vector and what it counts for usage.
struct EmbeddingInput {
  uint64_t seed = 0;
  uint64_t tokens = 0;
};

EmbeddingInput text_input(std::string_view text) {
  return {fnv1a(text), count_words(text)};
}

// Token ids embed as their decimal text joined by spaces; each id is one token.
std::optional<EmbeddingInput> token_input(const json::array& ids) {
  std::string text;
  for (const json::value& id : ids) {
    if (!id.is_int64() && !id.is_uint64()) {
      return std::nullopt;
    }
    text.append(text.empty() ? "" : " ").append(json::serialize(id));
  }
  return EmbeddingInput{fnv1a(text), ids.size()};
}

std::optional<EmbeddingInput> item_input(const json::value& item) {
  if (item.is_string()) {
    return text_input(item.get_string());
  }
  if (item.is_array()) {
    return token_input(item.get_array());
  }
  return std::nullopt;
}

std::optional<std::vector<EmbeddingInput>> read_inputs(const json::value* input) {
  if (input != nullptr && input->is_string()) {
    return std::vector<EmbeddingInput>{text_input(input->get_string())};
  }
  if (input == nullptr || !input->is_array() || input->get_array().empty()) {
    return std::nullopt;
  }
  const json::array& items = input->get_array();
  if (items.front().is_number()) {
    std::optional<EmbeddingInput> tokens = token_input(items);
    return tokens ? std::optional(std::vector{*tokens}) : std::nullopt;
  }

  std::vector<EmbeddingInput> inputs;
  inputs.reserve(items.size());
  for (const json::value& item : items) {
    std::optional<EmbeddingInput> parsed = item_input(item);
    if (!parsed) {
      return std::nullopt;
    }
    inputs.push_back(*parsed);
  }
  return inputs;
}

std::vector<float> seeded_embedding(uint64_t seed, size_t dims) {
  std::vector<double> raw(dims);
  double norm = 0;
  for (double& value : raw) {
    // The top 53 bits as a double in [-1, 1).
    value = static_cast<double>(next_random(seed) >> 11) * 0x1.0p-52 - 1.0;
    norm += value * value;
  }
  norm = std::sqrt(norm);

  std::vector<float> values(dims);
  for (size_t i = 0; i < dims; ++i) {
    values[i] = static_cast<float>(norm > 0 ? raw[i] / norm : raw[i]);
  }
  return values;
}

std::optional<size_t> read_dimensions(const json::object& request) {
  const json::value* value = request.if_contains("dimensions");
  if (value == nullptr) {
    return kDefaultDimensions;
  }
  json::error_code ec;
  const auto dims = value->is_number() ? value->to_number<uint64_t>(ec) : 0;
  if (ec || dims == 0 || dims > kMaxDimensions) {
    return std::nullopt;
  }
  return dims;
}

// Whether the request wants base64 ("base64") or arrays ("float", the default); nothing if
// it names another format.
std::optional<bool> read_base64(const json::object& request) {
  const json::value* format = request.if_contains("encoding_format");
  if (format == nullptr) {
    return false;
  }
  const json::string* name = format->if_string();
  if (name == nullptr || (*name != "float" && *name != "base64")) {
    return std::nullopt;
  }
  return *name == "base64";
}

json::value embedding_value(const std::vector<float>& values, bool base64) {
  if (base64) {
    return json::string(base64_floats(values));
  }
  json::array array;
  array.reserve(values.size());
  for (float value : values) {
    array.emplace_back(static_cast<double>(value));
  }
  return array;
}

}  // namespace

std::vector<float> fake_embedding(std::string_view text, size_t dims) {
  return seeded_embedding(fnv1a(text), dims);
}

std::string base64_floats(const std::vector<float>& values) {
  std::vector<unsigned char> bytes;
  bytes.reserve(values.size() * 4);
  for (float value : values) {
    const auto bits = std::bit_cast<uint32_t>(value);
    for (int shift = 0; shift < 32; shift += 8) {
      bytes.push_back(static_cast<unsigned char>(bits >> shift));
    }
  }

  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t left = bytes.size() - i;
    uint32_t group = bytes[i] << 16;
    group |= left > 1 ? bytes[i + 1] << 8 : 0;
    group |= left > 2 ? bytes[i + 2] : 0;
    out.push_back(kBase64Alphabet[(group >> 18) & 0x3F]);
    out.push_back(kBase64Alphabet[(group >> 12) & 0x3F]);
    out.push_back(left > 1 ? kBase64Alphabet[(group >> 6) & 0x3F] : '=');
    out.push_back(left > 2 ? kBase64Alphabet[group & 0x3F] : '=');
  }
  return out;
}

Answer embeddings_answer(const json::object& request) {
  std::optional<std::vector<EmbeddingInput>> inputs = read_inputs(request.if_contains("input"));
  if (!inputs) {
    return invalid_param(
        "input must be a string, an array of strings, an array of token ids or an array of "
        "token id arrays",
        "input");
  }
  std::optional<size_t> dims = read_dimensions(request);
  if (!dims) {
    return invalid_param(
        "dimensions must be an integer from 1 to " + std::to_string(kMaxDimensions), "dimensions");
  }
  std::optional<bool> base64 = read_base64(request);
  if (!base64) {
    return invalid_param(R"(encoding_format must be "float" or "base64")", "encoding_format");
  }

  uint64_t tokens = 0;
  json::array data;
  data.reserve(inputs->size());
  for (const EmbeddingInput& input : *inputs) {
    tokens += input.tokens;
    json::object item{{"object", "embedding"}, {"index", data.size()}};
    item["embedding"] = embedding_value(seeded_embedding(input.seed, *dims), *base64);
    data.push_back(std::move(item));
  }

  json::object body{{"object", "list"}, {"data", std::move(data)}};
  body["model"] = request.at("model");
  body["usage"] = json::object{{"prompt_tokens", tokens}, {"total_tokens", tokens}};
  return json_answer(body);
}

}  // namespace switchyard::testing::fake
