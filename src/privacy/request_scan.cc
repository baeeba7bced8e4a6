// Scanner::scan_request and the locations it reports: the walk over a chat-completions request.
#include <fmt/format.h>

#include "privacy/clinical.h"
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

// The walk for both the const and the mutable request.
template <class Object>
auto* find_text(Object& request, const TextLocation& location) {
  auto* message = element_object(&request, "messages", location.message);
  switch (location.field) {
    case TextField::kContent:
      return member_string(message, "content");
    case TextField::kContentPart:
      return member_string(element_object(message, "content", location.part), "text");
    case TextField::kToolCallArguments:
      return member_string(
          member_object(element_object(message, "tool_calls", location.part), "function"),
          "arguments");
    case TextField::kFunctionCallArguments:
      return member_string(member_object(message, "function_call"), "arguments");
  }
  return member_string(message, "content");
}

// Scans one string and records its findings under `location`.
class RequestWalk {
 public:
  RequestWalk(const Scanner& scanner, Findings& findings)
      : scanner_(scanner), findings_(findings) {}

  void text(const json::string& value, const TextLocation& location) {
    scanner_.scan(std::string_view(value), text_findings_);
    evidence_ += text_findings_.clinical_evidence;
    findings_.complete = findings_.complete && text_findings_.complete;
    for (const Entity& entity : text_findings_.entities) {
      findings_.findings.push_back({entity, location});
      ++findings_.class_counts[static_cast<std::size_t>(entity.data_class)];
    }
  }

  void message(const json::object& message, std::uint32_t index) {
    if (const auto* content = message.if_contains("content")) {
      content_of(*content, index);
    }
    if (const auto* calls = message.if_contains("tool_calls"); calls && calls->is_array()) {
      for (std::size_t i = 0; i < calls->as_array().size(); ++i) {
        const TextLocation location{index, TextField::kToolCallArguments,
                                    static_cast<std::uint32_t>(i)};
        if (const auto* arguments = find_text(*request_, location)) {
          text(*arguments, location);
        }
      }
    }
    const TextLocation legacy{index, TextField::kFunctionCallArguments, 0};
    if (const auto* arguments = find_text(*request_, legacy)) {
      text(*arguments, legacy);
    }
  }

  void walk(const json::object& request) {
    request_ = &request;
    const auto* messages = request.if_contains("messages");
    if (messages == nullptr || !messages->is_array()) {
      return;
    }
    const json::array& list = messages->as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].is_object()) {
        message(list[i].as_object(), static_cast<std::uint32_t>(i));
      }
    }
    findings_.phi_score = phi_score(evidence_);
  }

 private:
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

  const Scanner& scanner_;
  Findings& findings_;
  const json::object* request_ = nullptr;
  TextFindings text_findings_;
  float evidence_ = 0;
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
  }
  return {};
}

json::string* text_at(json::object& request, const TextLocation& location) {
  return find_text(request, location);
}

const json::string* text_at(const json::object& request, const TextLocation& location) {
  return find_text(request, location);
}

Findings Scanner::scan_request(const json::object& request) const {
  Findings findings;
  RequestWalk walk(*this, findings);
  walk.walk(request);
  return findings;
}

}  // namespace switchyard::privacy
