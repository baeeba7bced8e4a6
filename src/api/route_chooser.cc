#include "api/route_chooser.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/system/system_error.hpp>
#include <fmt/format.h>

#include "api/routing.h"
#include "providers/registry.h"

namespace switchyard::api {
namespace {

namespace json = boost::json;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
using Answer = Result<providers::ProviderResponse, providers::ProviderError>;

// {"route": NAME} is a dozen tokens or so; the schema's grammar also lets a model put a few
// spaces and newlines between them, and the bound keeps a model that does from going on.
constexpr std::int64_t kAnswerTokens = 96;

std::vector<const config::RouteConfig*> described_routes(const config::Config& config,
                                                         std::string_view alias) {
  std::vector<const config::RouteConfig*> routes;
  for (const config::RouteConfig& route : config.routes) {
    if (route.alias == alias && !route.description.empty()) {
      routes.push_back(&route);
    }
  }
  return routes;
}

std::string instructions(const std::vector<const config::RouteConfig*>& routes) {
  std::string text =
      "Pick the route for the user's message. Each route is a name and the requests it is "
      "for:\n";
  for (const config::RouteConfig* route : routes) {
    text += fmt::format("- {}: {}\n", route->name, route->description);
  }
  text += fmt::format(
      "Reply with JSON {{\"route\": NAME}}, NAME being one of the route names above, or "
      "\"{}\" when none of them fits.",
      kNoRoute);
  return text;
}

// {"route": one of the names or "none"}, and nothing else.
json::object answer_format(const std::vector<const config::RouteConfig*>& routes) {
  json::array names;
  for (const config::RouteConfig* route : routes) {
    names.emplace_back(route->name);
  }
  names.emplace_back(kNoRoute);
  json::object route{{"type", "string"}, {"enum", std::move(names)}};
  json::object schema{{"type", "object"},
                      {"properties", json::object{{"route", std::move(route)}}},
                      {"required", json::array{"route"}},
                      {"additionalProperties", false}};
  return {{"type", "json_schema"},
          {"json_schema", json::object{{"name", "route"}, {"schema", std::move(schema)}}}};
}

json::object question(const std::vector<const config::RouteConfig*>& routes,
                      std::string_view text) {
  json::array messages{json::object{{"role", "system"}, {"content", instructions(routes)}},
                       json::object{{"role", "user"}, {"content", text}}};
  return {{"messages", std::move(messages)},
          {"response_format", answer_format(routes)},
          {"temperature", 0},
          {"max_tokens", kAnswerTokens}};
}

// The route the answer names, or why it names none.
router::RouteChoice read_answer(const json::object& answer,
                                const std::vector<const config::RouteConfig*>& routes) {
  const auto* choices = answer.if_contains("choices");
  const json::value* message = nullptr;
  if (choices != nullptr && choices->is_array() && !choices->as_array().empty() &&
      choices->as_array()[0].is_object()) {
    message = choices->as_array()[0].as_object().if_contains("message");
  }
  const auto* text = message != nullptr && message->is_object()
                         ? message->as_object().if_contains("content")
                         : nullptr;
  json::error_code ec;
  const json::value parsed =
      text != nullptr && text->is_string() ? json::parse(text->as_string(), ec) : json::value();
  const auto* route = !ec && parsed.is_object() ? parsed.as_object().if_contains("route") : nullptr;
  if (route == nullptr || !route->is_string()) {
    return {.outcome = "unreadable answer"};
  }
  const std::string_view name = route->as_string();
  const bool known = std::any_of(routes.begin(), routes.end(),
                                 [&](const config::RouteConfig* r) { return r->name == name; });
  if (!known) {
    return {.outcome = name == kNoRoute ? std::string(kNoRoute) : "unknown route"};
  }
  return {.route = std::string(name), .outcome = std::string(name)};
}

router::RouteChoice failed(const providers::ProviderError& error) {
  const bool timeout = error.kind == providers::ProviderError::Kind::kTimeout;
  return {.outcome = timeout ? "timeout" : "route model failed"};
}

// The provider's answer, or a timeout once `deadline` passes, whatever the provider does with
// the deadline (an upstream's connection wait has its own limit): the request is then
// cancelled, which also ends a local generation.
http::Awaitable<Answer> send_by(providers::Provider& provider, providers::ProviderRequest request,
                                Clock::time_point deadline) {
  using namespace net::experimental::awaitable_operators;
  using Kind = providers::ProviderError::Kind;
  net::steady_timer timer(co_await net::this_coro::executor, deadline);
  auto race = provider.send(std::move(request)) || timer.async_wait(net::use_awaitable);
  std::optional<Answer> answer;
  providers::ProviderError error{.kind = Kind::kTimeout,
                                 .message = "the route model did not answer in time"};
  try {
    auto outcome = co_await std::move(race);
    if (outcome.index() == 0) {
      answer.emplace(std::move(std::get<0>(outcome)));
    }
  } catch (const boost::system::system_error& thrown) {
    error = {.kind = Kind::kUnavailable, .message = thrown.what()};
  }
  if (answer) {
    co_return std::move(*answer);
  }
  co_return fail(std::move(error));
}

}  // namespace

bool has_described_routes(const config::Config& config, std::string_view alias) {
  return std::any_of(config.routes.begin(), config.routes.end(), [&](const auto& route) {
    return route.alias == alias && !route.description.empty();
  });
}

http::Awaitable<router::RouteChoice> choose_route(const ProxyContext& context,
                                                  std::string_view alias, const json::object& body,
                                                  std::string request_id) {
  const auto started = Clock::now();
  const auto deadline = started + context.config.router.route_model_timeout;
  const auto routes = described_routes(context.config, alias);
  const config::ModelConfig& model = *context.config.find_model(context.config.router.route_model);
  const json::object asked = question(routes, last_user_text(body));
  providers::ProviderRequest request{.body = &asked,
                                     .model = model.upstream_model,
                                     .request_id = std::move(request_id),
                                     .deadline = deadline};
  auto answer = co_await send_by(*context.providers.find_for(model), std::move(request), deadline);
  router::RouteChoice choice =
      answer ? read_answer(answer->answer(), routes) : failed(answer.error());
  choice.ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  co_return choice;
}

}  // namespace switchyard::api
