// Little-endian byte buffers for the model files the project writes (the router's classifiers,
// the privacy tagger): a writer that appends fixed-size values and a reader that takes them
// back, failing (never reading past the end) on a short buffer. Both are plain value types, one
// owner each. x86-64 and ARM64 are little-endian, so values are copied as they are in memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace switchyard {

class ByteWriter {
 public:
  template <class T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    data_.append(bytes, sizeof(T));
  }
  void put_bytes(std::string_view bytes) { data_.append(bytes); }
  // A string of at most 2^32 - 1 bytes, length first.
  void put_string(std::string_view text) {
    put(static_cast<std::uint32_t>(text.size()));
    put_bytes(text);
  }

  const std::string& data() const { return data_; }
  std::string take() { return std::move(data_); }

 private:
  std::string data_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}

  template <class T>
  bool get(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (remaining() < sizeof(T)) {
      return false;
    }
    std::memcpy(&value, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool get_bytes(std::size_t size, std::string_view& out) {
    if (remaining() < size) {
      return false;
    }
    out = data_.substr(pos_, size);
    pos_ += size;
    return true;
  }
  // Reads `count` values, refusing before allocating when the bytes cannot hold them.
  template <class T>
  bool get_array(std::size_t count, std::vector<T>& out) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (remaining() / sizeof(T) < count) {
      return false;
    }
    out.resize(count);
    std::memcpy(out.data(), data_.data() + pos_, count * sizeof(T));
    pos_ += count * sizeof(T);
    return true;
  }
  bool get_string(std::string& out) {
    std::uint32_t size = 0;
    std::string_view bytes;
    if (!get(size) || !get_bytes(size, bytes)) {
      return false;
    }
    out.assign(bytes);
    return true;
  }

  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

// FNV-1a, 64 bits: the checksum model files end with.
inline std::uint64_t checksum_of(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace switchyard
