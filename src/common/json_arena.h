// JSON arenas: the memory of one short-lived JSON document (a request body, an answer, a
// stream chunk) taken from one block instead of one heap allocation per object, array and
// string.
//
// Thread-safety: an arena belongs to the values built in it; like them, use it from one
// thread at a time.
#pragma once

#include <boost/json/storage_ptr.hpp>

namespace switchyard {

// A new arena, shared by every value built with it and freed with the last of them. Its first
// few kilobytes come with it, so a small document costs one allocation in all; a larger one
// grows in blocks. Nothing is given back before the end, so an arena suits a document that is
// built once and edited little, not one that is rewritten in a loop.
boost::json::storage_ptr make_json_arena();

}  // namespace switchyard
