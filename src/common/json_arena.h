// JSON arenas: the memory of one short-lived JSON document (a request body, an answer, a
// stream chunk) taken from one block instead of one heap allocation per object, array and
// string.
//
// Thread-safety: an arena belongs to the values built in it; like them, use it from one
// thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <type_traits>

#include <boost/json/memory_resource.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/storage_ptr.hpp>

namespace switchyard {
class JsonArena;
}  // namespace switchyard

// What lets Boost.JSON skip destroying documents built with JsonArena::storage(). Declared
// before the class, whose storage() is where Boost.JSON looks it up.
template <>
struct boost::json::is_deallocate_trivial<switchyard::JsonArena> : std::true_type {};

namespace switchyard {

// An arena its owner keeps: documents are built with storage(), a handle that does not own
// the arena. Boost.JSON neither counts references to such a handle nor, since the arena frees
// nothing before its end, walks a document to destroy it, so a document costs less to build
// and nothing to destroy. The owner must keep the arena until the documents are no longer
// read; destroying one afterwards is safe, because that touches nothing.
class JsonArena final : public boost::json::memory_resource {
 public:
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): first_block_ is left uninitialized
  JsonArena() : arena_(first_block_.data(), first_block_.size()) {}
  JsonArena(const JsonArena&) = delete;
  JsonArena& operator=(const JsonArena&) = delete;

  boost::json::storage_ptr storage() { return boost::json::storage_ptr(this); }

  // Frees every block but the first, for the next document. Nothing built before may be read
  // afterwards. The resource is made anew rather than released: Boost.JSON 1.81's release()
  // keeps the size of the next block, which doubles with every block taken, so an arena
  // reused for many documents that outgrow the first block asked for ever larger blocks
  // until an allocation failed (after some thirty stream chunks of 64 KiB).
  void release() {
    std::destroy_at(&arena_);
    std::construct_at(&arena_, first_block_.data(), first_block_.size());
  }

 private:
  // Enough for a stream chunk or a short answer with room to spare.
  static constexpr std::size_t kFirstBlockBytes = 4096;

  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    return arena_.allocate(bytes, alignment);
  }
  void do_deallocate(void* /*pointer*/, std::size_t /*bytes*/, std::size_t /*alignment*/) override {
  }
  bool do_is_equal(const boost::json::memory_resource& other) const noexcept override {
    return this == &other;
  }

  // Left uninitialized: the arena hands out only bytes its users write first.
  alignas(std::max_align_t) std::array<unsigned char, kFirstBlockBytes> first_block_;
  boost::json::monotonic_resource arena_;
};

// A new arena, shared by every value built with it and freed with the last of them, for a
// document whose owner is not known where it is built. Its first few kilobytes come with it,
// so a small document costs one allocation in all; a larger one grows in blocks. Nothing is
// given back before the end, so an arena suits a document that is built once and edited
// little, not one that is rewritten in a loop.
boost::json::storage_ptr make_json_arena();

}  // namespace switchyard
