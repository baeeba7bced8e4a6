#include "api/gateway.h"

#include <boost/json.hpp>

#include "api/errors.h"
#include "api/handlers.h"
#include "common/log.h"

namespace switchyard::api {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;

constexpr std::string_view kModelsPrefix = "/v1/models/";

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

http::ErrorInfo method_not_allowed(std::string_view allowed) {
  return {.status = bhttp::status::method_not_allowed,
          .message = fmt::format("this path only accepts {}", allowed),
          .code = "method_not_allowed"};
}

}  // namespace

http::Response json_response(std::string body) {
  http::Response response{bhttp::status::ok, 11};
  response.set(bhttp::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}

spdlog::logger& api_logger() {
  static const auto logger = log::get("api");
  return *logger;
}

http::Awaitable<void> respond_error(http::Exchange& exchange, const http::ErrorInfo& error) {
  co_await respond_error(exchange, error, {});
}

http::Awaitable<void> respond_error(http::Exchange& exchange, const http::ErrorInfo& error,
                                    std::string_view privacy) {
  api_logger().debug("request {} failed: {} {}", exchange.request_id(),
                     static_cast<unsigned>(error.status), error.code.value_or(""));
  auto response = http::make_error_response(error);
  if (!privacy.empty()) {
    response.set(kPrivacyHeader, privacy);
  }
  co_await exchange.respond(std::move(response));
}

Result<std::shared_ptr<const privacy::Scanner>, std::string> make_scanner(
    const config::Config& config) {
  if (!config.privacy.enabled) {
    return std::shared_ptr<const privacy::Scanner>();
  }
  auto scanner = privacy::Scanner::create(config.privacy.guard);
  if (!scanner) {
    return fail(fmt::format("the privacy scanner cannot be built: {}", scanner.error()));
  }
  return std::make_shared<const privacy::Scanner>(std::move(scanner).value());
}

Gateway::Gateway(std::shared_ptr<const config::Config> config,
                 std::unique_ptr<providers::Registry> providers, const http::ServerState& server,
                 std::shared_ptr<const privacy::Scanner> scanner,
                 std::shared_ptr<privacy::VaultStore> conversations)
    : config_(std::move(config)),
      providers_(std::move(providers)),
      scanner_(std::move(scanner)),
      conversations_(std::move(conversations)),
      server_(server),
      proxy_context_{*config_, *providers_, scanner_.get(), conversations_.get()} {}

http::Awaitable<void> Gateway::handle(http::Exchange& exchange) {
  const auto& request = exchange.request();
  const std::string_view path = path_of({request.target().data(), request.target().size()});
  if (path.starts_with("/v1/")) {
    if (auto problem = check_key(request)) {
      co_await respond_error(exchange, *problem);
      co_return;
    }
  }
  co_await route(exchange, path);
}

http::Awaitable<void> Gateway::route(http::Exchange& exchange, std::string_view path) {
  const auto method = exchange.request().method();
  const bool get = method == bhttp::verb::get;
  const bool post = method == bhttp::verb::post;
  if (path == "/healthz") {
    co_await exchange.respond(json_response(R"({"status":"ok"})"));
  } else if (path == "/readyz") {
    const bool ready = !server_.draining.load(std::memory_order_relaxed);
    auto response = json_response(ready ? R"({"status":"ready"})" : R"({"status":"draining"})");
    response.result(ready ? bhttp::status::ok : bhttp::status::service_unavailable);
    co_await exchange.respond(std::move(response));
  } else if (path == "/v1/chat/completions") {
    if (post) {
      co_await handle_chat_completions(exchange, proxy_context_);
    } else {
      co_await respond_error(exchange, method_not_allowed("POST"));
    }
  } else if (path == "/v1/embeddings") {
    if (post) {
      co_await handle_embeddings(exchange, proxy_context_);
    } else {
      co_await respond_error(exchange, method_not_allowed("POST"));
    }
  } else if (path == "/v1/models" || path.starts_with(kModelsPrefix)) {
    if (!get) {
      co_await respond_error(exchange, method_not_allowed("GET"));
    } else if (path == "/v1/models") {
      co_await handle_list_models(exchange, *config_);
    } else {
      co_await handle_get_model(exchange, *config_, path.substr(kModelsPrefix.size()));
    }
  } else {
    const http::ErrorInfo error{.status = bhttp::status::not_found,
                                .message = fmt::format("unknown path '{}'", path),
                                .code = "unknown_path"};
    co_await respond_error(exchange, error);
  }
}

std::optional<http::ErrorInfo> Gateway::check_key(const http::Request& request) const {
  if (config_->keys.empty()) {
    return std::nullopt;
  }
  const auto header = request[bhttp::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() ||
      !boost::beast::iequals(header.substr(0, kBearer.size()), kBearer)) {
    return missing_key();
  }
  const auto digest = sha256({header.data() + kBearer.size(), header.size() - kBearer.size()});
  // Every configured digest is compared, so the time taken does not reveal which one matched.
  bool found = false;
  for (const auto& key : config_->keys) {
    found = constant_time_equal(key.digest, digest) || found;
  }
  if (!found) {
    return wrong_key();
  }
  return std::nullopt;
}

http::HandlerFactory make_gateway_factory(std::shared_ptr<const config::Config> config,
                                          const http::EndpointCache& endpoints,
                                          const providers::LocalEngines& engines,
                                          std::shared_ptr<const privacy::Scanner> scanner) {
  // One store for all threads: a conversation's turns may arrive on any of them.
  auto conversations = std::make_shared<privacy::VaultStore>(privacy::VaultStore::Limits{});
  return [config = std::move(config), &endpoints, &engines, scanner = std::move(scanner),
          conversations = std::move(conversations)](
             http::net::io_context& io_context,
             const http::ServerState& state) -> std::unique_ptr<http::Handler> {
    auto registry = providers::Registry::create(io_context, *config, endpoints, engines);
    if (!registry) {
      log::get("api")->critical("provider setup failed: {}", registry.error());
      std::abort();
    }
    return std::make_unique<Gateway>(config, std::move(registry).value(), state, scanner,
                                     conversations);
  };
}

}  // namespace switchyard::api
