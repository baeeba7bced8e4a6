// A fake OpenAI-compatible upstream for tests and benchmarks.
//
// FakeUpstream is an HTTP/1.1 (optionally HTTPS) server that answers the three routes the
// gateway proxies, in OpenAI's wire format:
//
//   POST /v1/chat/completions   non-streaming, streaming (SSE), tool calls
//   POST /v1/embeddings         float arrays or base64 float32
//   GET  /v1/models             one model, "fake-model"
//
// The request's `model` field selects faults to inject, so a test can provoke upstream
// failures without any configuration. Parts joined with '+' combine ("tokens-60+stream-cut-40"):
//
//   error-<status>     answer with that HTTP status and an OpenAI error body (400..599)
//   retry-after-<s>    with an error: send "Retry-After: <s>" (a 429 sends 1 by default)
//   context-length     a 400 context_length_exceeded, as OpenAI words it
//   content-policy     a 400 content_policy_violation, as OpenAI words it
//   delay-<ms>         wait before sending the response headers
//   reset              close the connection with a TCP reset instead of answering
//   stream-cut-<n>     streaming: send the role chunk and n more, then drop the connection
//   stall-<n>-<ms>     streaming: after n events, pause for ms before the rest
//   bad-json-<n>       streaming: event n (from 1) is not valid JSON
//   no-done            streaming: end the body cleanly without "data: [DONE]"
//   hang               read the request and never answer
//   tokens-<n>         reply with the n words "w0 w1 ... w<n-1>"
//   chunk-delay-<ms>   streaming: wait between chunks
//   echo-<n>           reply with the text of the last user message, streamed in pieces of
//                      n bytes (never splitting a UTF-8 sequence), so that a test sees what
//                      the upstream was sent come back split at arbitrary points
//   pretty             a whole answer's JSON is indented, one member a line, as some servers
//                      send it
//   pick-route         answer a request whose response_format schema is {"route": enum} as a
//                      route model does: {"route": X}, X the first enum value that is a word
//                      of the last user message, else the last enum value
//   fail-first-<n>     the failures above apply to the first n requests naming this model;
//                      later ones are answered normally ("error-500+fail-first-1")
//
// A name with a part that does not parse, and any other model name, gets a normal answer.
// set_outage(true) makes every request fail with 503 until set_outage(false). Token counts are word
// counts: prompt_tokens is the number of whitespace-separated words in the messages' text,
// completion_tokens the number of reply words sent (for a tool call, the words of its arguments
// string).
//
// Connections are kept alive and never time out. A request whose headers exceed 64 KiB or
// whose body exceeds 64 MiB is not answered: the connection is closed.
//
// Example:
//
//   switchyard::testing::FakeUpstreamOptions options;
//   options.api_key = "sk-test";
//   switchyard::testing::FakeUpstream upstream(options);
//   upstream.start();
//   // point a provider at upstream.base_url(), send requests...
//   EXPECT_EQ(upstream.requests().size(), 1);
//
// Thread safety: start(), stop() and the destructor must not race with each other. port(),
// base_url(), requests() and clear_requests() may be called from any thread while running.

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace switchyard::testing {

struct FakeUpstreamOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the kernel picks a free port, read it back with port()
  int threads = 1;    // I/O threads, each with its own io_context
  // If non-empty, every request must carry "Authorization: Bearer <api_key>" or gets a 401.
  std::string api_key;
  std::string reply = "This is a fake reply.";
  // Both set: serve HTTPS with this PEM certificate chain and private key.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Keep a copy of every request for requests(). Benchmarks turn this off.
  bool record = true;
};

struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-cased names; repeats joined by ", "
  std::string body;
};

class FakeUpstream {
 public:
  explicit FakeUpstream(FakeUpstreamOptions options = {});
  ~FakeUpstream();  // stops

  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  // Binds the listening socket and starts the I/O threads. Throws on failure (address in use,
  // unreadable certificate, already running).
  void start();

  // Closes the listener and every open connection, including hanging ones, and joins the
  // threads. Idempotent. The server may be started again afterwards (on a new port if the
  // options asked for port 0).
  void stop();

  // The bound port. REQUIRES: start() succeeded.
  uint16_t port() const;

  // "http://HOST:PORT/v1" (https with TLS), the base URL a provider config wants.
  std::string base_url() const;

  // A copy of the requests received so far, oldest first. A request is recorded once it is
  // read, before its answer is sent, so delayed and hanging requests show up too.
  std::vector<RecordedRequest> requests() const;
  void clear_requests();

  // While on, every chat and embeddings request is answered 503. Any thread.
  void set_outage(bool on);

  // Connections open now (a client that hangs up mid-answer is counted out once the write
  // that finds it gone has failed). Any thread.
  int open_connections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::testing
