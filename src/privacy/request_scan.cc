// Scanner::scan_request and the locations it reports: the walk over a chat-completions or
// embeddings request.
#include <algorithm>
#include <array>
#include <charconv>
#include <type_traits>

#include <fmt/format.h>

#include "privacy/clinical.h"
#include "privacy/scan_cache.h"
#include "privacy/scanner.h"

namespace switchyard::privacy {
namespace {

namespace json = boost::json;

template <class Object>
auto* member_string(Object* object, std::string_view key) {
  if (object == nullptr) {
    return static_cast<decltype(&object->at(key).as_string())>(nullptr);
  }
  auto* value = object->if_contains(key);
  return value != nullptr ? value->if_string() : nullptr;
}

template <class Object>
auto* member_object(Object* object, std::string_view key) {
  if (object == nullptr) {
    return static_cast<decltype(&object->at(key).as_object())>(nullptr);
  }
  auto* value = object->if_contains(key);
  return value != nullptr ? value->if_object() : nullptr;
}

template <class Object>
auto* element_object(Object* object, std::string_view key, std::size_t index) {
  auto* value = object != nullptr ? object->if_contains(key) : nullptr;
  auto* array = value != nullptr ? value->if_array() : nullptr;
  if (array == nullptr || index >= array->size()) {
    return static_cast<decltype(&(*array)[0].as_object())>(nullptr);
  }
  return (*array)[index].if_object();
}

// A reference token of a JSON pointer with "~1" and "~0" decoded.
std::string unescaped_token(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out.push_back(token[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      out.push_back(token[i]);
    }
  }
  return out;
}

void append_token(std::string& pointer, std::string_view token) {
  pointer.push_back('/');
  for (const char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer.push_back(c);
    }
  }
}

// Resolves an RFC 6901 pointer from the request object; nullptr where it leads nowhere.
template <class Object>
auto* find_by_pointer(Object& request, std::string_view pointer) {
  using Value = std::conditional_t<std::is_const_v<Object>, const json::value, json::value>;
  using String = std::conditional_t<std::is_const_v<Object>, const json::string, json::string>;
  Object* object = &request;
  Value* current = nullptr;
  while (!pointer.empty() && pointer.front() == '/') {
    pointer.remove_prefix(1);
    const std::size_t slash = std::min(pointer.find('/'), pointer.size());
    const std::string token = unescaped_token(pointer.substr(0, slash));
    pointer.remove_prefix(slash);
    if (object != nullptr) {
      current = object->if_contains(token);
    } else if (auto* array = current != nullptr ? current->if_array() : nullptr) {
      std::size_t index = 0;
      const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      const bool valid = ec == std::errc() && end == token.data() + token.size();
      current = valid && index < array->size() ? &(*array)[index] : nullptr;
    } else {
      current = nullptr;
    }
    if (current == nullptr) {
      return static_cast<String*>(nullptr);
    }
    object = current->if_object();
  }
  return pointer.empty() && current != nullptr ? current->if_string() : nullptr;
}

// The text at `location` within its message, for a location that is not a pointer.
template <class Object>
auto* find_in_message(Object* message, const TextLocation& location) {
  switch (location.field) {
    case TextField::kContentPart:
      return member_string(element_object(message, "content", location.part), "text");
    case TextField::kToolCallArguments:
      return member_string(
          member_object(element_object(message, "tool_calls", location.part), "function"),
          "arguments");
    case TextField::kFunctionCallArguments:
      return member_string(member_object(message, "function_call"), "arguments");
    case TextField::kName:
      return member_string(message, "name");
    case TextField::kRefusal:
      return member_string(message, "refusal");
    case TextField::kContent:
    case TextField::kPointer:
      break;
  }
  return member_string(message, "content");
}

// The walk for both the const and the mutable request.
template <class Object>
auto* find_text(Object& request, const TextLocation& location) {
  if (location.field == TextField::kPointer) {
    return find_by_pointer(request, location.pointer);
  }
  return find_in_message(element_object(&request, "messages", location.message), location);
}

// Keys whose string values name things (a model, a function, a property the schema requires)
// or pick from a fixed set (a role, a type). A rewrite would break the request, and none of
// them is where a client puts personal data.
bool identifier_key(std::string_view key) {
  static constexpr std::array<std::string_view, 16> kKeys = {
      "model",  "role",     "type",        "name",        "id",      "tool_call_id",
      "$ref",   "$schema",  "$id",         "format",      "pattern", "encoding_format",
      "strict", "required", "tool_choice", "service_tier"};
  return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

// The messages an application writes itself, the same on every request.
bool is_instruction_role(std::string_view role) {
  return role == "system" || role == "developer";
}

// Top-level members that define what the model may call or must answer with: written by the
// application, sent unchanged on every request.
bool is_definition_key(std::string_view key) {
  return key == "tools" || key == "functions" || key == "response_format";
}

// Scans every text of one request and files what it finds with where it was found.
class RequestWalk {
 public:
  RequestWalk(const Scanner& scanner, Findings& findings, ScanCache* cache)
      : scanner_(scanner), findings_(findings), cache_(cache) {}

  void walk(const json::object& request) {
    for (const json::key_value_pair& member : request) {
      const std::string_view key = member.key();
      if (key == "messages") {
        messages(member.value());
      } else if (key == "input") {
        input(member.value());
      } else {
        const Instructions scope(*this, is_definition_key(key));
        within(key, [&] { other(key, member.value()); });
      }
    }
    findings_.phi_score = phi_score(evidence_);
  }

 private:
  // Marks the texts walked while it lives as the application's instructions, or not.
  class Instructions {
   public:
    Instructions(RequestWalk& walk, bool instructions) : walk_(walk), before_(walk.instructions_) {
      walk_.instructions_ = instructions;
    }
    ~Instructions() { walk_.instructions_ = before_; }
    Instructions(const Instructions&) = delete;
    Instructions& operator=(const Instructions&) = delete;

   private:
    RequestWalk& walk_;
    bool before_;
  };

  // Scans `value`; true when it holds entities, which `record` then files.
  bool scan(std::string_view value) {
    if (cache_ != nullptr && instructions_) {
      scan_cached(value);
    } else {
      scanner_.scan(value, text_findings_);
    }
    evidence_ += text_findings_.clinical_evidence;
    findings_.complete = findings_.complete && text_findings_.complete;
    return !text_findings_.entities.empty();
  }

  void scan_cached(std::string_view value) {
    if (const TextFindings* known = cache_->find(value)) {
      text_findings_.entities.assign(known->entities.begin(), known->entities.end());
      text_findings_.clinical_evidence = known->clinical_evidence;
      text_findings_.complete = known->complete;
      return;
    }
    scanner_.scan(value, text_findings_);
    cache_->insert(value, text_findings_);
  }

  void record(const TextLocation& location) {
    for (const Entity& entity : text_findings_.entities) {
      findings_.findings.push_back({entity, location});
      ++findings_.class_counts[static_cast<std::size_t>(entity.data_class)];
    }
  }

  void text(const json::string& value, const TextLocation& location) {
    if (scan(value)) {
      record(location);
    }
  }

  // A string outside the message texts, at the current path.
  void text_here(const json::string& value) {
    if (scan(value)) {
      record({.field = TextField::kPointer, .pointer = pointer_here()});
    }
  }

  // Runs `body` with `key` (or `index`) appended to the path.
  template <class Body>
  void within(std::string_view key, Body body) {
    path_.push_back({.key = key});
    body();
    path_.pop_back();
  }

  template <class Body>
  void within(std::size_t index, Body body) {
    path_.push_back({.index = index, .is_index = true});
    body();
    path_.pop_back();
  }

  std::string pointer_here() const {
    std::string pointer;
    for (const Step& step : path_) {
      append_token(pointer, step.is_index ? std::to_string(step.index) : std::string(step.key));
    }
    return pointer;
  }

  // Any value outside the messages and the input: every string in it, except identifiers.
  void other(std::string_view key, const json::value& value) {
    if (const auto* string = value.if_string()) {
      if (!identifier_key(key)) {
        text_here(*string);
      }
    } else if (const auto* object = value.if_object()) {
      for (const json::key_value_pair& member : *object) {
        within(member.key(), [&] { other(member.key(), member.value()); });
      }
    } else if (const auto* array = value.if_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        within(i, [&] { other(key, (*array)[i]); });
      }
    }
  }

  // An embeddings input: a string, or an array of strings. Token ids cannot be read as text,
  // so the scan cannot vouch for them.
  void input(const json::value& value) {
    within("input", [&] {
      if (const auto* array = value.if_array()) {
        for (std::size_t i = 0; i < array->size(); ++i) {
          within(i, [&] { input_element((*array)[i]); });
        }
      } else {
        input_element(value);
      }
    });
  }

  void input_element(const json::value& value) {
    if (const auto* string = value.if_string()) {
      text_here(*string);
    } else if (value.is_number() || value.is_array()) {
      findings_.complete = false;
    }
  }

  void messages(const json::value& value) {
    if (!value.is_array()) {
      return;
    }
    const json::array& list = value.as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].is_object()) {
        message(list[i].as_object(), static_cast<std::uint32_t>(i));
      }
    }
  }

  void message(const json::object& message, std::uint32_t index) {
    if (const auto* content = message.if_contains("content")) {
      const auto* role = message.if_contains("role");
      const Instructions scope(
          *this, role != nullptr && role->is_string() && is_instruction_role(role->as_string()));
      content_of(*content, index);
    }
    if (const auto* calls = message.if_contains("tool_calls"); calls && calls->is_array()) {
      for (std::size_t i = 0; i < calls->as_array().size(); ++i) {
        const TextLocation location{index, TextField::kToolCallArguments,
                                    static_cast<std::uint32_t>(i)};
        if (const auto* arguments = find_in_message(&message, location)) {
          text(*arguments, location);
        }
      }
    }
    // The legacy function call's arguments, the participant's name (a person's name as often
    // as not) and a refusal the client sends back.
    for (const TextField field :
         {TextField::kFunctionCallArguments, TextField::kName, TextField::kRefusal}) {
      const TextLocation location{index, field, 0};
      if (const auto* value = find_in_message(&message, location)) {
        text(*value, location);
      }
    }
  }

  void content_of(const json::value& content, std::uint32_t index) {
    if (content.is_string()) {
      text(content.as_string(), {index, TextField::kContent, 0});
      return;
    }
    if (!content.is_array()) {
      return;
    }
    const json::array& parts = content.as_array();
    for (std::size_t p = 0; p < parts.size(); ++p) {
      const auto* part = parts[p].if_object();
      const auto* text_value = part != nullptr ? part->if_contains("text") : nullptr;
      if (text_value != nullptr && text_value->is_string()) {
        text(text_value->as_string(),
             {index, TextField::kContentPart, static_cast<std::uint32_t>(p)});
      }
    }
  }

  // One step of the path from the request to the value being walked.
  struct Step {
    std::string_view key;
    std::size_t index = 0;
    bool is_index = false;
  };

  const Scanner& scanner_;
  Findings& findings_;
  ScanCache* cache_;
  bool instructions_ = false;  // the text being walked is the application's, not a user's
  TextFindings text_findings_;
  float evidence_ = 0;
  std::vector<Step> path_;
};

}  // namespace

std::string TextLocation::json_pointer() const {
  switch (field) {
    case TextField::kContent:
      return fmt::format("/messages/{}/content", message);
    case TextField::kContentPart:
      return fmt::format("/messages/{}/content/{}/text", message, part);
    case TextField::kToolCallArguments:
      return fmt::format("/messages/{}/tool_calls/{}/function/arguments", message, part);
    case TextField::kFunctionCallArguments:
      return fmt::format("/messages/{}/function_call/arguments", message);
    case TextField::kName:
      return fmt::format("/messages/{}/name", message);
    case TextField::kRefusal:
      return fmt::format("/messages/{}/refusal", message);
    case TextField::kPointer:
      return pointer;
  }
  return {};
}

json::string* text_at(json::object& request, const TextLocation& location) {
  return find_text(request, location);
}

const json::string* text_at(const json::object& request, const TextLocation& location) {
  return find_text(request, location);
}

Findings Scanner::scan_request(const json::object& request, ScanCache* cache) const {
  Findings findings;
  RequestWalk walk(*this, findings, cache);
  walk.walk(request);
  return findings;
}

}  // namespace switchyard::privacy
