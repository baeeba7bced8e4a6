// VaultStore: vaults that outlive one request, one per conversation, so that a name keeps its
// placeholder from one turn to the next and the model sees a consistent history.
//
// Bounded two ways: a conversation idle for longer than `idle_timeout` is forgotten, and past
// `max_conversations` the least recently used one is. A vault that grows past `max_values`
// starts over, as a bound on memory per conversation.
//
// Thread safety: shared by every I/O thread, behind one mutex. One store, rather than one per
// I/O thread, because a client's turns arrive on whatever connection (and so thread) it
// happens to use; the lock is held only to rewrite one request's spans (microseconds) and
// never across I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/json/object.hpp>

#include "privacy/vault.h"

namespace switchyard::privacy {

class VaultStore {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    std::size_t max_conversations = 10'000;
    std::chrono::milliseconds idle_timeout{3'600'000};
    std::size_t max_values = 4'096;
  };

  // `now` is injectable so tests need not wait for time to pass.
  explicit VaultStore(Limits limits, std::function<Clock::time_point()> now = Clock::now);

  // pseudonymize() with the conversation's vault, which keeps the new placeholders. Returns a
  // copy of the vault for restoring this request's answer, so the answer never waits for the
  // lock and later turns cannot change it underneath.
  Vault pseudonymize(const std::string& conversation, boost::json::object& request,
                     const Findings& findings, const ClassActions& actions);

  std::size_t size() const;

 private:
  struct Entry {
    Vault vault;
    Clock::time_point used;
    std::list<std::string>::iterator order;  // position in recency_
  };

  Vault& vault_for(const std::string& conversation, Clock::time_point now);
  void evict_idle(Clock::time_point now);

  Limits limits_;
  std::function<Clock::time_point()> now_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mutex_
  std::list<std::string> recency_;                  // most recent first; guarded by mutex_
};

}  // namespace switchyard::privacy
