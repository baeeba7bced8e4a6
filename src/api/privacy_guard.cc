#include "api/privacy_guard.h"

#include <exception>

#include <fmt/format.h>

#include "common/hash.h"

namespace switchyard::api {
namespace {

using bhttp_status = boost::beast::http::status;

constexpr std::size_t kMaxConversationId = 128;

// A scan that throws (out of memory, a bug in a rule) must not let the request through: it
// counts as undecided, and undecided requests stay local.
privacy::Decision scan_and_decide(const privacy::Scanner& scanner, const PreparedRequest& prepared,
                                  const privacy::ClassActions& actions,
                                  privacy::Findings& findings) {
  try {
    findings = scanner.scan_request(prepared.body);
  } catch (const std::exception&) {
    findings = {};
    return privacy::undecided();
  }
  return privacy::decide(findings, actions);
}

ApiError blocked(const privacy::Decision& decision) {
  return {.status = bhttp_status::bad_request,
          .message = fmt::format(
              "the privacy policy blocks this request: it contains {}; remove those values",
              privacy::describe_counts(decision)),
          .code = "privacy_blocked"};
}

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

// Pseudonymizes the classes whose action says so; classes the policy allows keep their values
// even in a request where others are replaced. Returns the placeholders to restore.
privacy::Vault replace_values(PreparedRequest& prepared, const ProxyContext& context,
                              const std::string& conversation, const privacy::Findings& findings) {
  const privacy::ClassActions& actions = context.config.privacy.actions;
  if (!conversation.empty() && context.conversations != nullptr) {
    return context.conversations->pseudonymize(conversation, prepared.body, findings, actions);
  }
  privacy::Vault vault;
  privacy::pseudonymize(prepared.body, findings, actions, vault);
  return vault;
}

}  // namespace

PrivacyOutcome apply_privacy(PreparedRequest& prepared, const ProxyContext& context,
                             const http::Request& request) {
  PrivacyOutcome outcome;
  if (context.scanner == nullptr) {
    return outcome;
  }
  auto conversation = conversation_key(request);
  if (!conversation) {
    outcome.refusal = conversation.error();
    return outcome;
  }
  privacy::Findings findings;
  outcome.decision =
      scan_and_decide(*context.scanner, prepared, context.config.privacy.actions, findings);
  prepared.privacy = privacy::describe(outcome.decision);

  const bool local = prepared.model->on_our_hardware;
  switch (outcome.decision.action) {
    case privacy::Action::kBlock:
      outcome.refusal = blocked(outcome.decision);
      break;
    case privacy::Action::kLocalOnly:
      if (!local) {
        outcome.refusal = kept_local(outcome.decision, *prepared.model);
      }
      break;
    case privacy::Action::kPseudonymize:
      if (!local) {
        outcome.vault = replace_values(prepared, context, *conversation, findings);
      }
      break;
    case privacy::Action::kAllow:
      break;
  }
  return outcome;
}

}  // namespace switchyard::api
