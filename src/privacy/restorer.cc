#include "privacy/restorer.h"

#include <cctype>

#include <boost/json.hpp>

namespace switchyard::privacy {
namespace {

namespace json = boost::json;

// Longest inside of a placeholder a model may have spaced out, "< EMAIL_12 >" and
// more; a bound on how much text a stream ever holds back.
constexpr std::size_t kMaxInner = 48;

bool placeholder_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == ' ' || c == '_' || c == '-';
}

bool separator(char c) {
  return c == ' ' || c == '_' || c == '-';
}

// "  person 1 " -> "PERSON_1": upper case, outer separators dropped, inner runs made one '_'.
std::string normalize(std::string_view inner) {
  std::string key;
  bool pending = false;
  for (const char c : inner) {
    if (separator(c)) {
      pending = !key.empty();
      continue;
    }
    if (pending) {
      key.push_back('_');
      pending = false;
    }
    key.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return key;
}

void append_value(std::string& out, const std::string& value, TextKind kind) {
  if (kind == TextKind::kPlain) {
    out += value;
    return;
  }
  const std::string quoted = json::serialize(json::string(value));
  out.append(quoted, 1, quoted.size() - 2);
}

// Appends `text` to `out` with placeholders restored. When `partial`, a suffix that could still
// grow into a placeholder is not appended; returns where it starts (text.size() if none).
std::size_t restore_into(std::string& out, std::string_view text, const Vault& vault, TextKind kind,
                         bool partial) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('<', i);
    if (open == std::string_view::npos) {
      out.append(text.substr(i));
      return text.size();
    }
    out.append(text.substr(i, open - i));
    std::size_t close = open + 1;
    while (close < text.size() && close - open <= kMaxInner && placeholder_char(text[close])) {
      ++close;
    }
    const std::string_view inner = text.substr(open + 1, close - open - 1);
    if (close == text.size() && partial && inner.size() <= kMaxInner &&
        vault.has_key_prefix(normalize(inner))) {
      return open;
    }
    const std::string* value =
        close < text.size() && text[close] == '>' ? vault.value_of(normalize(inner)) : nullptr;
    if (value == nullptr) {
      out.push_back('<');
      i = open + 1;
      continue;
    }
    append_value(out, *value, kind);
    i = close + 1;
  }
  return text.size();
}

json::string* string_member(json::object& object, std::string_view key) {
  json::value* value = object.if_contains(key);
  return value != nullptr ? value->if_string() : nullptr;
}

json::object* object_member(json::object& object, std::string_view key) {
  json::value* value = object.if_contains(key);
  return value != nullptr ? value->if_object() : nullptr;
}

// object[key] with `rest` appended, a string whatever it held before.
void append_member(json::object& object, std::string_view key, std::string_view rest) {
  const json::string* held = string_member(object, key);
  object[key] = std::string(held != nullptr ? std::string_view(*held) : "") + std::string(rest);
}

void restore_member(json::object& object, std::string_view key, const Vault& vault, TextKind kind) {
  if (json::string* text = string_member(object, key)) {
    *text = restore_text(*text, vault, kind);
  }
}

// The "text" parts of a content array, as some servers answer.
void restore_content_parts(json::object& message, const Vault& vault) {
  json::value* content = message.if_contains("content");
  if (content == nullptr || !content->is_array()) {
    return;
  }
  for (json::value& part : content->get_array()) {
    if (json::object* object = part.if_object()) {
      restore_member(*object, "text", vault, TextKind::kPlain);
    }
  }
}

// Calls visit(index, function object) for each tool call of a message or delta.
template <class Visit>
void for_each_tool_call(json::object& holder, Visit visit) {
  json::value* calls = holder.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) {
    return;
  }
  std::int64_t position = 0;
  for (json::value& call : calls->get_array()) {
    json::object* object = call.if_object();
    json::value* function = object != nullptr ? object->if_contains("function") : nullptr;
    if (function != nullptr && function->is_object()) {
      const json::value* index = object->if_contains("index");
      visit(index != nullptr && index->is_int64() ? index->get_int64() : position,
            function->get_object());
    }
    ++position;
  }
}

std::int64_t choice_index(const json::object& choice, std::int64_t position) {
  const json::value* index = choice.if_contains("index");
  return index != nullptr && index->is_int64() ? index->get_int64() : position;
}

}  // namespace

std::string restore_text(std::string_view text, const Vault& vault, TextKind kind) {
  std::string out;
  out.reserve(text.size());
  restore_into(out, text, vault, kind, false);
  return out;
}

std::string StreamRestorer::push(std::string_view piece) {
  held_.append(piece);
  std::string out;
  const std::size_t kept = restore_into(out, held_, *vault_, kind_, true);
  held_.erase(0, kept);
  return out;
}

