#include "privacy/tagger_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/binary_io.h"

namespace switchyard::privacy {
namespace {

constexpr std::string_view kMagic = "SWYDTAG1";
constexpr std::uint32_t kMaxLabels = 64;
constexpr float kInt16Max = 32767.0F;

std::int16_t quantize(float weight, float scale) {
  return static_cast<std::int16_t>(std::lround(weight / scale));
}

float largest_weight(const Tagger::Model& model) {
  float largest = 1e-6F;
  const auto widen = [&](const float* row, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      largest = std::max(largest, std::fabs(row[i]));
    }
  };
  widen(model.start.data(), model.start.size());
  widen(model.transitions.data(), model.transitions.size());
  model.features.for_each([&](std::uint64_t, const float* row) { widen(row, model.labels); });
  return largest;
}

void write_words(ByteWriter& out, const tagging::WordSet& words) {
  out.put(static_cast<std::uint32_t>(words.keys().size()));
  for (const std::uint32_t key : words.keys()) {
    out.put(key);
  }
}

std::string encode(const Tagger::Model& model) {
  ByteWriter out;
  out.put_bytes(kMagic);
  out.put(tagging::kFeatureVersion);
  out.put(static_cast<std::uint32_t>(model.labels));
  out.put_bytes("\1O");
  for (const EntityType type : model.types) {
    const std::string_view name = name_of(type);
    out.put(static_cast<std::uint8_t>(name.size()));
    out.put_bytes(name);
  }
  const float scale = largest_weight(model) / kInt16Max;
  out.put(scale);
  for (const float weight : model.start) {
    out.put(quantize(weight, scale));
  }
  for (const float weight : model.transitions) {
    out.put(quantize(weight, scale));
  }
  out.put(static_cast<std::uint32_t>(model.features.size()));
  model.features.for_each([&](std::uint64_t key, const float* row) {
    out.put(key);
    for (std::size_t label = 0; label < model.labels; ++label) {
      out.put(quantize(row[label], scale));
    }
  });
  write_words(out, model.lexicon.common);
  write_words(out, model.lexicon.proper);
  out.put(tagging::fnv1a(out.data()));
  return out.take();
}

Result<std::vector<EntityType>, std::string> read_labels(ByteReader& in, std::uint32_t count) {
  std::vector<EntityType> types;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint8_t size = 0;
    std::string_view name;
    if (!in.get(size) || !in.get_bytes(size, name)) {
      return fail(std::string("truncated label list"));
    }
    if (i == 0) {
      if (name != "O") {
        return fail(std::string("label 0 is not O"));
      }
      continue;
    }
    const auto type = entity_type_from_name(name);
    if (!type) {
      return fail(fmt::format("unknown entity type '{}'", name));
    }
    types.push_back(*type);
  }
  return types;
}

bool read_row(ByteReader& in, float scale, std::size_t size, std::vector<float>& out) {
  for (std::size_t i = 0; i < size; ++i) {
    std::int16_t stored = 0;
    if (!in.get(stored)) {
      return false;
    }
    out.push_back(static_cast<float>(stored) * scale);
  }
  return true;
}

bool read_words(ByteReader& in, tagging::WordSet& words) {
  std::uint32_t count = 0;
  if (!in.get(count)) {
    return false;
  }
  std::vector<std::uint32_t> keys(count);
  for (std::uint32_t& key : keys) {
    if (!in.get(key)) {
      return false;
    }
  }
  words.assign(std::move(keys));
  return true;
}

Result<bool, std::string> read_features(ByteReader& in, float scale, Tagger::Model& model) {
  std::uint32_t count = 0;
  if (!in.get(count)) {
    return fail(std::string("truncated before the features"));
  }
  std::vector<std::uint64_t> keys(count);
  std::vector<float> rows;
  rows.reserve(static_cast<std::size_t>(count) * model.labels);
  for (std::uint64_t& key : keys) {
    if (!in.get(key) || key == 0 || !read_row(in, scale, model.labels, rows)) {
      return fail(std::string("truncated or bad feature table"));
    }
  }
  model.features.assign(model.labels, keys, rows);
  return true;
}

