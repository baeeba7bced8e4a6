#include "api/routing.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/admission.h"
#include "router/classifiers.h"

namespace switchyard::api {
namespace {

namespace json = boost::json;
using bhttp_status = boost::beast::http::status;
using config::Capability;

std::uint8_t bit(Capability capability) {
  return static_cast<std::uint8_t>(capability);
}

bool has_image(const json::object& body) {
  const auto* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) {
    return false;
  }
  for (const json::value& message : messages->as_array()) {
    const auto* content =
        message.is_object() ? message.as_object().if_contains("content") : nullptr;
    if (content == nullptr || !content->is_array()) {
      continue;
    }
    for (const json::value& part : content->as_array()) {
      if (part.is_object() && part.as_object().if_contains("type") != nullptr &&
          part.as_object().at("type") == "image_url") {
        return true;
      }
    }
  }
  return false;
}

std::uint8_t found_classes(const PrivacyScan& scan) {
  std::uint8_t classes = 0;
  for (std::size_t i = 0; i < scan.findings.class_counts.size(); ++i) {
    if (scan.findings.class_counts[i] != 0) {
      classes |= static_cast<std::uint8_t>(1U << i);
    }
  }
  if (scan.findings.phi()) {
    classes |= static_cast<std::uint8_t>(1U << static_cast<std::size_t>(privacy::DataClass::kPhi));
  }
  return classes;
}

ApiError no_route(std::string_view alias, std::string_view facts) {
  return {.status = bhttp_status::bad_request,
          .message = fmt::format("no route of '{}' matches this request ({}); add a route for it "
                                 "or name a model",
                                 alias, facts),
          .code = "no_route",
          .param = "model"};
}

ApiError no_target(const config::RouteConfig& route, std::string_view reasons) {
  return {.status = bhttp_status::bad_request,
          .message = fmt::format("route '{}' matched, but none of its models can take this "
                                 "request: {}",
                                 route.name, reasons),
          .code = "no_route_target",
          .param = "model"};
}

}  // namespace

std::string last_user_text(const json::object& body) {
  const auto* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) {
    return {};
  }
  const json::array& turns = messages->as_array();
  for (auto it = turns.rbegin(); it != turns.rend(); ++it) {
    const json::object* turn = it->if_object();
    if (turn == nullptr || turn->if_contains("role") == nullptr || turn->at("role") != "user") {
      continue;
    }
    const json::value* content = turn->if_contains("content");
    if (content != nullptr && content->is_string()) {
      return std::string(content->as_string());
    }
    std::string text;
    for (const json::value& part :
         content != nullptr && content->is_array() ? content->as_array() : json::array{}) {
      const auto* piece = part.is_object() ? part.as_object().if_contains("text") : nullptr;
      if (piece != nullptr && piece->is_string()) {
        text += text.empty() ? "" : "\n";
        text += piece->as_string();
      }
    }
    return text;
  }
  return {};
}

std::uint8_t used_features(const json::object& body, bool stream) {
  std::uint8_t features = stream ? bit(Capability::kStreaming) : 0;
  const auto* tools = body.if_contains("tools");
  if (tools != nullptr && tools->is_array() && !tools->as_array().empty()) {
    features |= bit(Capability::kTools);
  }
  const auto* format = body.if_contains("response_format");
  if (format != nullptr && format->is_object() && format->as_object().if_contains("type") &&
      format->as_object().at("type") == "json_schema") {
    features |= bit(Capability::kJsonSchema);
  }
  if (has_image(body)) {
    features |= bit(Capability::kVision);
  }
  return features;
}

std::optional<std::string> unfit_reason(const config::ModelConfig& model, const json::object& body,
                                        bool stream, std::uint32_t prompt_tokens,
                                        const PrivacyScan& scan) {
  const std::uint8_t missing = used_features(body, stream) & ~model.capabilities;
  if (missing != 0) {
    for (const char* name : {"streaming", "tools", "json_schema", "vision"}) {
      if ((missing & bit(*config::parse_capability(name))) != 0) {
        return fmt::format("'{}' lacks {}", model.name, name);
      }
    }
  }
  if (model.context_length != 0 && prompt_tokens >= model.context_length) {
    return fmt::format("'{}' holds {} tokens, the prompt is about {}", model.name,
                       model.context_length, prompt_tokens);
  }
  if (!may_receive(scan, model)) {
    return fmt::format(
        "'{}' runs outside our hardware and the privacy policy keeps this request "
        "on it",
        model.name);
  }
  return std::nullopt;
}

std::optional<ApiError> route_request(PreparedRequest& prepared, const ProxyContext& context,
                                      const PrivacyScan& scan, const config::KeyConfig* key,
                                      bool stream, const router::RouteChoice* choice) {
  const std::string alias(prepared.body.at("model").as_string());
  const auto* metadata = prepared.body.if_contains("metadata");
  const std::string text = last_user_text(prepared.body);
  const auto prompt_tokens = static_cast<std::uint32_t>(estimate_prompt_tokens(prepared.body));
  router::RequestFacts facts{
      .alias = alias,
      .data_classes = found_classes(scan),
      .prompt_tokens = prompt_tokens,
      .features = used_features(prepared.body, stream),
      .key = key != nullptr ? std::string_view(key->name) : std::string_view(),
      .metadata = metadata != nullptr ? metadata->if_object() : nullptr,
      .intent = [&] { return context.classifiers->intent(text); },
      .difficulty = [&] { return context.classifiers->difficulty(text); },
      .choice = choice};
  std::string why;
  const auto matched = router::match_route(context.config, facts, why);
  if (!matched) {
    return no_route(alias, why);
  }
  std::string reasons;
  for (const std::string& name : matched->route->models) {
    const config::ModelConfig* model = context.config.find_model(name);
    if (auto reason = unfit_reason(*model, prepared.body, stream, prompt_tokens, scan)) {
      reasons += reasons.empty() ? "" : "; ";
      reasons += *reason;
      continue;
    }
    prepared.targets.push_back({.model = model, .provider = context.providers.find_for(*model)});
  }
  if (prepared.targets.empty()) {
    return no_target(*matched->route, reasons);
  }
  prepared.model = prepared.targets.front().model;
  prepared.explanation.route = matched->route->name;
  prepared.explanation.route_reason = matched->reason;
  return std::nullopt;
}

}  // namespace switchyard::api
