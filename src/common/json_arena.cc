#include "common/json_arena.h"

namespace switchyard {

boost::json::storage_ptr make_json_arena() {
  return boost::json::make_shared_resource<JsonArena>();
}

}  // namespace switchyard
