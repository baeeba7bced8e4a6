#include "local/conversations.h"

#include <fstream>
#include <string_view>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace switchyard::local {
namespace {

namespace json = boost::json;

Result<Conversation, std::string> parse_conversation(std::string_view line) {
  boost::system::error_code error;
  const json::value value = json::parse(line, error);
  const auto* object = error ? nullptr : value.if_object();
  const auto* messages = object != nullptr ? object->if_contains("messages") : nullptr;
  if (messages == nullptr || !messages->is_array() || messages->as_array().empty()) {
    return fail(std::string("expected an object with a non-empty \"messages\" array"));
  }
  Conversation conversation;
  for (const auto& entry : messages->as_array()) {
    const auto* message = entry.if_object();
    const auto* role = message != nullptr ? message->if_contains("role") : nullptr;
    const auto* content = message != nullptr ? message->if_contains("content") : nullptr;
    if (role == nullptr || !role->is_string() || content == nullptr || !content->is_string()) {
      return fail(std::string("every message needs string \"role\" and \"content\""));
    }
    conversation.push_back({std::string(role->as_string()), std::string(content->as_string())});
  }
  if (conversation.back().role != "assistant") {
    return fail(std::string("a conversation must end with an assistant message"));
  }
  return conversation;
}

}  // namespace

Result<std::vector<Conversation>, std::string> read_conversations(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return fail(fmt::format("cannot read the corpus '{}'", path));
  }
  std::vector<Conversation> corpus;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    auto conversation = parse_conversation(line);
    if (!conversation) {
      return fail(fmt::format("{}:{}: {}", path, number, conversation.error()));
    }
    corpus.push_back(std::move(*conversation));
  }
  if (corpus.empty()) {
    return fail(fmt::format("the corpus '{}' has no conversations", path));
  }
  return corpus;
}

}  // namespace switchyard::local
