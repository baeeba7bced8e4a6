#include "router/word_vectors.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <unordered_set>

#include <fmt/format.h>

namespace switchyard::router {
namespace {

// Bounds read() accepts: far beyond any published table, small enough that a damaged file
// cannot ask for absurd allocations before its sizes are checked against its bytes.
constexpr std::uint32_t kMaxDimensions = 4096;
constexpr std::uint32_t kMaxWords = 1U << 26U;
constexpr float kInt8Max = 127.0F;
constexpr double kEulerGamma = 0.5772156649;

std::uint64_t hash_word(std::string_view word) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : word) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return hash ^ (hash >> 29U);
}

// The numbers after the word on one line of the text format.
bool parse_numbers(std::string_view rest, std::vector<float>& out) {
  out.clear();
  const char* at = rest.data();
  const char* const end = rest.data() + rest.size();
  while (at < end) {
    while (at < end && (*at == ' ' || *at == '\t' || *at == '\r')) {
      ++at;
    }
    if (at == end) {
      break;
    }
    float value = 0;
    const auto [next, error] = std::from_chars(at, end, value);
    if (error != std::errc() || !std::isfinite(value)) {
      return false;
    }
    out.push_back(value);
    at = next;
  }
  return true;
}

// Eight running sums, so the compiler can keep them in one vector register: linking a
// vocabulary to its neighbours takes billions of these products.
float dot_product(const float* a, const float* b, std::size_t size) {
  constexpr std::size_t kLanes = 8;
  std::array<float, kLanes> sums{};
  std::size_t d = 0;
  for (; d + kLanes <= size; d += kLanes) {
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
      sums[lane] += a[d + lane] * b[d + lane];
    }
  }
  float total = 0;
  for (; d < size; ++d) {
    total += a[d] * b[d];
  }
  for (const float sum : sums) {
    total += sum;
  }
  return total;
}

// `v` scaled to length 1; left as it is when it is all zeros.
void scale_to_unit_length(std::span<float> v) {
  float norm = 0;
  for (const float x : v) {
    norm += x * x;
  }
  if (norm > 0) {
    const float inverse = 1.0F / std::sqrt(norm);
    for (float& x : v) {
      x *= inverse;
    }
  }
}

// A word2vec text file starts with "count dimensions"; a vector line has many more fields.
bool is_count_header(std::string_view word, const std::vector<float>& numbers) {
  return numbers.size() == 1 && !word.empty() &&
         std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<WordVectors, std::string> WordVectors::read_text(const std::string& path,
                                                        const WordVectorOptions& options) {
  std::ifstream file(path);
  if (!file) {
    return fail(fmt::format("cannot open word vectors {}", path));
  }
  const std::unordered_set<std::string> also_keep(options.also_keep.begin(),
                                                  options.also_keep.end());
  WordVectors vectors;
  std::vector<std::size_t> ranks;  // of each kept word, 1 for the first line
  std::vector<float> numbers;
  std::string line;
  std::size_t rank = 0;
  for (std::size_t number = 1; std::getline(file, line); ++number) {
    const std::size_t space = line.find(' ');
    const std::string_view word = std::string_view(line).substr(0, space);
    const std::string_view rest =
        space == std::string::npos ? std::string_view() : std::string_view(line).substr(space);
    if (word.empty() || !parse_numbers(rest, numbers)) {
      return fail(fmt::format("{}:{}: not a word followed by numbers", path, number));
    }
    if (number == 1 && is_count_header(word, numbers)) {
      continue;
    }
    if (vectors.dimensions_ == 0) {
      if (numbers.empty() || numbers.size() > kMaxDimensions) {
        return fail(fmt::format("{}:{}: {} numbers; 1 to {} are accepted", path, number,
                                numbers.size(), kMaxDimensions));
      }
      vectors.dimensions_ = static_cast<std::uint32_t>(numbers.size());
    } else if (numbers.size() != vectors.dimensions_) {
      return fail(fmt::format("{}:{}: {} numbers where the first line has {}", path, number,
                              numbers.size(), vectors.dimensions_));
    }
    ++rank;
    if ((options.max_words == 0 || rank <= options.max_words) ||
        also_keep.contains(std::string(word))) {
      vectors.push(word, numbers);
      ranks.push_back(rank);
    }
  }
  if (vectors.empty()) {
    return fail(fmt::format("{}: no word vectors", path));
  }
  // Zipf's law: the word of rank r has probability about 1 / (r * H(N)).
  if (options.sif_a > 0) {
    const double harmonic = std::log(static_cast<double>(rank)) + kEulerGamma;
    for (std::size_t i = 0; i < ranks.size(); ++i) {
      const double p = 1.0 / (static_cast<double>(ranks[i]) * harmonic);
      vectors.scales_[i] *= static_cast<float>(options.sif_a / (options.sif_a + p));
    }
  }
  vectors.build_table();
  return vectors;
}

void WordVectors::push(std::string_view word, std::span<const float> vector) {
  if (offsets_.empty()) {
    offsets_.push_back(0);
  }
  text_.append(word);
  offsets_.push_back(static_cast<std::uint32_t>(text_.size()));
  float largest = 0;
  for (const float v : vector) {
    largest = std::max(largest, std::fabs(v));
  }
  const float step = largest > 0 ? largest / kInt8Max : 1.0F;
  for (const float v : vector) {
    values_.push_back(static_cast<std::int8_t>(std::lround(v / step)));
  }
  scales_.push_back(step);
}

void WordVectors::build_table() {
  std::size_t size = 16;
  while (size < scales_.size() * 2) {
    size *= 2;
  }
  slots_.assign(size, 0);
  for (std::size_t i = 0; i < scales_.size(); ++i) {
    const std::string_view word(text_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
    std::size_t slot = hash_word(word) & (size - 1);
    while (slots_[slot] != 0) {
      slot = (slot + 1) & (size - 1);
    }
    slots_[slot] = static_cast<std::uint32_t>(i + 1);
  }
}

std::int64_t WordVectors::find(std::string_view word) const {
  if (slots_.empty()) {
    return -1;
  }
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t slot = hash_word(word) & mask; slots_[slot] != 0; slot = (slot + 1) & mask) {
    const std::uint32_t i = slots_[slot] - 1;
    if (std::string_view(text_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]) == word) {
      return i;
    }
  }
  return -1;
}

