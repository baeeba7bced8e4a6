// Pieces of OpenAI's wire format shared by the fake upstream's routes: the answer a route
// computes, error bodies, fault names and word counting. Internal to the fake upstream.
//
// Everything here is a pure function of its arguments, so it is safe from any thread.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace switchyard::testing::fake {

// The behaviour a request's model name asks for; see fake_upstream.h for the names. Parts
// joined with '+' combine, e.g. "tokens-60+stream-cut-40".
struct Fault {
  // What the answer says.
  std::optional<uint32_t> error;        // error-<status>: that HTTP status
  std::string_view error_code;          // context-length, content-policy: a 400 with this code
  std::optional<uint32_t> retry_after;  // retry-after-<s>: sent with the error
  std::optional<uint32_t> tokens;       // tokens-<n>
  std::optional<uint32_t> echo;         // echo-<n>
  std::optional<uint32_t> bad_json_at;  // bad-json-<n>: stream event n (from 1) is not JSON
  // error-event-<n>: stream event n (from 1) is an error object, as OpenAI sends when it fails
  // mid-stream, and the stream ends there
  std::optional<uint32_t> error_event_at;
  bool no_done = false;     // no-done: the stream ends without [DONE]
  bool pick_route = false;  // pick-route: answer as a route model
  bool pretty = false;      // pretty: a whole answer's JSON is indented, one member a line
  // How it is delivered.
  uint32_t delay_ms = 0;               // delay-<ms>: before the headers
  uint32_t chunk_delay_ms = 0;         // chunk-delay-<ms>: between stream events
  uint32_t end_delay_ms = 0;           // end-delay-<ms>: after the last event, before the body ends
  std::optional<uint32_t> stream_cut;  // stream-cut-<n>: drop the connection after n + 1 events
  std::optional<uint32_t> stall_after;  // stall-<n>-<ms>: pause for stall_ms after n events
  uint32_t stall_ms = 0;
  bool hang = false;   // hang: never answer
  bool reset = false;  // reset: close the connection (RST) before any byte of an answer
  // fail-first-<n>: only the first n requests with this model name get the failures above;
  // later ones get a healthy answer (still shaped by tokens, echo and chunk-delay).
  std::optional<uint32_t> fail_first;

  bool operator==(const Fault&) const = default;
  // Whether any part makes the answer fail or misbehave (everything but tokens, echo and
  // chunk-delay).
  bool fails() const;
  // The same fault without its failing parts.
  Fault healthy() const;
};

// A name with a part that does not parse (including "error-200" or "delay-x") is no fault.
Fault parse_fault(std::string_view model);

// A complete HTTP answer, computed before the first byte is written so that the connection
// only has to deliver it and apply the timing faults.
struct Answer {
  unsigned status = 200;
  std::string body;                 // the JSON body, unless streaming
  std::vector<std::string> events;  // when streaming: each one framed as "data: ...\n\n"
  bool streaming = false;
  std::optional<uint32_t> retry_after;  // seconds, sent as Retry-After
  Fault fault;  // delay, hang, reset, stream cut, stall or chunk delay to apply on delivery
};

// The fields of an OpenAI error body. Empty param or code are sent as null.
struct ApiError {
  ApiError(unsigned status, std::string message) : status(status), message(std::move(message)) {}

  unsigned status;
  std::string message;
  std::string_view type = "invalid_request_error";
  std::string_view param;
  std::string_view code;
};

Answer json_answer(const boost::json::value& body);
Answer error_answer(const ApiError& error);

// A 400 invalid_request_error blaming one request field.
Answer invalid_param(std::string message, std::string_view param);

// The error OpenAI sends for an HTTP status, with the type and code it uses for it.
Answer status_error_answer(unsigned status);

// Number of whitespace-separated words in text.
uint64_t count_words(std::string_view text);

// Words of text split on spaces, as views into text; runs of spaces give no empty words.
std::vector<std::string_view> split_words(std::string_view text);

// Frames one server-sent event.
std::string sse_event(std::string_view data);

// A JSON value written as some servers write their answers: two-space indents, one member or
// element a line, a space after each colon, and a final newline.
std::string pretty_json(const boost::json::value& value);

}  // namespace switchyard::testing::fake
