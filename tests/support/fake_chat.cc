#include "support/fake_chat.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace switchyard::testing::fake {
namespace {

namespace json = boost::json;

constexpr std::string_view kFingerprint = "fp_fake";

// Reads a string member, empty when missing or not a string.
std::string_view string_member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    return {};
  }
  return value->get_string();
}

bool bool_member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_bool() && value->get_bool();
}

// Calls visit(text) for a string content and for each text part of an array content.
template <class Visit>
void for_each_text(const json::value& content, Visit visit) {
  if (content.is_string()) {
    visit(std::string_view(content.get_string()));
    return;
  }
  if (!content.is_array()) {
    return;
  }
  for (const json::value& part : content.get_array()) {
    const json::object* object = part.if_object();
    if (object != nullptr && string_member(*object, "type") == "text") {
      visit(string_member(*object, "text"));
    }
  }
}

uint64_t count_prompt_tokens(const json::array& messages) {
  uint64_t tokens = 0;
  for (const json::value& message : messages) {
    const json::value* content =
        message.is_object() ? message.get_object().if_contains("content") : nullptr;
    if (content != nullptr) {
      for_each_text(*content, [&](std::string_view text) { tokens += count_words(text); });
    }
  }
  return tokens;
}

// The text of the last user message, parts joined by spaces; what a tool call echoes.
std::string last_user_text(const json::array& messages) {
  std::string text;
  auto user = std::find_if(messages.rbegin(), messages.rend(), [](const json::value& message) {
    return message.is_object() && string_member(message.get_object(), "role") == "user";
  });
  if (user == messages.rend()) {
    return text;
  }
  const json::value* content = user->get_object().if_contains("content");
  if (content != nullptr) {
    for_each_text(*content, [&](std::string_view part) {
      text.append(text.empty() ? "" : " ").append(part);
    });
  }
  return text;
}

// The lower of max_completion_tokens and max_tokens, when either is a non-negative integer.
std::optional<uint64_t> completion_limit(const json::object& request) {
  std::optional<uint64_t> limit;
  for (std::string_view key : {"max_completion_tokens", "max_tokens"}) {
    const json::value* value = request.if_contains(key);
    if (value == nullptr || !value->is_number()) {
      continue;
    }
    json::error_code ec;
    const auto tokens = value->to_number<uint64_t>(ec);
    if (!ec) {
      limit = std::min(limit.value_or(tokens), tokens);
    }
  }
  return limit;
}

// The name in {"type":"function","function":{"name":...}}, empty if there is none.
std::string_view function_name(const json::value& holder) {
  const json::object* object = holder.if_object();
  const json::value* function = object != nullptr ? object->if_contains("function") : nullptr;
  if (function == nullptr || !function->is_object()) {
    return {};
  }
  return string_member(function->get_object(), "name");
}

// The function the reply calls, or empty for a text reply.
std::string_view chosen_tool(const json::object& request) {
  const json::value* tools = request.if_contains("tools");
  if (tools == nullptr || !tools->is_array() || tools->get_array().empty()) {
    return {};
  }
  const json::value* choice = request.if_contains("tool_choice");
  if (choice != nullptr && choice->is_string() && choice->get_string() == "none") {
    return {};
  }
  if (choice != nullptr && choice->is_object()) {
    return function_name(*choice);
  }
  return function_name(tools->get_array().front());
}

// Where to split a string in two halves without splitting a UTF-8 sequence.
size_t utf8_midpoint(std::string_view text) {
  size_t middle = text.size() / 2;
  while (middle > 0 && (static_cast<unsigned char>(text[middle]) & 0xC0) == 0x80) {
    --middle;
  }
  return middle;
}

struct ToolCall {
  std::string_view name;  // empty: the reply is text
  std::string id;
  std::string arguments;
};

// One chat answer, in either of its two wire forms.
class ChatReply {
 public:
  ChatReply(const json::object& request, const json::array& messages, const ChatContext& context,
            std::span<const std::string_view> words);

  Answer completion() const;
  Answer stream() const;

 private:
  json::object envelope(std::string_view object) const;
  json::object usage() const;
  json::object message() const;
  json::object tool_call_head() const;
  void add_chunk(std::vector<std::string>& events, json::object delta,
                 std::string_view finish_reason = {}) const;
  void add_content_chunks(std::vector<std::string>& events) const;
  void add_tool_chunks(std::vector<std::string>& events) const;