void WordVectors::add_scaled(std::size_t index, float weight, std::span<float> out) const {
  const std::int8_t* values = values_.data() + index * dimensions_;
  const float scale = scales_[index] * weight;
  for (std::size_t d = 0; d < dimensions_; ++d) {
    out[d] += scale * static_cast<float>(values[d]);
  }
}

std::size_t WordVectors::text_vector(std::span<const std::string_view> words,
                                     std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0F);
  std::size_t known = 0;
  for (const std::string_view word : words) {
    if (const std::int64_t index = find(word); index >= 0) {
      add_scaled(static_cast<std::size_t>(index), 1.0F, out);
      ++known;
    }
  }
  scale_to_unit_length(out);
  return known;
}

void WordVectors::link_neighbours(std::span<const std::string> candidates, std::size_t count,
                                  float min_similarity) {
  // Unit-length float vectors of the candidates, for one dot product a pair.
  std::vector<std::uint32_t> ids;
  std::vector<float> unit;
  std::vector<float> vector(dimensions_);
  const auto unit_vector = [&](std::size_t index, std::span<float> out) {
    std::fill(out.begin(), out.end(), 0.0F);
    add_scaled(index, 1.0F, out);
    scale_to_unit_length(out);
  };
  for (const std::string& candidate : candidates) {
    if (const std::int64_t index = find(candidate); index >= 0) {
      ids.push_back(static_cast<std::uint32_t>(index));
      unit.resize(unit.size() + dimensions_);
      unit_vector(ids.back(), std::span(unit).last(dimensions_));
    }
  }
  neighbour_ends_.clear();
  neighbours_.clear();
  std::vector<Neighbour> best;
  for (std::size_t i = 0; i < size(); ++i) {
    unit_vector(i, vector);
    best.clear();
    for (std::size_t c = 0; c < ids.size(); ++c) {
      const float dot = dot_product(vector.data(), unit.data() + c * dimensions_, dimensions_);
      if (dot >= min_similarity && ids[c] != i) {
        best.push_back({ids[c], std::min(dot, 1.0F)});
      }
    }
    const std::size_t kept = std::min(count, best.size());
    std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(kept), best.end(),
                      [](const Neighbour& a, const Neighbour& b) {
                        return a.similarity != b.similarity ? a.similarity > b.similarity
                                                            : a.word < b.word;
                      });
    neighbours_.insert(neighbours_.end(), best.begin(),
                       best.begin() + static_cast<std::ptrdiff_t>(kept));
    neighbour_ends_.push_back(static_cast<std::uint32_t>(neighbours_.size()));
  }
}

