// Registry: the providers of one I/O thread, built from the config, with the TLS contexts
// their connections use.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "common/result.h"
#include "config/config.h"
#include "http/endpoint_cache.h"
#include "providers/provider.h"

namespace switchyard::providers {

class Registry {
 public:
  // `config` and `endpoints` must outlive the registry. Fails when a provider's TLS setup
  // does (an unreadable ca_file, say).
  static Result<std::unique_ptr<Registry>, std::string> create(
      http::net::io_context& io_context, const config::Config& config,
      const http::EndpointCache& endpoints);

  // The provider by config name; null when unknown (config validation rules that out).
  Provider* find(const std::string& name) const;

 private:
  Registry() = default;

  std::vector<std::unique_ptr<http::net::ssl::context>> tls_contexts_;
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> providers_;
};

// Registers every provider's host with the cache (resolving it now, at start-up).
void register_endpoints(const config::Config& config, http::EndpointCache& endpoints);

}  // namespace switchyard::providers
