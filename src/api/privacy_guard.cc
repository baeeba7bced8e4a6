#include "api/privacy_guard.h"

#include <exception>

#include <fmt/format.h>

#include "common/hash.h"
#include "common/json_arena.h"

namespace switchyard::api {
namespace {

namespace json = boost::json;
using bhttp_status = boost::beast::http::status;

constexpr std::size_t kMaxConversationId = 128;

// A scan that throws (out of memory, a bug in a rule) must not let the request through: it
// counts as undecided, and undecided requests stay local.
privacy::Decision scan_and_decide(const ProxyContext& context, const json::object& body,
                                  privacy::Findings& findings) {
  try {
    findings = context.scanner->scan_request(body, context.scan_cache);
  } catch (const std::exception&) {
    findings = {};
    return privacy::undecided();
  }
  return privacy::decide(findings, context.config.privacy.actions);
}

ApiError blocked(const privacy::Decision& decision) {
  return {.status = bhttp_status::bad_request,
          .message = fmt::format(
              "the privacy policy blocks this request: it contains {}; remove those values",
              privacy::describe_counts(decision)),
          .code = "privacy_blocked"};
}

// The store's key for the conversation the client names, empty when it names none. Scoped by
// the credential the client sent, so another client that learns or guesses the id cannot have
// this conversation's values restored into its own answers.
Result<std::string, ApiError> conversation_key(const http::Request& request) {
  const auto id = request[kConversationHeader];
  if (id.empty()) {
    return std::string();
  }
  if (id.size() > kMaxConversationId) {
    return fail(ApiError{.status = bhttp_status::bad_request,
                         .message = fmt::format("the {} header must be at most {} bytes",
                                                kConversationHeader, kMaxConversationId),
                         .code = "invalid_value",
                         .param = std::string(kConversationHeader)});
  }
  const auto authorization = request[boost::beast::http::field::authorization];
  return fmt::format("{}:{}", to_hex(sha256({authorization.data(), authorization.size()})),
                     std::string_view(id.data(), id.size()));
}

}  // namespace

ApiError kept_local(const privacy::Decision& decision, const config::ModelConfig& model) {
  const std::string reason =
      decision.deciding_class
          ? fmt::format("it contains {} data ({})", privacy::name_of(*decision.deciding_class),
                        privacy::describe_counts(decision))
          : std::string("the privacy scan could not finish");
  return {.status = bhttp_status::forbidden,
          .message = fmt::format(
              "the privacy policy keeps this request on our own hardware because {}; the model "
              "'{}' runs at provider '{}', outside it: choose a local model",
              reason, model.name, model.provider),
          .code = "privacy_local_only",
          .param = "model"};
}

PrivacyScan scan_privacy(PreparedRequest& prepared, const ProxyContext& context,
                         const http::Request& request) {
  PrivacyScan scan;
  if (context.scanner == nullptr) {
    return scan;
  }
  auto conversation = conversation_key(request);
  if (!conversation) {
    scan.refusal = conversation.error();
    return scan;
  }
  scan.conversation = std::move(conversation).value();
  scan.decision = scan_and_decide(context, prepared.body, scan.findings);
  prepared.explanation.privacy = privacy::describe(scan.decision);
  if (scan.decision.action == privacy::Action::kBlock) {
    scan.refusal = blocked(scan.decision);
  }
  return scan;
}

bool may_receive(const PrivacyScan& scan, const config::ModelConfig& model) {
  return scan.decision.action != privacy::Action::kLocalOnly || model.on_our_hardware;
}

void keep_permitted(PreparedRequest& prepared, const PrivacyScan& scan) {
  std::erase_if(prepared.targets,
                [&](const Target& target) { return !may_receive(scan, *target.model); });
}

providers::RequestBody TargetBodies::body(std::size_t target) {
  const config::ModelConfig& model = *prepared_.targets[target].model;
  if (scan_.decision.action != privacy::Action::kPseudonymize || model.on_our_hardware) {
    return {.object = &prepared_.body, .text = prepared_.body_text};
  }
  if (rewritten_[target]) {
    return {.object = &*rewritten_[target]};  // a retry sends what the first try sent
  }
  // A fresh arena per copy: the request's own arena would keep every copy until it goes.
  json::object& body = rewritten_[target].emplace(prepared_.body, make_json_arena());
  // Classes the policy allows keep their values even where others are replaced.
  const privacy::ClassActions& actions = context_.config.privacy.actions;
  if (!scan_.conversation.empty() && context_.conversations != nullptr) {
    vaults_[target] =
        context_.conversations->pseudonymize(scan_.conversation, body, scan_.findings, actions);
  } else {
    privacy::pseudonymize(body, scan_.findings, actions, vaults_[target]);
  }
  return {.object = &body};
}

}  // namespace switchyard::api
