#include <boost/json.hpp>

#include "api/errors.h"
#include "api/handlers.h"

namespace switchyard::api {
namespace {

namespace json = boost::json;

// A fixed creation time: the config has no such date, and a constant keeps listings stable.
constexpr std::int64_t kCreated = 1'700'000'000;

json::object describe(const config::ModelConfig& model) {
  json::object entry;
  entry["id"] = model.name;
  entry["object"] = "model";
  entry["created"] = kCreated;
  entry["owned_by"] = model.provider;
  if (model.context_length != 0) {
    entry["context_length"] = model.context_length;
  }
  json::array capabilities;
  for (const std::string_view name :
       {"chat", "streaming", "tools", "json_schema", "embeddings", "vision"}) {
    if (model.has(*config::parse_capability(name))) {
      capabilities.emplace_back(name);
    }
  }
  entry["capabilities"] = std::move(capabilities);
  return entry;
}

}  // namespace

http::Awaitable<void> handle_list_models(http::Exchange& exchange, const config::Config& config) {
  json::array data;
  for (const auto& model : config.models) {
    data.push_back(describe(model));
  }
  json::object list;
  list["object"] = "list";
  list["data"] = std::move(data);
  co_await exchange.respond(json_response(json::serialize(list)));
}

http::Awaitable<void> handle_get_model(http::Exchange& exchange, const config::Config& config,
                                       std::string_view id) {
  const auto* model = config.find_model(id);
  if (model == nullptr) {
    co_await respond_error(exchange, model_not_found(id));
    co_return;
  }
  co_await exchange.respond(json_response(json::serialize(describe(*model))));
}

}  // namespace switchyard::api
