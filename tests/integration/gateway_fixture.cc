#include "integration/gateway_fixture.h"

#include <stdexcept>

#include <fmt/format.h>

#include "api/gateway.h"
#include "config/loader.h"
#include "providers/registry.h"

namespace switchyard::testing {

std::string standard_config(const std::string& base_url, const std::string& extra) {
  std::string text = fmt::format(R"(
[server]
listen = "127.0.0.1:0"
io_threads = 2

[[providers]]
name = "fake"
kind = "openai_compatible"
base_url = "{}"
api_key_env = "UPSTREAM_KEY"
first_byte_timeout_ms = 2000
idle_timeout_ms = 2000
)",
                                 base_url);
  const std::pair<const char*, const char*> models[] = {
      {"chat", "fake-model"},  {"embed", "fake-embed"},
      {"broken", "error-500"}, {"limited", "error-429"},
      {"denied", "error-401"}, {"refused", "error-400"},
      {"cut", "stream-cut-2"}, {"slow-stream", "chunk-delay-150"},
      {"hang", "hang"},
  };
  for (const auto& [name, upstream] : models) {
    text += fmt::format(R"(
[[models]]
name = "{}"
provider = "fake"
upstream_model = "{}"
input_price_per_mtok = 1.0
output_price_per_mtok = 2.0
context_length = 8192
capabilities = ["chat", "streaming", "tools", "json_schema", "embeddings"]
)",
                        name, upstream);
  }
  text += R"(
[[models]]
name = "text-only"
provider = "fake"
upstream_model = "fake-model"
capabilities = ["chat"]
)";
  return text + extra;
}

GatewayUnderTest::GatewayUnderTest(const std::string& toml,
                                   std::map<std::string, std::string> env) {
  auto lookup = [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto loaded = config::load_string(toml, "test.toml", lookup);
  if (!loaded) {
    throw std::runtime_error(loaded.error());
  }
  config_ = std::make_shared<const config::Config>(std::move(loaded).value());
  endpoints_ = std::make_unique<http::EndpointCache>();
  providers::register_endpoints(*config_, *endpoints_);
  auto engines = providers::load_local_engines(*config_);
  if (!engines) {
    throw std::runtime_error(engines.error());
  }
  engines_ = std::move(engines).value();
  auto scanner = api::make_scanner(*config_);
  if (!scanner) {
    throw std::runtime_error(scanner.error());
  }
  auto classifiers = router::Classifiers::load(*config_);
  if (!classifiers) {
    throw std::runtime_error(classifiers.error());
  }
  server_ = std::make_unique<http::Server>(
      config_->server,
      api::make_gateway_factory(config_, *endpoints_, engines_, *scanner, *classifiers));
  if (auto started = server_->start(); !started) {
    throw std::runtime_error(started.error());
  }
}

GatewayUnderTest::~GatewayUnderTest() {
  server_->drain_and_stop();
}

}  // namespace switchyard::testing
