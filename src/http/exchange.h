// Exchange: one request on a client connection and the means to answer it, either whole or
// as a stream of chunks. Handlers receive one per request.
//
// Thread-safety: an Exchange belongs to the I/O thread of its connection; use it only from
// coroutines running there. It is valid until the handler's coroutine returns.
#pragma once

#include <string>
#include <string_view>

#include "http/response_head.h"
#include "http/types.h"

namespace switchyard::http {

class Session;

class Exchange {
 public:
  Exchange(Session& session, Request& request, std::string request_id)
      : session_(session), request_(request), request_id_(std::move(request_id)) {}

  const Request& request() const { return request_; }
  Request& request() { return request_; }
  const std::string& request_id() const { return request_id_; }

  // Sends a complete response. x-request-id, Content-Length and the keep-alive decision are
  // filled in here. Returns false when the client could not be written to.
  Awaitable<bool> respond(ResponseHead head, std::string body);
  Awaitable<bool> respond(Response response);

  // Starts a chunked response with the given status and headers (x-request-id is added).
  // Nothing is written yet: the header leaves with the first chunk, or with the end, so that
  // a stream costs one write fewer. A client that is gone is noticed at that write.
  void start_stream(ResponseHead head);
  // Sends one chunk of a started stream; an empty chunk is skipped.
  Awaitable<bool> write_chunk(std::string_view data);
  // Ends a started stream: `last` as a final chunk unless it is empty, then the terminating
  // zero-length chunk, in one write.
  Awaitable<bool> finish_stream(std::string_view last = {});

  bool responded() const { return responded_; }
  // Whether writing to the client failed; the connection is then closed after the handler.
  bool client_gone() const { return client_gone_; }

 private:
  Awaitable<bool> write_stream_bytes();

  Session& session_;
  Request& request_;
  std::string request_id_;
  // The bytes of the stream's next write: the held-back header, then chunks. Kept between
  // writes so that its capacity is reused.
  std::string wire_;
  bool responded_ = false;
  bool client_gone_ = false;
};

// A handler answers every request the server reads. The server creates one handler per I/O
// thread, so a handler's state needs no locking.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual Awaitable<void> handle(Exchange& exchange) = 0;
};

}  // namespace switchyard::http