  std::string id_;
  std::string_view model_;
  int64_t created_;
  bool include_usage_;
  uint64_t prompt_tokens_;
  uint64_t completion_tokens_ = 0;
  std::span<const std::string_view> words_;  // already cut to the completion limit
  std::string_view separator_ = " ";         // between words; none for echoed pieces
  std::string_view finish_reason_ = "stop";
  ToolCall tool_;
};

ChatReply::ChatReply(const json::object& request, const json::array& messages,
                     const ChatContext& context, std::span<const std::string_view> words)
    : id_("chatcmpl-" + std::to_string(context.serial)),
      model_(string_member(request, "model")),
      created_(context.created),
      include_usage_(false),
      prompt_tokens_(count_prompt_tokens(messages)),
      words_(words) {
  if (context.fault.echo) {
    separator_ = "";
  }
  tool_.name = chosen_tool(request);
  if (const json::value* options = request.if_contains("stream_options");
      options != nullptr && options->is_object()) {
    include_usage_ = bool_member(options->get_object(), "include_usage");
  }
  if (!tool_.name.empty()) {
    tool_.id = "call_" + std::to_string(context.serial);
    tool_.arguments = json::serialize(json::object{{"echo", last_user_text(messages)}});
    completion_tokens_ = count_words(tool_.arguments);
    finish_reason_ = "tool_calls";
    return;
  }
  if (std::optional<uint64_t> limit = completion_limit(request); limit && *limit < words_.size()) {
    words_ = words_.first(*limit);
    finish_reason_ = "length";
  }
  completion_tokens_ = words_.size();
}

json::object ChatReply::envelope(std::string_view object) const {
  json::object body;
  body["id"] = id_;
  body["object"] = object;
  body["created"] = created_;
  body["model"] = model_;
  body["system_fingerprint"] = kFingerprint;
  return body;
}

json::object ChatReply::usage() const {
  return json::object{{"prompt_tokens", prompt_tokens_},
                      {"completion_tokens", completion_tokens_},
                      {"total_tokens", prompt_tokens_ + completion_tokens_}};
}

json::object ChatReply::message() const {
  json::object message{{"role", "assistant"}};
  if (tool_.name.empty()) {
    std::string content;
    for (std::string_view word : words_) {
      content.append(content.empty() ? "" : separator_).append(word);
    }
    message["content"] = content;
  } else {
    json::object function{{"name", tool_.name}, {"arguments", tool_.arguments}};
    json::object call{{"id", tool_.id}, {"type", "function"}, {"function", std::move(function)}};
    message["content"] = nullptr;
    message["tool_calls"] = json::array{std::move(call)};
  }
  message["refusal"] = nullptr;
  return message;
}

Answer ChatReply::completion() const {
  json::object choice{{"index", 0}, {"message", message()}, {"logprobs", nullptr}};
  choice["finish_reason"] = finish_reason_;

  json::object body = envelope("chat.completion");
  body["choices"] = json::array{std::move(choice)};
  body["usage"] = usage();
  return json_answer(body);
}

void ChatReply::add_chunk(std::vector<std::string>& events, json::object delta,
                          std::string_view finish_reason) const {
  json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}};
  choice["finish_reason"] = nullptr;
  if (!finish_reason.empty()) {
    choice["finish_reason"] = finish_reason;
  }

  json::object chunk = envelope("chat.completion.chunk");
  chunk["choices"] = json::array{std::move(choice)};
  if (include_usage_) {
    chunk["usage"] = nullptr;
  }
  events.push_back(sse_event(json::serialize(chunk)));
}

void ChatReply::add_content_chunks(std::vector<std::string>& events) const {
  add_chunk(events, {{"role", "assistant"}, {"content", ""}});
  std::string piece;
  for (size_t i = 0; i < words_.size(); ++i) {
    piece.assign(words_[i]);
    if (i + 1 < words_.size()) {
      piece.append(separator_);
    }
    add_chunk(events, {{"content", piece}});
  }
}

