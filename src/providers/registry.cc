#include "providers/registry.h"

#include <fmt/format.h>

#include "providers/local.h"
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
    const http::EndpointCache& endpoints, const LocalEngines& engines) {
  std::unique_ptr<Registry> registry(new Registry());
  for (const auto& model : config.models) {
    if (model.is_local()) {
      // An adapter's public name is served by its base model's engine.
      const auto engine = engines.find(model.adapter_of.empty() ? model.name : model.adapter_of);
      if (engine == engines.end()) {
        return fail(fmt::format("model '{}' has not been loaded", model.name));
      }
      registry->local_models_[model.name] =
          std::make_unique<LocalProvider>(io_context, model, engine->second);
    }
  }
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

Provider* Registry::find_for(const config::ModelConfig& model) const {
  const auto& table = model.is_local() ? local_models_ : providers_;
  const auto it = table.find(model.is_local() ? model.name : model.provider);
  return it == table.end() ? nullptr : it->second.get();
}

Result<LocalEngines, std::string> load_local_engines(const config::Config& config) {
  LocalEngines engines;
  for (const auto& model : config.models) {
    if (!model.is_local() || !model.adapter_of.empty()) {
      continue;
    }
    auto engine = local::LocalEngine::load(model);
    if (!engine) {
      return fail(engine.error());
    }
    engines[model.name] = std::move(engine).value();
  }
  return engines;
}

void register_endpoints(const config::Config& config, http::EndpointCache& endpoints) {
  for (const auto& provider : config.providers) {
    endpoints.add(provider.host, provider.port);
  }
}

}  // namespace switchyard::providers
