#include "providers/provider.h"

#include <memory>

#include <boost/json/parse.hpp>

namespace switchyard::providers {

boost::json::object& ProviderResponse::answer() {
  if (!facts) {
    return body;
  }
  facts.reset();
  if (!arena) {
    arena = std::make_unique<JsonArena>();
  }
  boost::json::error_code ec;
  boost::json::value value = boost::json::parse(text, ec, arena->storage());
  if (!ec && value.is_object()) {
    // Assignment would keep body's own storage and copy the answer out of the arena, so
    // body is made again in place from the parsed object, which keeps the arena's.
    std::destroy_at(&body);
    std::construct_at(&body, std::move(value.as_object()));
  }
  return body;
}

}  // namespace switchyard::providers
