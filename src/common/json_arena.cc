#include "common/json_arena.h"

#include <array>
#include <cstddef>

#include <boost/json/monotonic_resource.hpp>

namespace switchyard {
namespace {

namespace json = boost::json;

// Enough for a stream chunk or a short answer with room to spare.
constexpr std::size_t kFirstBlockBytes = 4096;

// A monotonic resource whose first block is part of the same allocation.
class InlineArena final : public json::memory_resource {
 public:
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): first_block_ is left uninitialized
  InlineArena() : arena_(first_block_.data(), first_block_.size()) {}

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    return arena_.allocate(bytes, alignment);
  }
  void do_deallocate(void* /*pointer*/, std::size_t /*bytes*/, std::size_t /*alignment*/) override {
  }
  bool do_is_equal(const json::memory_resource& other) const noexcept override {
    return this == &other;
  }

  // Left uninitialized: the arena hands out only bytes its users write first.
  alignas(std::max_align_t) std::array<unsigned char, kFirstBlockBytes> first_block_;
  json::monotonic_resource arena_;
};

}  // namespace

json::storage_ptr make_json_arena() {
  return json::make_shared_resource<InlineArena>();
}

}  // namespace switchyard
