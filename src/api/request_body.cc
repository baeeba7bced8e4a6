#include "api/request_body.h"

#include <cmath>
#include <optional>
#include <variant>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "common/json_arena.h"

namespace switchyard::api {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;

// A value over a bound, and where it is: the path is collected innermost first while the
// check unwinds, so that a body within bounds costs no path strings at all.
struct OutOfBounds {
  std::size_t string_bytes = 0;  // 0: a number that is not finite
  std::vector<std::variant<std::string_view, std::size_t>> path;

  // In the notation validation uses: messages[0].content.
  std::string path_text() const {
    std::string out;
    for (auto step = path.rbegin(); step != path.rend(); ++step) {
      if (const auto* key = std::get_if<std::string_view>(&*step)) {
        out += out.empty() ? std::string(*key) : fmt::format(".{}", *key);
      } else {
        out += fmt::format("[{}]", std::get<std::size_t>(*step));
      }
    }
    return out;
  }
};

using Check = std::optional<OutOfBounds>;

// Recursion is bounded by the parser's depth limit, which the config caps far below what the
// stack holds.
class BoundsCheck {
 public:
  explicit BoundsCheck(std::size_t max_string_bytes) : max_string_bytes_(max_string_bytes) {}

  Check value(const json::value& value) const {
    switch (value.kind()) {
      case json::kind::string:
        return string(value.get_string().size());
      case json::kind::double_:
        if (!std::isfinite(value.get_double())) {
          return OutOfBounds{};
        }
        return std::nullopt;
      case json::kind::array:
        return array(value.get_array());
      case json::kind::object:
        return object(value.get_object());
      default:
        return std::nullopt;
    }
  }

  Check object(const json::object& object) const {
    for (const auto& [key, item] : object) {
      Check problem = string(key.size());
      if (!problem) {
        problem = value(item);
      }
      if (problem) {
        problem->path.emplace_back(std::string_view(key));
        return problem;
      }
    }
    return std::nullopt;
  }

 private:
  Check array(const json::array& array) const {
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (Check problem = value(array[i])) {
        problem->path.emplace_back(i);
        return problem;
      }
    }
    return std::nullopt;
  }

  Check string(std::size_t size) const {
    if (size <= max_string_bytes_) {
      return std::nullopt;
    }
    return OutOfBounds{.string_bytes = size};
  }

  std::size_t max_string_bytes_;
};

ApiError out_of_bounds(const OutOfBounds& problem, const config::ServerConfig& limits) {
  const std::string path = problem.path_text();
  if (problem.string_bytes == 0) {
    return invalid_field(path, "is a number too large to represent");
  }
  return {.status = bhttp::status::bad_request,
          .message = fmt::format("'{}' is a string of {} bytes, over the limit of {} bytes "
                                 "(max_json_string_bytes)",
                                 path, problem.string_bytes, limits.max_json_string_bytes),
          .code = "json_limit_exceeded",
          .param = path};
}

}  // namespace

Result<json::object, ApiError> parse_body(std::string_view body,
                                          const config::ServerConfig& limits) {
  json::parse_options options;
  options.max_depth = limits.max_json_depth;
  json::error_code ec;
  json::value value = json::parse(body, ec, make_json_arena(), options);
  if (ec == json::error::too_deep) {
    return fail(ApiError{.status = bhttp::status::bad_request,
                         .message = fmt::format("the body nests deeper than the limit of {} "
                                                "levels (max_json_depth)",
                                                limits.max_json_depth),
                         .code = "json_limit_exceeded"});
  }
  if (ec) {
    return fail(invalid_json(ec.message()));
  }
  if (!value.is_object()) {
    return fail(invalid_json("the body must be a JSON object"));
  }
  if (const Check problem = BoundsCheck(limits.max_json_string_bytes).object(value.get_object())) {
    return fail(out_of_bounds(*problem, limits));
  }
  return std::move(value.get_object());
}

}  // namespace switchyard::api
