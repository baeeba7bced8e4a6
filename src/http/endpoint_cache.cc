#include "http/endpoint_cache.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"

namespace switchyard::http {
namespace {

std::shared_ptr<const Endpoints> to_endpoints(const tcp::resolver::results_type& results) {
  auto endpoints = std::make_shared<Endpoints>();
  for (const auto& entry : results) {
    endpoints->push_back(entry.endpoint());
  }
  return endpoints;
}

}  // namespace

EndpointCache::EndpointCache(std::chrono::seconds refresh_period)
    : refresh_period_(refresh_period), work_(net::make_work_guard(io_context_)) {
  net::co_spawn(io_context_, refresh_loop(), net::detached);
  thread_ = std::thread([this] { io_context_.run(); });
}

EndpointCache::~EndpointCache() {
  io_context_.stop();
  thread_.join();
}

void EndpointCache::add(const std::string& host, std::uint16_t port) {
  const Key key{host, port};
  {
    const std::lock_guard lock(mutex_);
    if (entries_.count(key) != 0) {
      return;
    }
    entries_[key] = nullptr;
  }
  net::io_context local;
  tcp::resolver resolver(local);
  beast::error_code ec;
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    log::get("http")->warn("cannot resolve upstream host {}: {}; retrying in the background", host,
                           ec ? ec.message() : "no addresses");
    return;
  }
  store(key, to_endpoints(results));
}

std::shared_ptr<const Endpoints> EndpointCache::lookup(const std::string& host,
                                                       std::uint16_t port) const {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(Key{host, port});
  return it == entries_.end() ? nullptr : it->second;
}

void EndpointCache::store(const Key& key, std::shared_ptr<const Endpoints> endpoints) {
  const std::lock_guard lock(mutex_);
  entries_[key] = std::move(endpoints);
}

Awaitable<void> EndpointCache::refresh_loop() {
  tcp::resolver resolver(io_context_);
  net::steady_timer timer(io_context_);
  while (true) {
    timer.expires_after(refresh_period_);
    auto [wait_ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (wait_ec) {
      co_return;
    }
    std::vector<Key> keys;
    {
      const std::lock_guard lock(mutex_);
      for (const auto& [key, value] : entries_) {
        keys.push_back(key);
      }
    }
    for (const auto& key : keys) {
      auto [ec, results] = co_await resolver.async_resolve(key.first, std::to_string(key.second),
                                                           net::as_tuple(net::use_awaitable));
      // A failed refresh keeps the last good answer: a DNS blip should not take an
      // upstream down.
      if (!ec && !results.empty()) {
        store(key, to_endpoints(results));
      }
    }
  }
}

}  // namespace switchyard::http
