// Gateway: the OpenAI-compatible API on top of the HTTP server. One Gateway per I/O thread
// (it is the http::Handler), sharing the read-only Config and owning that thread's providers.
//
// Routes: GET /healthz, GET /readyz, GET /v1/models[/{id}], POST /v1/chat/completions,
// POST /v1/embeddings. Everything under /v1 needs a gateway key when keys are configured.
#pragma once

#include <memory>

#include "api/handlers.h"
#include "config/config.h"
#include "http/error_response.h"
#include "http/exchange.h"
#include "http/server.h"
#include "providers/registry.h"

namespace switchyard::api {

class Gateway final : public http::Handler {
 public:
  Gateway(std::shared_ptr<const config::Config> config,
          std::unique_ptr<providers::Registry> providers, const http::ServerState& server);

  http::Awaitable<void> handle(http::Exchange& exchange) override;

 private:
  http::Awaitable<void> route(http::Exchange& exchange, std::string_view path);
  std::optional<http::ErrorInfo> check_key(const http::Request& request) const;

  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<providers::Registry> providers_;
  const http::ServerState& server_;
  ProxyContext proxy_context_;
};

// The factory http::Server calls once per I/O thread. The config's providers must already
// have been built once successfully (Registry::create), so that a failure here is a bug.
http::HandlerFactory make_gateway_factory(std::shared_ptr<const config::Config> config,
                                          const http::EndpointCache& endpoints,
                                          const providers::LocalEngines& engines);

}  // namespace switchyard::api
