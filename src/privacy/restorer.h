// Restoration: puts the values back where a model's answer repeats a placeholder. Models do not
// always copy a placeholder exactly, so "<person_1>", "< PERSON_1 >" and "<PERSON 1>" are
// restored too; text that only looks like a placeholder the vault does not hold is left as is.
//
// Thread safety: none; a restorer belongs to one stream of one request. The Vault it reads
// must outlive it and not change while it is in use.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include <boost/json/object.hpp>

#include "privacy/vault.h"

namespace switchyard::privacy {

// How a restored value is written: as plain text, or escaped for the inside of a JSON string
// (tool-call arguments are JSON text).
enum class TextKind : std::uint8_t { kPlain, kJson };

// `text` with every placeholder the vault holds replaced by its value.
std::string restore_text(std::string_view text, const Vault& vault, TextKind kind);

// Restores one text that arrives in pieces. push() returns what can be sent now: everything
// except a trailing suffix that could still become a placeholder, which it holds back until
// the next piece decides it. finish() returns what is held.
class StreamRestorer {
 public:
  StreamRestorer(const Vault& vault, TextKind kind) : vault_(&vault), kind_(kind) {}

  std::string push(std::string_view piece);
  std::string finish();

 private:
  const Vault* vault_;
  TextKind kind_;
  std::string held_;
};

// Restores a whole chat-completions answer in place: choices[].message.content (a string, or
// the "text" parts of an array), refusal, tool_calls[].function.arguments and the legacy
// function_call.arguments. Returns whether it may have changed the answer: false when the
// vault is empty or the answer has no choices.
bool restore_answer(boost::json::object& answer, const Vault& vault);

// Restores a stream of chat-completions chunks in place: choices[].delta.content, refusal,
// tool_calls[].function.arguments and function_call.arguments, one restorer per choice and
// text. What a
// restorer still holds goes out with the chunk that finishes its choice, or from finish().
class ChunkRestorer {
 public:
  explicit ChunkRestorer(const Vault& vault) : vault_(&vault) {}

  void restore(boost::json::object& chunk);

  // A chunk carrying whatever is still held, for the end of the stream; empty when nothing
  // is held.
  std::optional<boost::json::object> finish();

 private:
  // (choice index, tool-call index or one of the negative slots below)
  using StreamKey = std::tuple<std::int64_t, std::int64_t>;
  static constexpr std::int64_t kContent = -3;
  static constexpr std::int64_t kRefusal = -2;
  static constexpr std::int64_t kFunctionCall = -1;

  StreamRestorer& restorer(const StreamKey& key);
  void restore_delta(std::int64_t choice, boost::json::object& delta);
  void flush_choice(std::int64_t choice, boost::json::object& delta);
  // Writes text a restorer held into the delta field its slot stands for.
  static void put_back(boost::json::object& delta, std::int64_t slot, std::string_view rest);

  const Vault* vault_;
  std::map<StreamKey, StreamRestorer> restorers_;
};

}  // namespace switchyard::privacy