std::span<const Neighbour> WordVectors::neighbours(std::string_view word) const {
  const std::int64_t index = find(word);
  if (index < 0 || neighbour_ends_.empty()) {
    return {};
  }
  const std::uint32_t begin = index == 0 ? 0 : neighbour_ends_[index - 1];
  return std::span(neighbours_).subspan(begin, neighbour_ends_[index] - begin);
}

void WordVectors::write(ByteWriter& out) const {
  out.put(dimensions_);
  out.put(static_cast<std::uint32_t>(scales_.size()));
  out.put_string(text_);
  for (std::size_t i = 1; i < offsets_.size(); ++i) {
    out.put(offsets_[i]);
  }
  out.put_bytes({reinterpret_cast<const char*>(values_.data()), values_.size()});
  for (const float scale : scales_) {
    out.put(scale);
  }
  out.put(static_cast<std::uint32_t>(neighbours_.size()));
  if (!neighbours_.empty()) {
    for (const std::uint32_t end : neighbour_ends_) {
      out.put(end);
    }
    for (const Neighbour& neighbour : neighbours_) {
      out.put(neighbour.word);
      out.put(neighbour.similarity);
    }
  }
}

Result<WordVectors, std::string> WordVectors::read(ByteReader& in) {
  WordVectors vectors;
  std::uint32_t count = 0;
  if (!in.get(vectors.dimensions_) || !in.get(count)) {
    return fail(std::string("truncated word vectors"));
  }
  if (count == 0 || count > kMaxWords || vectors.dimensions_ == 0 ||
      vectors.dimensions_ > kMaxDimensions) {
    return fail(fmt::format("word vectors out of range ({} words of {} dimensions)", count,
                            vectors.dimensions_));
  }
  std::vector<std::uint32_t> ends;
  std::vector<std::int8_t> values;
  if (!in.get_string(vectors.text_) || !in.get_array(count, ends) ||
      !in.get_array(static_cast<std::size_t>(count) * vectors.dimensions_, values) ||
      !in.get_array(count, vectors.scales_)) {
    return fail(std::string("truncated word vectors"));
  }
  vectors.offsets_.assign(1, 0);
  for (const std::uint32_t end : ends) {
    if (end <= vectors.offsets_.back() || end > vectors.text_.size()) {
      return fail(std::string("word vectors: word offsets out of order"));
    }
    vectors.offsets_.push_back(end);
  }
  if (vectors.offsets_.back() != vectors.text_.size() ||
      !std::all_of(vectors.scales_.begin(), vectors.scales_.end(),
                   [](float s) { return std::isfinite(s); })) {
    return fail(std::string("word vectors: inconsistent sizes or scales"));
  }
  vectors.values_ = std::move(values);
  if (auto links = vectors.read_neighbours(in); !links) {
    return fail(links.error());
  }
  vectors.build_table();
  return vectors;
}

Result<bool, std::string> WordVectors::read_neighbours(ByteReader& in) {
  std::uint32_t total = 0;
  if (!in.get(total)) {
    return fail(std::string("truncated word vectors"));
  }
  if (total == 0) {
    return true;
  }
  if (!in.get_array(size(), neighbour_ends_)) {
    return fail(std::string("truncated word neighbours"));
  }
  std::uint32_t previous = 0;
  for (const std::uint32_t end : neighbour_ends_) {
    if (end < previous || end > total) {
      return fail(std::string("word neighbours out of order"));
    }
    previous = end;
  }
  if (previous != total) {
    return fail(std::string("word neighbours: inconsistent count"));
  }
  neighbours_.resize(total);
  for (Neighbour& neighbour : neighbours_) {
    if (!in.get(neighbour.word) || !in.get(neighbour.similarity)) {
      return fail(std::string("truncated word neighbours"));
    }
    if (neighbour.word >= size() || !(neighbour.similarity > 0 && neighbour.similarity <= 1)) {
      return fail(std::string("word neighbour out of range"));
    }
  }
  return true;
}

}  // namespace switchyard::router
