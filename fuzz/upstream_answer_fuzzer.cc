// Fuzzes the renaming of an upstream's whole answer (replace_member_value), which sends the
// upstream's own text on with only its "model" changed.
//
// Oracles, for any input a parser accepts as a JSON object (the only text the gateway renames):
//   - the renamed text parses to exactly what setting "model" in the parsed object gives;
//   - a member named "model" in the object is found, unless the text writes some member's
//     name with an escape or names "model" twice (the cases the scan leaves to serialization).
// Any other input goes through the scan too, which must not read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/json_members.h"
#include "fuzz/fuzz_check.h"

namespace {

namespace json = boost::json;
using switchyard::fuzz::require;

constexpr std::string_view kPublicName = R"("public-\"name\"")";

// Whether the scan may rightly give up: it does when a member's name has an escape or "model"
// is named twice. A parsed object shows neither, so this looks at the text, erring on the
// side of yes: any backslash at all, or "model" in quotes twice anywhere.
bool scan_may_give_up(std::string_view text) {
  return text.find('\\') != std::string_view::npos ||
         text.find("\"model\"") != text.rfind("\"model\"");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string renamed = switchyard::replace_member_value(text, "model", kPublicName);

  json::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    return 0;
  }
  json::object& answer = parsed.as_object();
  if (answer.contains("model") && !scan_may_give_up(text)) {
    require(!renamed.empty(), "a plain answer with a model is renamed in its text");
  }
  if (renamed.empty()) {
    return 0;
  }
  answer["model"] = "public-\"name\"";
  json::error_code renamed_ec;
  const json::value reparsed = json::parse(renamed, renamed_ec);
  require(!renamed_ec, "the renamed text is JSON");
  require(reparsed == parsed, "the renamed text parses to the renamed answer");
  return 0;
}
