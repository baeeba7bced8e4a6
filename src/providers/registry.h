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
#include "local/engine.h"
#include "providers/provider.h"

namespace switchyard::providers {

// The in-process engines, one per local model, by public model name. Shared by all threads.
using LocalEngines = std::map<std::string, std::shared_ptr<local::LocalEngine>, std::less<>>;

// Loads every local model of the config (at start-up: this reads the model files).
Result<LocalEngines, std::string> load_local_engines(const config::Config& config);

class Registry {
 public:
  // `config` and `endpoints` must outlive the registry. Fails when a provider's TLS setup
  // does (an unreadable ca_file, say).
  static Result<std::unique_ptr<Registry>, std::string> create(http::net::io_context& io_context,
                                                               const config::Config& config,
                                                               const http::EndpointCache& endpoints,
                                                               const LocalEngines& engines);

  // The provider that answers a model: its [[providers]] entry, or its own engine for a
  // local model. Null only for a model the config does not have.
  Provider* find_for(const config::ModelConfig& model) const;

 private:
  Registry() = default;

  std::vector<std::unique_ptr<http::net::ssl::context>> tls_contexts_;
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> providers_;
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> local_models_;
};

// Registers every provider's host with the cache (resolving it now, at start-up).
void register_endpoints(const config::Config& config, http::EndpointCache& endpoints);

}  // namespace switchyard::providers
