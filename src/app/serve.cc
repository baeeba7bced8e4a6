#include "app/serve.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/gateway.h"
#include "common/log.h"
#include "config/loader.h"
#include "http/endpoint_cache.h"
#include "http/server.h"
#include "providers/registry.h"

namespace switchyard::app {
namespace {

constexpr int kExitConfigError = 2;
constexpr int kExitStartError = 1;

// The demo model the build makes (scripts/make-demo-model.sh), when it is there.
std::optional<std::string> built_demo_model() {
  std::error_code error;
  if (std::filesystem::is_regular_file(SWITCHYARD_DEMO_MODEL, error)) {
    return std::string(SWITCHYARD_DEMO_MODEL);
  }
  log::get("config")->warn("the demo model {} has not been built (scripts/setup.sh builds it)",
                           SWITCHYARD_DEMO_MODEL);
  return std::nullopt;
}

Result<config::Config, std::string> load(const ServeOptions& options) {
  if (!options.config_file) {
    return config::default_config(built_demo_model());
  }
  return config::load_file(*options.config_file, config::process_env());
}

// Applies --listen over the file's [server].listen, through the same parser by building a
// one-line config.
Result<bool, std::string> apply_listen(const std::string& listen, config::ServerConfig& server) {
  auto parsed = config::load_string(fmt::format("[server]\nlisten = \"{}\"\n", listen), "--listen",
                                    config::process_env());
  if (!parsed) {
    return fail(fmt::format("--listen must be HOST:PORT, got '{}'", listen));
  }
  server.host = parsed->server.host;
  server.port = parsed->server.port;
  return true;
}

void warn_about(const config::Config& config) {
  const auto logger = log::get("config");
  logger->info("configuration from {}: {} providers, {} models, {} keys", config.source,
               config.providers.size(), config.models.size(), config.keys.size());
  if (config.models.empty()) {
    logger->warn(
        "no models are configured: every model request will be answered with 404 "
        "(add [[providers]] and [[models]] to a config file)");
  }
  if (config.keys.empty()) {
    logger->warn("no [[keys]] are configured: the gateway is open to anyone who can reach it");
  }
}

// Signals are taken by sigwait on the main thread; blocking them first (before any I/O
// thread starts) keeps them off the I/O threads.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

Result<bool, std::string> write_port_file(const std::string& path, std::uint16_t port) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << port << '\n';
    if (!file) {
      return fail(fmt::format("cannot write the port file {}", path));
    }
  }
  // Rename, so a reader polling the file never sees it half written.
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return fail(fmt::format("cannot write the port file {}", path));
  }
  return true;
}

}  // namespace

int serve(const ServeOptions& options) {
  const auto logger = log::get("app");
  auto loaded = load(options);
  if (!loaded) {
    logger->error("invalid configuration:\n{}", loaded.error());
    return kExitConfigError;
  }
  config::Config& config = *loaded;
  if (options.listen) {
    if (auto applied = apply_listen(*options.listen, config.server); !applied) {
      logger->error("{}", applied.error());
      return kExitConfigError;
    }
  }
  const std::string level = options.log_level.value_or(config.server.log_level);
  if (!log::set_level(level)) {
    logger->error("unknown log level '{}'", level);
    return kExitConfigError;
  }
  warn_about(config);

  const sigset_t signals = block_shutdown_signals();
  auto shared = std::make_shared<const config::Config>(std::move(config));
  http::EndpointCache endpoints;
  providers::register_endpoints(*shared, endpoints);
  auto engines = providers::load_local_engines(*shared);
  if (!engines) {
    logger->error("{}", engines.error());
    return kExitStartError;
  }
  {
    http::net::io_context probe;
    if (auto registry = providers::Registry::create(probe, *shared, endpoints, *engines);
        !registry) {
      logger->error("{}", registry.error());
      return kExitConfigError;
    }
  }

  auto scanner = api::make_scanner(*shared);
  if (!scanner) {
    logger->error("{}", scanner.error());
    return kExitStartError;
  }

  auto classifiers = router::Classifiers::load(*shared);
  if (!classifiers) {
    logger->error("{}", classifiers.error());
    return kExitStartError;
  }

  http::Server server(shared->server, api::make_gateway_factory(shared, endpoints, *engines,
                                                                *scanner, *classifiers));
  if (auto started = server.start(); !started) {
    logger->error("{}", started.error());
    return kExitStartError;
  }
  if (options.port_file) {
    if (auto written = write_port_file(*options.port_file, server.port()); !written) {
      logger->error("{}", written.error());
      server.drain_and_stop();
      return kExitStartError;
    }
  }

  int received = 0;
  sigwait(&signals, &received);
  logger->info("received {}; draining (up to {} ms)", received == SIGTERM ? "SIGTERM" : "SIGINT",
               shared->server.drain_timeout.count());
  server.drain_and_stop();
  logger->info("stopped");
  return 0;
}

int check_config(const std::string& file) {
  auto loaded = config::load_file(file, config::process_env());
  if (!loaded) {
    std::cerr << loaded.error() << '\n';
    return kExitConfigError;
  }
  std::cout << fmt::format("{}: OK ({} providers, {} models, {} keys)\n", file,
                           loaded->providers.size(), loaded->models.size(), loaded->keys.size());
  return 0;
}

}  // namespace switchyard::app
