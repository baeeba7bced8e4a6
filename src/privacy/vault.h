// Vault: the placeholders of one request (or one conversation) and the values they stand for,
// so that an external model sees "<PERSON_1>" where the client wrote a name and the answer gets
// the name back.
//
// Placeholders are numbered per type in order of first appearance: "<PERSON_1>", "<PERSON_2>",
// "<EMAIL_1>". The same value always gets the same placeholder, so a name repeated
// across messages stays one person for the model.
//
// Thread safety: none; a Vault belongs to one request (or is guarded by its owner).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/json/object.hpp>

#include "privacy/entity.h"
#include "privacy/policy.h"
#include "privacy/scanner.h"

namespace switchyard::privacy {

class Vault {
 public:
  // The placeholder for `value`, e.g. "<PERSON_1>", made on first sight.
  std::string placeholder_for(EntityType type, std::string_view value);

  // The value behind a placeholder's key ("PERSON_1", without the angle brackets, upper case);
  // nullptr when the vault holds no such placeholder.
  const std::string* value_of(std::string_view key) const;

  // Whether some placeholder key starts with `prefix`; what a stream holds text back for.
  bool has_key_prefix(std::string_view prefix) const;

  bool empty() const { return values_.empty(); }
  std::size_t size() const { return values_.size(); }

 private:
  std::unordered_map<std::string, std::string> keys_;    // value -> key
  std::unordered_map<std::string, std::string> values_;  // key -> value
  std::array<std::uint32_t, kEntityTypeCount> next_{};   // last number used per type
};

// True where a placeholder goes in as its key alone ("PERSON_1"): a message's name, which may
// not hold brackets. Answers do not restore those.
bool takes_bare_placeholder(const TextLocation& location);

// Replaces, in place, every finding whose class the policy pseudonymizes with its placeholder
// (in a message's name, the placeholder's key alone: names may not hold brackets). Strings are
// rewritten back to front so that the offsets of the findings still to be replaced
// stay valid. Returns the number of spans replaced.
std::size_t pseudonymize(boost::json::object& request, const Findings& findings,
                         const ClassActions& actions, Vault& vault);

}  // namespace switchyard::privacy
