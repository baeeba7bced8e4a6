// Turns one HTTP request into the fake upstream's answer: the key check, routing, JSON
// parsing and the model-name faults. Internal to the fake upstream; it does no I/O.

#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "support/fake_wire.h"

namespace switchyard::testing::fake {

// The parts of a request the answer depends on.
struct RequestView {
  std::string_view method;
  std::string_view target;
  std::string_view authorization;  // the Authorization header, empty if absent
  std::string_view body;
};

// Thread-safe: answer() reads the configuration, bumps atomic counters and counts requests per
// model name under a lock.
class Responder {
 public:
  // An empty api_key accepts every request.
  Responder(std::string_view api_key, std::string reply);

  // Holds views into its own strings, so it must stay put.
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  Answer answer(const RequestView& request) const;

  // While on, every chat and embeddings request gets a 503, as from an upstream that is down.
  void set_outage(bool on) { outage_.store(on, std::memory_order_relaxed); }

 private:
  bool authorized(std::string_view authorization) const;
  Answer answer_post(std::string_view path, std::string_view body) const;
  Answer answer_model(std::string_view path, const boost::json::object& request, Fault fault) const;
  // How many requests have named this model, this one included.
  uint32_t seen(std::string_view model) const;

  std::string expected_authorization_;  // "Bearer <key>", empty when no key is required
  std::string reply_;
  std::vector<std::string_view> reply_words_;  // views into reply_
  mutable std::atomic<uint64_t> next_serial_{1};
  std::atomic<bool> outage_{false};
  mutable std::mutex mutex_;
  mutable std::map<std::string, uint32_t, std::less<>> requests_by_model_;  // guarded by mutex_
};

}  // namespace switchyard::testing::fake
