#include "privacy/scan_cache.h"

namespace switchyard::privacy {

ScanCache::ScanCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

const TextFindings* ScanCache::find(std::string_view text) {
  const auto found = index_.find(text);
  if (found == index_.end()) {
    return nullptr;
  }
  entries_.splice(entries_.begin(), entries_, found->second);
  return &found->second->findings;
}

void ScanCache::insert(std::string_view text, const TextFindings& findings) {
  if (!findings.complete || max_bytes_ == 0 || text.size() > max_bytes_ / 8 ||
      index_.contains(text)) {
    return;
  }
  while (!entries_.empty() && bytes_ + text.size() > max_bytes_) {
    bytes_ -= entries_.back().text.size();
    index_.erase(entries_.back().text);
    entries_.pop_back();
  }
  entries_.push_front({.text = std::string(text), .findings = findings});
  index_.emplace(entries_.front().text, entries_.begin());
  bytes_ += text.size();
}

}  // namespace switchyard::privacy
