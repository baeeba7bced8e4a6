#include "config/routing_loader.h"

#include <algorithm>
#include <array>
#include <functional>
#include <set>

#include <fmt/format.h>

namespace switchyard::config {
namespace {

constexpr std::array<std::string_view, 5> kDataClassNames{"pii", "phi", "pci", "secret", "none"};

void read_data_classes(TableReader& reader, RouteConditions& when) {
  for (std::string& name : reader.strings("data_class")) {
    if (std::find(kDataClassNames.begin(), kDataClassNames.end(), name) == kDataClassNames.end()) {
      reader.error("data_class", "every item must be one of pii, phi, pci, secret, none");
    }
    when.data_classes.push_back(std::move(name));
  }
}

void read_features(TableReader& reader, RouteConditions& when) {
  for (const std::string& name : reader.strings("features")) {
    const auto capability = parse_capability(name);
    if (!capability) {
      reader.error("features",
                   "every item must be a capability: tools, json_schema, vision, "
                   "streaming");
      continue;
    }
    when.features |= static_cast<std::uint8_t>(*capability);
  }
}

void read_metadata(TableReader& reader, RouteConditions& when) {
  const toml::table* metadata = reader.subtable("metadata");
  if (metadata == nullptr) {
    return;
  }
  for (const auto& [key, node] : *metadata) {
    if (const auto* value = node.as_string()) {
      when.metadata.emplace_back(std::string(key.str()), value->get());
    } else {
      reader.diagnostics().add(node.source(), reader.key_path("metadata"),
                               "every value must be a string");
    }
  }
}

void read_conditions(TableReader& reader, RouteConditions& when) {
  read_data_classes(reader, when);
  when.intents = reader.strings("intent");
  if (const auto difficulty = reader.string("difficulty")) {
    if (*difficulty == "hard" || *difficulty == "easy") {
      when.hard = *difficulty == "hard";
    } else {
      reader.error("difficulty", "must be \"hard\" or \"easy\"");
    }
  }
  if (const auto min = reader.integer("min_prompt_tokens", 0, kMaxCount)) {
    when.min_prompt_tokens = static_cast<std::uint32_t>(*min);
  }
  if (const auto max = reader.integer("max_prompt_tokens", 0, kMaxCount)) {
    when.max_prompt_tokens = static_cast<std::uint32_t>(*max);
  }
  read_features(reader, when);
  when.keys = reader.strings("keys");
  read_metadata(reader, when);
}

void read_route(TableReader& reader, RouteConfig& route) {
  route.name = reader.required_string("name");
  if (const auto alias = reader.string("alias")) {
    route.alias = *alias;
  }
  read_conditions(reader, route.when);
  route.description = reader.string("description").value_or("");
  route.to = reader.strings("to");
  if (route.to.empty()) {
    reader.error("to", "is required: the models or tiers this route sends requests to");
  }
}

void read_router(TableReader& reader, RouterConfig& router) {
  router.intent_model = reader.string("intent_model").value_or("");
  router.difficulty_model = reader.string("difficulty_model").value_or("");
  reader.read_fraction("escalate_share", router.escalate_share, 0, 1);
  router.route_model = reader.string("route_model").value_or("");
  reader.read_millis("route_model_timeout_ms", router.route_model_timeout);
}

// The route model reads every request it routes, so it must run on our own hardware, and it
// answers under a JSON schema.
std::optional<std::string> route_model_problem(const Config& config) {
  const std::string& name = config.router.route_model;
  const ModelConfig* model = config.find_model(name);
  if (model == nullptr) {
    return fmt::format("no model named '{}'", name);
  }
  if (!model->on_our_hardware) {
    return fmt::format(
        "'{}' runs outside our hardware; the route model reads every routed request, so it "
        "must be local or at a self_hosted provider",
        name);
  }
  if (!model->has(Capability::kChat) || !model->has(Capability::kJsonSchema)) {
    return fmt::format("'{}' needs the chat and json_schema capabilities", name);
  }
  return std::nullopt;
}

// The models a route's `to` names, tiers expanded in place; reports names that are neither.
std::vector<std::string> expand(const Config& config, const RouteConfig& route,
                                const std::function<void(std::string)>& problem) {
  std::vector<std::string> models;
  auto add = [&](const std::string& name) {
    if (std::find(models.begin(), models.end(), name) == models.end()) {
      models.push_back(name);
    }
  };
  for (const std::string& name : route.to) {
    if (const TierConfig* tier = config.find_tier(name)) {
      std::for_each(tier->models.begin(), tier->models.end(), add);
    } else if (config.find_model(name) != nullptr) {
      add(name);
    } else {
      problem(fmt::format("'{}' is neither a model nor a tier", name));
    }
  }
  return models;
}

}  // namespace

void read_routing(TableReader& root, Config& config) {
  if (const toml::table* table = root.subtable("router")) {
    TableReader reader(*table, "router", root.diagnostics(), root.env());
    read_router(reader, config.router);
  }
  read_table_array(root, "tiers", config.tiers, root.env(), [](TableReader& r, TierConfig& t) {
    t.name = r.required_string("name");
    t.models = r.strings("models");
  });
  read_table_array(root, "routes", config.routes, root.env(), read_route);
}

void check_routing(const toml::table& root, Config& config, Diagnostics& diagnostics) {
  auto where = [&](std::string_view array, std::size_t index) {
    const toml::node* node = root[array][index].node();
    return node != nullptr ? node->source() : root.source();
  };
  for (std::size_t i = 0; i < config.tiers.size(); ++i) {
    for (const std::string& model : config.tiers[i].models) {
      if (config.find_model(model) == nullptr) {
        diagnostics.add(where("tiers", i), fmt::format("tiers[{}].models", i),
                        fmt::format("no model named '{}'", model));
      }
    }
  }
  if (!config.router.route_model.empty()) {
    if (auto problem = route_model_problem(config)) {
      const toml::node* router = root["router"].node();
      diagnostics.add(router != nullptr ? router->source() : root.source(), "router.route_model",
                      *problem);
    }
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    RouteConfig& route = config.routes[i];
    const auto key = [&](std::string_view field) { return fmt::format("routes[{}].{}", i, field); };
    if (!names.insert(route.name).second) {
      diagnostics.add(where("routes", i), key("name"),
                      fmt::format("duplicate route name '{}'", route.name));
    }
    if (config.find_model(route.alias) != nullptr) {
      diagnostics.add(where("routes", i), key("alias"),
                      fmt::format("'{}' is a model's name; an alias must differ", route.alias));
    }
    route.models = expand(config, route, [&](const std::string& problem) {
      diagnostics.add(where("routes", i), key("to"), problem);
    });
    if (!route.when.intents.empty() && config.router.intent_model.empty()) {
      diagnostics.add(where("routes", i), key("intent"),
                      "needs [router].intent_model, the intent classifier to match with");
    }
    if (route.when.hard && config.router.difficulty_model.empty()) {
      diagnostics.add(where("routes", i), key("difficulty"),
                      "needs [router].difficulty_model, the difficulty scorer to match with");
    }
    if (!route.description.empty() && config.router.route_model.empty()) {
      diagnostics.add(where("routes", i), key("description"),
                      "needs [router].route_model, the model that chooses among described routes");
    }
    if (!route.description.empty() && route.name == "none") {
      diagnostics.add(where("routes", i), key("name"),
                      "a described route may not be named 'none': the route model answers "
                      "'none' when no route fits");
    }
  }
}

}  // namespace switchyard::config
