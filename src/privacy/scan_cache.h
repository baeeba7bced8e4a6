// ScanCache: what the scanner found in texts that come back verbatim, so that an
// application's own instructions (its system prompt, its tool definitions, its response
// schema) are scanned once rather than on every request that carries them. A system prompt of
// a few kilobytes costs tens of microseconds to scan, more than the rest of the request.
//
// Findings depend only on the text and the scanner, so a cache belongs to one Scanner.
// Bounded by the bytes of text it holds; the least recently used text goes first.
//
// Thread-safety: none. Each I/O thread owns one.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "privacy/scanner.h"

namespace switchyard::privacy {

class ScanCache {
 public:
  // Holds at most `max_bytes` of text; a single text over an eighth of that is not kept, so
  // that one large text cannot push out all the others.
  explicit ScanCache(std::size_t max_bytes);

  ScanCache(const ScanCache&) = delete;
  ScanCache& operator=(const ScanCache&) = delete;

  // The findings stored for exactly this text, or null. A hit makes the text the most recent.
  const TextFindings* find(std::string_view text);
  // Stores the findings of a complete scan. An incomplete one is not stored: the next request
  // should get a full try.
  void insert(std::string_view text, const TextFindings& findings);

  std::size_t size() const { return index_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    std::string text;
    TextFindings findings;
  };
  using Entries = std::list<Entry>;

  Entries entries_;  // most recently used first
  // Keys are views of the entries' own text, which a list never moves.
  std::unordered_map<std::string_view, Entries::iterator> index_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
};

}  // namespace switchyard::privacy
