// The top-level members of a JSON object's text, found by a scan instead of a parse, so that
// an answer the gateway only renames can be sent on as the upstream wrote it.
//
// For text that has already been parsed and found valid: the scan checks nothing a parser
// checks, and gives up (returns nothing) on any shape it does not expect.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard {

struct TextSpan {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the last byte
};

// Where the value of the top-level member named `name` lies in `object_text`. Nothing when no
// member or more than one has that name, or when any member's name is written with escapes
// (which the scan does not decode, so it could not tell whether one of them is `name`).
std::optional<TextSpan> find_member_value(std::string_view object_text, std::string_view name);

// How many object members the JSON text holds at every depth, repeated names included: the
// colons outside strings. A parsed document with fewer members had a name written twice in
// one object, and its parser kept only one of the values.
std::size_t count_members(std::string_view json_text);

// `text` with the bytes of `span` replaced by `value_json`.
std::string replace_span(std::string_view text, TextSpan span, std::string_view value_json);

// `object_text` with the value of its member `name` replaced by `value_json`, which must be
// one JSON value. Empty when find_member_value finds nothing.
std::string replace_member_value(std::string_view object_text, std::string_view name,
                                 std::string_view value_json);

}  // namespace switchyard
