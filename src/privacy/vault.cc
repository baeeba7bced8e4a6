#include "privacy/vault.h"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

namespace switchyard::privacy {

std::string Vault::placeholder_for(EntityType type, std::string_view value) {
  auto [known, inserted] = keys_.try_emplace(std::string(value));
  if (inserted) {
    const auto number = ++next_[static_cast<std::size_t>(type)];
    known->second = fmt::format("{}_{}", name_of(type), number);
    values_.emplace(known->second, value);
  }
  return fmt::format("<{}>", known->second);
}

const std::string* Vault::value_of(std::string_view key) const {
  const auto found = values_.find(std::string(key));
  return found == values_.end() ? nullptr : &found->second;
}

bool Vault::has_key_prefix(std::string_view prefix) const {
  for (const auto& [key, value] : values_) {
    if (std::string_view(key).starts_with(prefix)) {
      return true;
    }
  }
  return false;
}

namespace {

bool is_json_text(TextField field) {
  return field == TextField::kToolCallArguments || field == TextField::kFunctionCallArguments;
}

// A value found inside JSON text (tool-call arguments) as the text it stands for: `O\"Neil`
// is kept as `O"Neil`, so that restoring it into content or escaping it again for arguments
// gives the right text. A slice that is not valid string content is kept as it is.
std::string decoded(std::string_view slice, TextField field) {
  if (!is_json_text(field) || slice.find('\\') == std::string_view::npos) {
    return std::string(slice);
  }
  boost::json::error_code ec;
  const boost::json::value value = boost::json::parse(fmt::format("\"{}\"", slice), ec);
  return !ec && value.is_string() ? std::string(value.get_string()) : std::string(slice);
}

std::string placeholder_in(const TextLocation& location, const std::string& placeholder) {
  return takes_bare_placeholder(location) ? placeholder.substr(1, placeholder.size() - 2)
                                          : placeholder;
}

}  // namespace

// OpenAI requires a participant's name to match ^[a-zA-Z0-9_-]+$.
bool takes_bare_placeholder(const TextLocation& location) {
  return location.field == TextField::kName;
}

std::size_t pseudonymize(boost::json::object& request, const Findings& findings,
                         const ClassActions& actions, Vault& vault) {
  // Numbers are given in reading order first; the rewrite below runs the other way.
  std::vector<std::string> placeholders(findings.findings.size());
  for (std::size_t i = 0; i < findings.findings.size(); ++i) {
    const Finding& finding = findings.findings[i];
    const boost::json::string* text = text_at(std::as_const(request), finding.location);
    if (actions[finding.entity.data_class] != Action::kPseudonymize || text == nullptr ||
        finding.entity.end > text->size()) {
      continue;
    }
    const std::string_view value =
        std::string_view(*text).substr(finding.entity.begin, finding.entity.size());
    placeholders[i] = placeholder_in(
        finding.location,
        vault.placeholder_for(finding.entity.type, decoded(value, finding.location.field)));
  }

  std::size_t replaced = 0;
  for (std::size_t i = findings.findings.size(); i-- > 0;) {
    if (placeholders[i].empty()) {
      continue;
    }
    const Finding& finding = findings.findings[i];
    boost::json::string* text = text_at(request, finding.location);
    text->replace(finding.entity.begin, finding.entity.size(), placeholders[i]);
    ++replaced;
  }
  return replaced;
}

}  // namespace switchyard::privacy