json::object ChatReply::tool_call_head() const {
  json::object function{{"name", tool_.name}, {"arguments", ""}};
  json::object call{{"index", 0}, {"id", tool_.id}, {"type", "function"}};
  call["function"] = std::move(function);
  return call;
}

void ChatReply::add_tool_chunks(std::vector<std::string>& events) const {
  add_chunk(
      events,
      {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array{tool_call_head()}}});

  // Clients must concatenate argument fragments; two halves make sure they do.
  const std::string_view arguments = tool_.arguments;
  const size_t middle = utf8_midpoint(arguments);
  for (std::string_view half : {arguments.substr(0, middle), arguments.substr(middle)}) {
    json::object call{{"index", 0}, {"function", json::object{{"arguments", half}}}};
    add_chunk(events, {{"tool_calls", json::array{std::move(call)}}});
  }
}

Answer ChatReply::stream() const {
  Answer answer;
  answer.streaming = true;
  std::vector<std::string>& events = answer.events;
  events.reserve(words_.size() + 4);

  if (tool_.name.empty()) {
    add_content_chunks(events);
  } else {
    add_tool_chunks(events);
  }
  add_chunk(events, {}, finish_reason_);

  if (include_usage_) {
    json::object chunk = envelope("chat.completion.chunk");
    chunk["choices"] = json::array();
    chunk["usage"] = usage();
    events.push_back(sse_event(json::serialize(chunk)));
  }
  events.push_back(sse_event("[DONE]"));
  return answer;
}

// "w0 w1 ... w<n-1>", the reply a tokens-<n> model asks for.
std::string numbered_words(uint32_t count) {
  std::string text;
  for (uint32_t i = 0; i < count; ++i) {
    text.append(i == 0 ? "w" : " w").append(std::to_string(i));
  }
  return text;
}

// Pieces of at most `size` bytes (more where a UTF-8 sequence would be split), views into text.
std::vector<std::string_view> pieces_of(std::string_view text, uint32_t size) {
  std::vector<std::string_view> pieces;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = std::min(text.size(), begin + std::max<uint32_t>(size, 1));
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      ++end;
    }
    pieces.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  return pieces;
}

// The enum of response_format.json_schema.schema.properties.route; empty when there is none.
std::vector<std::string_view> route_names(const json::object& request) {
  std::vector<std::string_view> names;
  const json::value* format = request.if_contains("response_format");
  boost::system::error_code ec;
  const json::value* values =
      format != nullptr ? format->find_pointer("/json_schema/schema/properties/route/enum", ec)
                        : nullptr;
  if (values == nullptr || !values->is_array()) {
    return names;
  }
  for (const json::value& name : values->get_array()) {
    if (name.is_string()) {
      names.push_back(name.get_string());
    }
  }
  return names;
}

// What a route model answers: the first route named in the user's words, else the last.
std::string picked_route(const json::object& request, const json::array& messages) {
  const std::vector<std::string_view> names = route_names(request);
  if (names.empty()) {
    return "{}";
  }
  const std::string text = last_user_text(messages);
  const std::vector<std::string_view> words = split_words(text);
  for (const std::string_view name : names) {
    if (std::find(words.begin(), words.end(), name) != words.end()) {
      return json::serialize(json::object{{"route", name}});
    }
  }
  return json::serialize(json::object{{"route", names.back()}});
}

}  // namespace

Answer chat_answer(const json::object& request, const ChatContext& context) {
  const json::value* messages = request.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) {
    return invalid_param("messages must be an array", "messages");
  }

  std::string numbered;
  std::vector<std::string_view> numbered_list;
  std::span<const std::string_view> words = context.reply_words;
  if (context.fault.tokens) {
    numbered = numbered_words(*context.fault.tokens);
    numbered_list = split_words(numbered);
    words = numbered_list;
  }
  std::string echoed;
  if (context.fault.echo) {
    echoed = last_user_text(messages->get_array());
    numbered_list = pieces_of(echoed, *context.fault.echo);
    words = numbered_list;
  }

  std::string picked;
  if (context.fault.pick_route) {
    picked = picked_route(request, messages->get_array());
    numbered_list = {picked};
    words = numbered_list;
  }

  const ChatReply reply(request, messages->get_array(), context, words);
  return bool_member(request, "stream") ? reply.stream() : reply.completion();
}

}  // namespace switchyard::testing::fake
