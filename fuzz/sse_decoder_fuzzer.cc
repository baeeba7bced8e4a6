// Fuzzes http::SseDecoder, which reads every streamed answer an upstream sends.
//
// Oracles:
//   - pieces: the input fed whole and in pieces of 1, 3 and 7 bytes yields the same events,
//     the same verdict on the size limit and the same partial state, with the default limit
//     and with a small one that the input can cross;
//   - round trip: each decoded event's data, framed again by encode_sse_data, decodes to one
//     event with the same data.
// The events that are JSON objects then go, as chunks of a stream, through the ChunkRestorer
// that puts pseudonymized values back, which must take any chunk an upstream sends.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "fuzz/fuzz_check.h"
#include "http/sse.h"
#include "privacy/restorer.h"
#include "privacy/vault.h"

namespace {

using switchyard::fuzz::require;
using switchyard::http::SseDecoder;
using switchyard::http::SseEvent;

constexpr std::size_t kSmallLimit = 64;

struct Decoded {
  std::vector<SseEvent> events;
  bool within_limit = true;
  bool partial = false;
};

bool same_events(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data) {
      return false;
    }
  }
  return true;
}

// Feeds `bytes` in pieces of `piece` bytes (all at once when 0), stopping at the first
// piece the decoder refuses, as the stream reader does.
Decoded decode(std::string_view bytes, std::size_t piece, std::size_t limit) {
  SseDecoder decoder(limit);
  Decoded out;
  const std::size_t step = piece == 0 ? bytes.size() : piece;
  for (std::size_t at = 0; at < bytes.size() && out.within_limit; at += step) {
    out.within_limit = decoder.feed(bytes.substr(at, step), out.events);
  }
  out.partial = decoder.has_partial_event();
  return out;
}

void check_pieces(std::string_view bytes, std::size_t limit) {
  const Decoded whole = decode(bytes, 0, limit);
  for (const std::size_t piece : {1, 3, 7}) {
    const Decoded split = decode(bytes, piece, limit);
    require(same_events(whole.events, split.events), "events do not depend on the pieces");
    require(whole.within_limit == split.within_limit, "the limit does not depend on the pieces");
    if (whole.within_limit) {
      require(whole.partial == split.partial, "the partial state does not depend on pieces");
    }
  }
  if (!whole.within_limit) {
    return;
  }
  for (const SseEvent& event : whole.events) {
    const std::string framed = switchyard::http::encode_sse_data(event.data);
    const Decoded again = decode(framed, 0, framed.size() + 1);
    require(again.events.size() == 1 && again.events[0].data == event.data &&
                again.events[0].event.empty() && !again.partial,
            "encode_sse_data frames one event that decodes to the same data");
  }
}

const switchyard::privacy::Vault& sample_vault() {
  static const switchyard::privacy::Vault vault = [] {
    switchyard::privacy::Vault out;
    out.placeholder_for(switchyard::privacy::EntityType::kPerson, "Jane Doe");
    out.placeholder_for(switchyard::privacy::EntityType::kEmail, "jane@example.com");
    return out;
  }();
  return vault;
}

void restore_chunks(const std::vector<SseEvent>& events) {
  switchyard::privacy::ChunkRestorer restorer(sample_vault());
  for (const SseEvent& event : events) {
    boost::json::error_code ec;
    boost::json::value chunk = boost::json::parse(event.data, ec);
    if (!ec && chunk.is_object()) {
      restorer.restore(chunk.get_object());
    }
  }
  restorer.finish();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_pieces(bytes, kSmallLimit);
  check_pieces(bytes, SseDecoder::kDefaultMaxEventBytes);
  restore_chunks(decode(bytes, 0, SseDecoder::kDefaultMaxEventBytes).events);
  return 0;
}
