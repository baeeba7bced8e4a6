// Gateway: the OpenAI-compatible API on top of the HTTP server. One Gateway per I/O thread
// (it is the http::Handler), sharing the read-only Config and privacy Scanner and owning that
// thread's providers.
//
// Routes: GET /healthz, GET /readyz, GET /v1/models[/{id}], POST /v1/chat/completions,
// POST /v1/embeddings, GET /switchyard/usage. Everything under /v1 and /switchyard needs a
// gateway key when keys are configured.
#pragma once

#include <memory>

#include "api/handlers.h"
#include "config/config.h"
#include "http/error_response.h"
#include "http/exchange.h"
#include "http/server.h"
#include "privacy/scan_cache.h"
#include "privacy/scanner.h"
#include "privacy/vault_store.h"
#include "providers/registry.h"

namespace switchyard::api {

// What every I/O thread's Gateway shares: built once, read-only or thread-safe.
struct SharedParts {
  std::shared_ptr<const privacy::Scanner> scanner;         // null when the privacy guard is off
  std::shared_ptr<const router::Classifiers> classifiers;  // null when routes use none
  std::shared_ptr<privacy::VaultStore> conversations;
  std::shared_ptr<reliability::Resilience> resilience;
  std::shared_ptr<limits::LimitBoard> limits;
};

class Gateway final : public http::Handler {
 public:
  Gateway(std::shared_ptr<const config::Config> config,
          std::unique_ptr<providers::Registry> providers, const http::ServerState& server,
          SharedParts shared);

  http::Awaitable<void> handle(http::Exchange& exchange) override;

 private:
  http::Awaitable<void> route(http::Exchange& exchange, std::string_view path,
                              const config::KeyConfig* key);
  // The key the request's bearer token matches: null when the gateway has no keys, an error
  // when the request has none or a wrong one.
  Result<const config::KeyConfig*, http::ErrorInfo> find_key(const http::Request& request) const;

  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<providers::Registry> providers_;
  SharedParts shared_;
  const http::ServerState& server_;
  std::unique_ptr<privacy::ScanCache> scan_cache_;  // null when the guard or the cache is off
  ProxyContext proxy_context_;
};

// The privacy scanner the config asks for, built once at start and shared read-only by every
// I/O thread; null when [privacy] is disabled. Fails on a pattern that does not compile or a
// tagger model that cannot be read.
Result<std::shared_ptr<const privacy::Scanner>, std::string> make_scanner(
    const config::Config& config);

// The factory http::Server calls once per I/O thread. The config's providers must already
// have been built once successfully (Registry::create), so that a failure here is a bug.
// `scanner` and `classifiers` may be null (no privacy guard, no classifier).
http::HandlerFactory make_gateway_factory(std::shared_ptr<const config::Config> config,
                                          const http::EndpointCache& endpoints,
                                          const providers::LocalEngines& engines,
                                          std::shared_ptr<const privacy::Scanner> scanner,
                                          std::shared_ptr<const router::Classifiers> classifiers);

}  // namespace switchyard::api
