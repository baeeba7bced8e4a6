// The privacy policy on the chat-completions and embeddings paths: scan the request, decide, refuse
// what may not leave (block, local_only to an external model) and pseudonymize what goes to an
// external model. Internal to the api folder.
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

// What the scan of one request found and decided; the same for every model it may go to.
struct PrivacyScan {
  privacy::Decision decision;
  privacy::Findings findings;
  std::string conversation;         // the vault store's key; empty when none is named
  std::optional<ApiError> refusal;  // set: answer with it and send nothing anywhere
};

// The request header that names a conversation, so its placeholders last across turns.
inline constexpr std::string_view kConversationHeader = "x-switchyard-conversation-id";

// Scans the prepared request and decides, setting prepared.explanation.privacy. A
// blocked request, or one with a bad conversation header, comes back with a refusal. With the
// guard off (no scanner) everything passes.
PrivacyScan scan_privacy(PreparedRequest& prepared, const ProxyContext& context,
                         const http::Request& request);

// Whether `model` may be sent the request: not when the policy keeps it on our own hardware and
// the model runs elsewhere.
bool may_receive(const PrivacyScan& scan, const config::ModelConfig& model);

// Keeps only the targets the privacy policy lets receive the request. Empty: none may.
void keep_permitted(PreparedRequest& prepared, const PrivacyScan& scan);

// The refusal for a request that no target may receive; `model` is the one asked for.
ApiError kept_local(const privacy::Decision& decision, const config::ModelConfig& model);

// The body each target of a request is sent, fit for its model: for a model outside our
// hardware, the values the policy pseudonymizes become placeholders (from the conversation's
// vault when the client names one). Where the policy changes nothing, which is most requests,
// that is the prepared body itself, never copied; otherwise a copy made once per target.
//
// Lifetime: holds references to its arguments; the bodies it hands out live as long as it does.
class TargetBodies {
 public:
  TargetBodies(const PreparedRequest& prepared, const PrivacyScan& scan,
               const ProxyContext& context)
      : prepared_(prepared),
        scan_(scan),
        context_(context),
        rewritten_(prepared.targets.size()),
        vaults_(prepared.targets.size()) {}

  providers::RequestBody body(std::size_t target);

  // What was replaced in the body sent to `target`, to restore in its answer; empty when
  // nothing was.
  const privacy::Vault& vault(std::size_t target) const { return vaults_[target]; }

 private:
  const PreparedRequest& prepared_;
  const PrivacyScan& scan_;
  const ProxyContext& context_;
  std::vector<std::optional<boost::json::object>> rewritten_;
  std::vector<privacy::Vault> vaults_;
};

}  // namespace switchyard::api
