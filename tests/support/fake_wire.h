// Pieces of OpenAI's wire format shared by the fake upstream's routes: the answer a route
// computes, error bodies, fault names and word counting. Internal to the fake upstream.
//
// Everything here is a pure function of its arguments, so it is safe from any thread.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace switchyard::testing::fake {

// A behaviour the request's model name asks for; see fake_upstream.h for the names.
struct Fault {
  enum class Kind { kNone, kError, kDelay, kStreamCut, kHang, kTokens, kChunkDelay, kEcho };
  Kind kind = Kind::kNone;
  uint32_t value = 0;  // the status, milliseconds or count the name carries
};

// Names that do not parse as a fault (including "error-200" or "delay-x") are kNone.
Fault parse_fault(std::string_view model);

// A complete HTTP answer, computed before the first byte is written so that the connection
// only has to deliver it and apply the timing faults.
struct Answer {
  unsigned status = 200;
  std::string body;                 // the JSON body, unless streaming
  std::vector<std::string> events;  // when streaming: each one framed as "data: ...\n\n"
  bool streaming = false;
  bool retry_after = false;  // send "Retry-After: 1"
  Fault fault;               // delay, hang, stream cut or chunk delay to apply on delivery
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

}  // namespace switchyard::testing::fake
