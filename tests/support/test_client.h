// A blocking HTTP/1.1 client for tests: plain requests, and streamed responses read chunk by
// chunk with the time each piece arrived.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace switchyard::testing {

struct TestResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  // For streamed responses: each piece of body as it arrived, with its arrival time.
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> pieces;

  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct TestRequest {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  std::map<std::string, std::string> headers;
};

// Sends one request on a new connection and reads the whole response. Throws on transport
// errors (so a test fails loudly rather than asserting on an empty response).
TestResponse send_request(std::uint16_t port, const TestRequest& request);

// Convenience: POST a JSON body.
TestResponse post_json(std::uint16_t port, const std::string& target, const std::string& body,
                       std::map<std::string, std::string> headers = {});

// The `data:` payloads of an SSE body, in order.
std::vector<std::string> sse_data(const std::string& body);

// Writes raw bytes to a new connection and returns whatever the server sends back before it
// closes the connection or `wait` passes.
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds wait);

}  // namespace switchyard::testing