std::string StreamRestorer::finish() {
  std::string out = restore_text(held_, *vault_, kind_);
  held_.clear();
  return out;
}

bool restore_answer(json::object& answer, const Vault& vault) {
  json::value* choices = answer.if_contains("choices");
  if (vault.empty() || choices == nullptr || !choices->is_array()) {
    return false;
  }
  for (json::value& choice : choices->get_array()) {
    json::value* value = choice.is_object() ? choice.get_object().if_contains("message") : nullptr;
    json::object* message = value != nullptr ? value->if_object() : nullptr;
    if (message == nullptr) {
      continue;
    }
    restore_member(*message, "content", vault, TextKind::kPlain);
    restore_content_parts(*message, vault);
    restore_member(*message, "refusal", vault, TextKind::kPlain);
    for_each_tool_call(*message, [&](std::int64_t, json::object& function) {
      restore_member(function, "arguments", vault, TextKind::kJson);
    });
    if (json::object* function = object_member(*message, "function_call")) {
      restore_member(*function, "arguments", vault, TextKind::kJson);
    }
  }
  return true;
}

StreamRestorer& ChunkRestorer::restorer(const StreamKey& key) {
  const std::int64_t slot = std::get<1>(key);
  const bool json_text = slot >= 0 || slot == kFunctionCall;
  return restorers_.try_emplace(key, *vault_, json_text ? TextKind::kJson : TextKind::kPlain)
      .first->second;
}

void ChunkRestorer::restore_delta(std::int64_t choice, json::object& delta) {
  if (json::string* content = string_member(delta, "content")) {
    *content = restorer({choice, kContent}).push(*content);
  }
  if (json::string* refusal = string_member(delta, "refusal")) {
    *refusal = restorer({choice, kRefusal}).push(*refusal);
  }
  for_each_tool_call(delta, [&](std::int64_t call, json::object& function) {
    if (json::string* arguments = string_member(function, "arguments")) {
      *arguments = restorer({choice, call}).push(*arguments);
    }
  });
  json::object* function = object_member(delta, "function_call");
  if (json::string* arguments = function ? string_member(*function, "arguments") : nullptr) {
    *arguments = restorer({choice, kFunctionCall}).push(*arguments);
  }
}

// Appends what the choice's restorers hold to `delta` and forgets them.
void ChunkRestorer::flush_choice(std::int64_t choice, json::object& delta) {
  auto it = restorers_.lower_bound({choice, kContent});
  while (it != restorers_.end() && std::get<0>(it->first) == choice) {
    std::string rest = it->second.finish();
    if (!rest.empty()) {
      put_back(delta, std::get<1>(it->first), rest);
    }
    it = restorers_.erase(it);
  }
}

void ChunkRestorer::put_back(json::object& delta, std::int64_t slot, std::string_view rest) {
  if (slot == kContent || slot == kRefusal) {
    append_member(delta, slot == kContent ? "content" : "refusal", rest);
    return;
  }
  if (slot == kFunctionCall) {
    json::value& function = delta["function_call"];
    if (!function.is_object()) {
      function = json::object{};
    }
    append_member(function.get_object(), "arguments", rest);
    return;
  }
  json::value& calls = delta["tool_calls"];
  if (!calls.is_array()) {
    calls = json::array{};
  }
  json::object function{{"arguments", rest}};
  calls.as_array().push_back(json::object{{"index", slot}, {"function", std::move(function)}});
}

void ChunkRestorer::restore(json::object& chunk) {
  json::value* choices = chunk.if_contains("choices");
  if (vault_->empty() || choices == nullptr || !choices->is_array()) {
    return;
  }
  std::int64_t position = 0;
  for (json::value& value : choices->get_array()) {
    json::object* choice = value.if_object();
    json::value* delta = choice != nullptr ? choice->if_contains("delta") : nullptr;
    if (delta != nullptr && delta->is_object()) {
      const std::int64_t index = choice_index(*choice, position);
      restore_delta(index, delta->get_object());
      const json::value* reason = choice->if_contains("finish_reason");
      if (reason != nullptr && !reason->is_null()) {
        flush_choice(index, delta->get_object());
      }
    }
    ++position;
  }
}

std::optional<json::object> ChunkRestorer::finish() {
  json::array choices;
  while (!restorers_.empty()) {
    const std::int64_t index = std::get<0>(restorers_.begin()->first);
    json::object delta;
    flush_choice(index, delta);
    if (!delta.empty()) {
      choices.push_back(json::object{{"index", index}, {"delta", std::move(delta)}});
    }
  }
  if (choices.empty()) {
    return std::nullopt;
  }
  return json::object{{"object", "chat.completion.chunk"}, {"choices", std::move(choices)}};
}

}  // namespace switchyard::privacy
