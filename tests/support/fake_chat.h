// The fake upstream's POST /v1/chat/completions. Internal to the fake upstream.

#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <boost/json/object.hpp>

#include "support/fake_wire.h"

namespace switchyard::testing::fake {

// What a chat answer depends on besides the request body.
struct ChatContext {
  std::span<const std::string_view> reply_words;  // used unless the model is tokens-<n>
  uint64_t serial = 0;                            // makes ids unique: chatcmpl-<n>, call_<n>
  int64_t created = 0;                            // unix seconds
  Fault fault;
};

// Answers a parsed chat completion request, streaming when it asks for `stream: true`.
// A request with a non-empty `tools` array (and tool_choice other than "none") gets a call to
// the chosen function whose arguments echo the last user message.
Answer chat_answer(const boost::json::object& request, const ChatContext& context);

}  // namespace switchyard::testing::fake
