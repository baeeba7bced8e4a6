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
// The gateway's own endpoints, outside OpenAI's namespace; they need a key like /v1 does.
constexpr std::string_view kOwnPrefix = "/switchyard/";
constexpr std::string_view kUsagePath = "/switchyard/usage";

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

void add_explanation(http::ResponseHead& head, const Explanation& explanation) {
  if (!explanation.privacy.empty()) {
    head.add(kPrivacyHeader, explanation.privacy);
  }
  if (!explanation.route.empty()) {
    head.add(kRouteHeader, explanation.route);
    head.add(kRouteReasonHeader, explanation.route_reason);
  }
}

http::Awaitable<void> respond_error(http::Exchange& exchange, const http::ErrorInfo& error) {
  const Explanation none;
  co_await respond_error(exchange, error, none);
}

http::Awaitable<void> respond_error(http::Exchange& exchange, const http::ErrorInfo& error,
                                    const Explanation& explanation) {
  api_logger().debug("request {} failed: {} {}", exchange.request_id(),
                     static_cast<unsigned>(error.status), error.code.value_or(""));
  http::Response response = http::make_error_response(error);
  http::ResponseHead head = http::ResponseHead::from(response.base());
  add_explanation(head, explanation);
  co_await exchange.respond(std::move(head), std::move(response.body()));
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
                 SharedParts shared)
    : config_(std::move(config)),
      providers_(std::move(providers)),
      shared_(std::move(shared)),
      server_(server),
      scan_cache_(shared_.scanner != nullptr && config_->privacy.scan_cache_bytes > 0
                      ? std::make_unique<privacy::ScanCache>(config_->privacy.scan_cache_bytes)
                      : nullptr),
      proxy_context_{.config = *config_,
                     .providers = *providers_,
                     .scanner = shared_.scanner.get(),
                     .scan_cache = scan_cache_.get(),
                     .conversations = shared_.conversations.get(),
                     .resilience = shared_.resilience.get(),
                     .limits = shared_.limits.get(),
                     .classifiers = shared_.classifiers.get()} {}

http::Awaitable<void> Gateway::handle(http::Exchange& exchange) {
  const auto& request = exchange.request();
  const std::string_view path = path_of({request.target().data(), request.target().size()});
  const config::KeyConfig* key = nullptr;
  if (path.starts_with("/v1/") || path.starts_with(kOwnPrefix)) {
    auto found = find_key(request);
    if (!found) {
      co_await respond_error(exchange, found.error());
      co_return;
    }
    key = *found;
  }
  co_await route(exchange, path, key);
}

http::Awaitable<void> Gateway::route(http::Exchange& exchange, std::string_view path,
                                     const config::KeyConfig* key) {
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
      co_await handle_chat_completions(exchange, proxy_context_, key);
    } else {
      co_await respond_error(exchange, method_not_allowed("POST"));
    }
  } else if (path == "/v1/embeddings") {
    if (post) {
      co_await handle_embeddings(exchange, proxy_context_, key);
    } else {
      co_await respond_error(exchange, method_not_allowed("POST"));
    }
  } else if (path == kUsagePath) {
    if (get) {
      co_await handle_usage(exchange, proxy_context_, key);
    } else {
      co_await respond_error(exchange, method_not_allowed("GET"));
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

Result<const config::KeyConfig*, http::ErrorInfo> Gateway::find_key(
    const http::Request& request) const {
  if (config_->keys.empty()) {
    return static_cast<const config::KeyConfig*>(nullptr);
  }
  const auto header = request[bhttp::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() ||
      !boost::beast::iequals(header.substr(0, kBearer.size()), kBearer)) {
    return fail(missing_key());
  }
  const auto digest = sha256({header.data() + kBearer.size(), header.size() - kBearer.size()});
  // Every configured digest is compared, so the time taken does not reveal which one matched.
  const config::KeyConfig* found = nullptr;
  for (const auto& key : config_->keys) {
    if (constant_time_equal(key.digest, digest)) {
      found = &key;
    }
  }
  if (found == nullptr) {
    return fail(wrong_key());
  }
  return found;
}

http::HandlerFactory make_gateway_factory(std::shared_ptr<const config::Config> config,
                                          const http::EndpointCache& endpoints,
                                          const providers::LocalEngines& engines,
                                          std::shared_ptr<const privacy::Scanner> scanner,
                                          std::shared_ptr<const router::Classifiers> classifiers) {
  // One of each for all threads: a conversation's turns may arrive on any of them, and an
  // upstream's health, a key's spend and the retry budget are the same seen from any thread.
  SharedParts shared{
      .scanner = std::move(scanner),
      .classifiers = std::move(classifiers),
      .conversations = std::make_shared<privacy::VaultStore>(privacy::VaultStore::Limits{}),
      .resilience = std::make_shared<reliability::Resilience>(*config),
      .limits = std::make_shared<limits::LimitBoard>(*config)};
  return [config = std::move(config), &endpoints, &engines, shared = std::move(shared)](
             http::net::io_context& io_context,
             const http::ServerState& state) -> std::unique_ptr<http::Handler> {
    auto registry = providers::Registry::create(io_context, *config, endpoints, engines);
    if (!registry) {
      log::get("api")->critical("provider setup failed: {}", registry.error());
      std::abort();
    }
    return std::make_unique<Gateway>(config, std::move(registry).value(), state, shared);
  };
}

}  // namespace switchyard::api
