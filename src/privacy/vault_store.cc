#include "privacy/vault_store.h"

namespace switchyard::privacy {

VaultStore::VaultStore(Limits limits, std::function<Clock::time_point()> now)
    : limits_(limits), now_(std::move(now)) {}

Vault VaultStore::pseudonymize(const std::string& conversation, boost::json::object& request,
                               const Findings& findings, const ClassActions& actions) {
  const Clock::time_point now = now_();
  std::lock_guard lock(mutex_);
  Vault& vault = vault_for(conversation, now);
  privacy::pseudonymize(request, findings, actions, vault);
  return vault;
}

std::size_t VaultStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

// REQUIRES: mutex_ held.
Vault& VaultStore::vault_for(const std::string& conversation, Clock::time_point now) {
  evict_idle(now);
  auto found = entries_.find(conversation);
  if (found == entries_.end()) {
    if (entries_.size() >= limits_.max_conversations && !recency_.empty()) {
      entries_.erase(recency_.back());
      recency_.pop_back();
    }
    recency_.push_front(conversation);
    found = entries_.emplace(conversation, Entry{.used = now, .order = recency_.begin()}).first;
  } else {
    recency_.splice(recency_.begin(), recency_, found->second.order);
    found->second.used = now;
  }
  if (found->second.vault.size() >= limits_.max_values) {
    found->second.vault = Vault{};
  }
  return found->second.vault;
}

// Drops conversations idle for too long, least recently used first. REQUIRES: mutex_ held.
void VaultStore::evict_idle(Clock::time_point now) {
  while (!recency_.empty()) {
    const auto oldest = entries_.find(recency_.back());
    if (now - oldest->second.used <= limits_.idle_timeout) {
      return;
    }
    entries_.erase(oldest);
    recency_.pop_back();
  }
}

}  // namespace switchyard::privacy