// Everything after the checksum was verified.
Result<std::shared_ptr<Tagger::Model>, std::string> decode_body(ByteReader& in) {
  std::string_view magic;
  std::uint32_t version = 0;
  std::uint32_t labels = 0;
  if (!in.get_bytes(kMagic.size(), magic) || magic != kMagic) {
    return fail(std::string("not a Switchyard tagger model (bad magic)"));
  }
  if (!in.get(version) || version != tagging::kFeatureVersion) {
    return fail(fmt::format("made for feature version {}, this build reads {}", version,
                            tagging::kFeatureVersion));
  }
  if (!in.get(labels) || labels < 2 || labels > kMaxLabels) {
    return fail(std::string("bad label count"));
  }
  auto model = std::make_shared<Tagger::Model>();
  model->labels = labels;
  auto types = read_labels(in, labels);
  if (!types) {
    return fail(std::move(types).error());
  }
  model->types = std::move(types).value();
  float scale = 0;
  if (!in.get(scale) || !std::isfinite(scale) || !read_row(in, scale, labels, model->start) ||
      !read_row(in, scale, static_cast<std::size_t>(labels) * labels, model->transitions)) {
    return fail(std::string("truncated weights"));
  }
  if (auto features = read_features(in, scale, *model); !features) {
    return fail(std::move(features).error());
  }
  if (!read_words(in, model->lexicon.common) || !read_words(in, model->lexicon.proper)) {
    return fail(std::string("truncated dictionary"));
  }
  return model;
}

}  // namespace

void FeatureTable::assign(std::size_t labels, const std::vector<std::uint64_t>& keys,
                          const std::vector<float>& rows) {
  stride_ = padded_width(labels);
  count_ = keys.size();
  std::size_t capacity = 16;
  while (capacity < keys.size() * 2) {
    capacity *= 2;
  }
  slots_.assign(capacity, Slot{});
  rows_.assign(keys.size() * stride_, 0.0F);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::size_t slot = slot_of(keys[i], capacity - 1);
    while (slots_[slot].key != 0) {
      slot = (slot + 1) & (capacity - 1);
    }
    slots_[slot] = {keys[i], i};
    std::copy_n(rows.begin() + static_cast<long>(i * labels), labels,
                rows_.begin() + static_cast<long>(i * stride_));
  }
}

Result<bool, std::string> write_model(const Tagger::Model& model, const std::string& path) {
  const std::string bytes = encode(model);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file) {
    return fail(fmt::format("cannot write {}", path));
  }
  return true;
}

Result<std::shared_ptr<Tagger::Model>, std::string> read_model(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return fail(fmt::format("cannot open tagger model {}", path));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  const std::string bytes = std::move(contents).str();
  constexpr std::size_t kChecksumSize = sizeof(std::uint64_t);
  if (bytes.size() < kMagic.size() + kChecksumSize) {
    return fail(fmt::format("tagger model {} is truncated", path));
  }
  const std::string_view body(bytes.data(), bytes.size() - kChecksumSize);
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + body.size(), kChecksumSize);
  if (body.substr(0, kMagic.size()) != kMagic) {
    return fail(fmt::format("{} is not a Switchyard tagger model (bad magic)", path));
  }
  if (tagging::fnv1a(body) != stored) {
    return fail(fmt::format("tagger model {} is corrupt (checksum mismatch)", path));
  }
  ByteReader in(body);
  auto model = decode_body(in);
  if (!model) {
    return fail(fmt::format("tagger model {}: {}", path, model.error()));
  }
  if (!in.at_end()) {
    return fail(fmt::format("tagger model {}: trailing bytes", path));
  }
  return model;
}

}  // namespace switchyard::privacy
