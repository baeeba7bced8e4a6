// The privacy policy on the chat-completions path: scan the request, decide, refuse what may
// not leave (block, local_only to an external model) and pseudonymize what goes to an external
// model. Internal to the api folder.
#pragma once

#include <optional>
#include <string>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/proxy.h"
#include "privacy/policy.h"
#include "privacy/scanner.h"
#include "privacy/vault.h"

namespace switchyard::api {

struct PrivacyOutcome {
  privacy::Decision decision;
  privacy::Vault vault;             // what was replaced; empty when nothing was
  std::optional<ApiError> refusal;  // set: answer with it and send nothing upstream
};

// The request header that names a conversation, so its placeholders last across turns.
inline constexpr std::string_view kConversationHeader = "x-switchyard-conversation-id";

// Applies the policy to a prepared request. Sets prepared.privacy (the header value) and, for
// an external model, rewrites prepared.body with placeholders: from the conversation's vault
// when the client names one, else from a vault of this request alone. A model on our own
// hardware gets the original text. With the guard off (no scanner) the request passes.
PrivacyOutcome apply_privacy(PreparedRequest& prepared, const ProxyContext& context,
                             const http::Request& request);

}  // namespace switchyard::api
