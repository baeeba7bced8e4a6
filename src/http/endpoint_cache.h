// EndpointCache: upstream host names resolved off the request path.
//
// Hosts are resolved once when registered (at start-up) and then again in the background on
// a fixed period by the cache's own thread, so a request only ever reads a ready answer.
// Thread-safe: lookup() may be called from any I/O thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/types.h"

namespace switchyard::http {

using Endpoints = std::vector<tcp::endpoint>;

class EndpointCache {
 public:
  explicit EndpointCache(std::chrono::seconds refresh_period = std::chrono::seconds(30));
  ~EndpointCache();
  EndpointCache(const EndpointCache&) = delete;
  EndpointCache& operator=(const EndpointCache&) = delete;

  // Registers a host and resolves it now (blocking: call at start-up, not on an I/O thread).
  // A failure is logged and retried in the background.
  void add(const std::string& host, std::uint16_t port);

  // The latest successful resolution, or null if the host has never resolved.
  std::shared_ptr<const Endpoints> lookup(const std::string& host, std::uint16_t port) const;

 private:
  using Key = std::pair<std::string, std::uint16_t>;

  void store(const Key& key, std::shared_ptr<const Endpoints> endpoints);
  Awaitable<void> refresh_loop();

  std::chrono::seconds refresh_period_;
  mutable std::mutex mutex_;
  std::map<Key, std::shared_ptr<const Endpoints>> entries_;
  net::io_context io_context_{1};
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace switchyard::http
