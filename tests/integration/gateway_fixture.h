// Runs a gateway in-process on a loopback port chosen by the kernel, configured from TOML
// text, in front of a FakeUpstream the fixture also starts.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "http/endpoint_cache.h"
#include "http/server.h"
#include "providers/registry.h"
#include "support/fake_upstream.h"

namespace switchyard::testing {

// The config the gateway tests share: provider "fake" at `base_url` with key "upstream-key",
// and models chat (-> fake-model), embed (-> fake-embed), broken (-> error-500),
// limited (-> error-429), denied (-> error-401), refused (-> error-400), cut
// (-> stream-cut-2), slow-stream (-> chunk-delay-150), hang (-> hang) and text-only
// (-> fake-model, chat only). `extra` is appended verbatim.
std::string standard_config(const std::string& base_url, const std::string& extra = "");

class GatewayUnderTest {
 public:
  // Throws std::runtime_error when the config is refused or the server cannot start.
  explicit GatewayUnderTest(const std::string& toml, std::map<std::string, std::string> env = {
                                                         {"UPSTREAM_KEY", "upstream-key"}});
  ~GatewayUnderTest();

  std::uint16_t port() const { return server_->port(); }
  http::Server& server() { return *server_; }

 private:
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<http::EndpointCache> endpoints_;
  providers::LocalEngines engines_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace switchyard::testing
