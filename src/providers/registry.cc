#include "providers/registry.h"

#include <fmt/format.h>

#include "providers/openai_compatible.h"

namespace switchyard::providers {
namespace {

namespace ssl = boost::asio::ssl;

Result<std::unique_ptr<ssl::context>, std::string> make_tls_context(
    const config::ProviderConfig& provider) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  if (!ec) {
    context->set_default_verify_paths(ec);
  }
  if (!ec && !provider.ca_file.empty()) {
    context->load_verify_file(provider.ca_file, ec);
  }
  if (ec) {
    return fail(fmt::format("provider '{}': TLS setup failed: {}", provider.name, ec.message()));
  }
  return context;
}

}  // namespace

Result<std::unique_ptr<Registry>, std::string> Registry::create(
    http::net::io_context& io_context, const config::Config& config,
    const http::EndpointCache& endpoints) {
  std::unique_ptr<Registry> registry(new Registry());
  for (const auto& provider : config.providers) {
    ssl::context* tls = nullptr;
    if (provider.tls) {
      auto context = make_tls_context(provider);
      if (!context) {
        return fail(context.error());
      }
      tls = context->get();
      registry->tls_contexts_.push_back(std::move(context).value());
    }
    registry->providers_[provider.name] =
        std::make_unique<OpenAiCompatibleProvider>(io_context, provider, endpoints, tls);
  }
  return registry;
}

Provider* Registry::find(const std::string& name) const {
  const auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : it->second.get();
}

void register_endpoints(const config::Config& config, http::EndpointCache& endpoints) {
  for (const auto& provider : config.providers) {
    endpoints.add(provider.host, provider.port);
  }
}

}  // namespace switchyard::providers
