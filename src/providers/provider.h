// Provider: where a model's requests are answered. One implementation per wire protocol
// (openai_compatible now; the in-process local tier and other APIs later). The gateway speaks
// OpenAI's JSON shapes internally, so every provider takes and returns those.
//
// Thread-safety: a Provider instance belongs to one I/O thread (see Registry).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "common/json_arena.h"
#include "common/result.h"
#include "http/types.h"
#include "providers/answer_facts.h"

namespace switchyard::providers {

template <class T = void>
using Awaitable = http::Awaitable<T>;

// Why an attempt failed, in terms the API layer maps onto client errors.
struct ProviderError {
  enum class Kind {
    kUnavailable,  // could not connect, resolve, or the connection broke
    kTimeout,      // a deadline passed
    kProtocol,     // the upstream answered something that is not valid for the protocol
    kStatus,       // the upstream answered with an HTTP error status
    kOverloaded,   // the provider has no capacity now; retry after retry_after
  };
  Kind kind = Kind::kUnavailable;
  unsigned status = 0;               // for kStatus
  std::string message;               // the upstream's reason, or what went wrong
  std::optional<std::string> code;   // the upstream's error code, if it gave one
  std::optional<std::string> param;  // the upstream's error param, if it gave one
  // How long the upstream asked us to wait (Retry-After or its rate-limit reset headers).
  std::optional<std::chrono::milliseconds> retry_after;
};

// A streamed answer, pulled chunk by chunk.
class ChunkStream {
 public:
  // A chunk (an OpenAI chat.completion.chunk object), nullopt at the clean end of the stream,
  // or why the stream failed.
  using Chunk = Result<std::optional<boost::json::object>, ProviderError>;

  virtual ~ChunkStream() = default;
  // The next chunk. After an error or the end, do not call again. A chunk may live in memory
  // the stream reuses: it is valid until the next call of next() or take_buffered()
  // (destroying it later is safe), so copy what must outlive that.
  virtual Awaitable<Chunk> next() = 0;

  // The next chunk if it has already arrived and needs no waiting to hand over, without
  // starting a coroutine; otherwise nullopt, and next() is the way on. Most chunks of a fast
  // stream arrive several to a read, and a coroutine per chunk is a good part of their cost.
  virtual std::optional<Chunk> take_buffered() { return std::nullopt; }

  // Whether next() can answer at once from what has already arrived, so a caller may batch
  // what it sends on.
  virtual bool has_buffered() const = 0;

  // After the clean end: reads what the upstream still sends after its last event, for a
  // short while at most, so that its connection can be used again. Called once the client has
  // been sent its end, so that this wait is never the client's; without it the connection is
  // simply not reused.
  virtual Awaitable<void> finish() { co_return; }
};

enum class Endpoint { kChatCompletions, kEmbeddings };

// A request body as it goes to one target (see ProviderRequest::body and body_text).
struct RequestBody {
  const boost::json::object* object = nullptr;
  std::string_view text;
};

struct ProviderRequest {
  Endpoint endpoint = Endpoint::kChatCompletions;
  // The OpenAI request body, not owned: the caller keeps it until send() has returned. It is
  // usually the client's validated request itself, so that a request is never copied to be
  // sent. Its "model" member is ignored: `model` is sent in its place.
  const boost::json::object* body = nullptr;
  // The JSON text `body` was parsed from, while `body` is that text's parse unedited; empty
  // otherwise. Lets a provider send the request as the client wrote it.
  std::string_view body_text;
  std::string_view model;  // the model name the upstream knows
  bool stream = false;
  std::string request_id;
  // The request's overall deadline; an attempt ends by then even when its provider's own
  // timeouts are longer.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

struct ProviderResponse {
  // What `body` lives in when the provider parsed it, so that the answer costs nothing to
  // destroy. Declared first so that it goes last; a body moved out of the response must not
  // be read after the response is gone.
  std::unique_ptr<JsonArena> arena;
  boost::json::object body;  // a whole answer, when not streaming; read it through answer()
  std::string text;          // that answer as the upstream wrote it, if it did
  // Set, and `body` left empty, by a provider that only read the facts of `text`: most
  // answers are sent on as they came and never need building.
  std::optional<AnswerFacts> facts;
  std::unique_ptr<ChunkStream> stream;  // a streamed answer

  // A response moves by construction only. Assigning one to another would free the target's
  // arena (and stream, where a prefetched chunk may live) while its body still points there.
  struct ConstructOnly {
    ConstructOnly() = default;
    ConstructOnly(ConstructOnly&&) = default;
    ConstructOnly& operator=(ConstructOnly&&) = delete;
  } construct_only;

  // The whole answer, built from `text` (in `arena`) the first time when only its facts were
  // read; `facts` is then cleared, as `body` holds everything they said.
  boost::json::object& answer();
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual Awaitable<Result<ProviderResponse, ProviderError>> send(ProviderRequest request) = 0;
};

}  // namespace switchyard::providers
