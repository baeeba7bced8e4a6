// Fuzzes a client connection's bytes up to the point where a request would be forwarded, as
// far as that goes without sockets: Session's read loop (Beast's parser under the server's
// limits, pipelined requests on one connection), the hygiene rules, routing by method and
// path as Gateway does, and for the proxied routes parse_body, the endpoint's validation and
// the model lookup.
//
// The limits are the server's own rules with small values (a 1 KiB header, a 2 KiB body,
// 256-byte JSON strings), so that inputs of fuzzing size can reach each of them.
//
// Oracles:
//   - pieces: the bytes delivered whole and 1 and 7 bytes at a time, as reads from a socket
//     may arrive, are read as the same requests, refused or kept alive alike;
//   - answers: every error answer is a well-formed HTTP response with OpenAI's error body,
//     whatever bytes of the request it quotes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/request_body.h"
#include "api/validation.h"
#include "config/config.h"
#include "fuzz/fuzz_check.h"
#include "http/error_response.h"
#include "http/request_hygiene.h"

namespace {

namespace http = switchyard::http;
namespace json = boost::json;
namespace bhttp = http::bhttp;
namespace beast = http::beast;
using switchyard::fuzz::require;

constexpr std::size_t kMaxRequestsPerConnection = 4;
constexpr std::string_view kModelsPrefix = "/v1/models/";

switchyard::config::Config make_config() {
  using switchyard::config::Capability;
  switchyard::config::Config config;
  config.server.max_header_bytes = 1024;
  config.server.max_body_bytes = 2048;
  config.server.max_json_string_bytes = 256;
  auto flags = [](std::initializer_list<Capability> list) {
    std::uint8_t out = 0;
    for (const Capability capability : list) {
      out |= static_cast<std::uint8_t>(capability);
    }
    return out;
  };
  config.models.push_back({.name = "chat",
                           .provider = "fake",
                           .upstream_model = "fake-model",
                           .capabilities = flags({Capability::kChat, Capability::kStreaming})});
  config.models.push_back({.name = "embed",
                           .provider = "fake",
                           .upstream_model = "fake-embed",
                           .capabilities = flags({Capability::kEmbeddings})});
  return config;
}

const switchyard::config::Config& config() {
  static const switchyard::config::Config instance = make_config();
  return instance;
}

// What a route made of a request: its status (0: forwarded, with the body as it would go
// upstream) and the error's code.
struct Answer {
  unsigned status = 0;
  std::string code;
  std::string forwarded;
};

// What the read loop made of one request: refused with a status and code, or read whole (the
// request as text) and answered, with whether the connection stays open after it. A parse
// error's code is not kept: see serve().
struct Read {
  unsigned refused = 0;
  std::string code;
  std::string request;
  bool keep_alive = false;

  friend bool operator==(const Read&, const Read&) = default;
};

std::string as_text(const http::Request& request) {
  std::string out = fmt::format("{} {} {}\n", std::string_view(request.method_string()),
                                std::string_view(request.target()), request.version());
  for (const auto& field : request) {
    out += fmt::format("{}: {}\n", std::string_view(field.name_string()),
                       std::string_view(field.value()));
  }
  return out + request.body();
}

// An error answer's response must be HTTP that a client can read back, with OpenAI's body.
void check_error_response(const http::ErrorInfo& error) {
  http::Response response = http::make_error_response(error);
  response.prepare_payload();
  std::ostringstream wire;
  wire << response;
  const std::string text = wire.str();
  bhttp::response_parser<bhttp::string_body> parser;
  beast::error_code ec;
  parser.eager(true);
  parser.put(boost::asio::buffer(text), ec);
  require(!ec && parser.is_done(), "an error response is well-formed HTTP");
  require(parser.get().result() == error.status, "an error response keeps its status");
  json::error_code json_ec;
  const json::value body = json::parse(parser.get().body(), json_ec);
  require(!json_ec && body.is_object() && body.as_object().contains("error") &&
              body.at("error").at("message") == json::value(error.message),
          "an error body is OpenAI's shape with the message");
}

Answer error_answer(const http::ErrorInfo& error) {
  check_error_response(error);
  return {.status = static_cast<unsigned>(error.status), .code = error.code.value_or("")};
}

// The bytes of one connection, handed out `piece` bytes at a time (all at once when 0) into
// a buffer of at most `limit` bytes, as Session's reads fill its bounded buffer.
class Wire {
 public:
  Wire(std::string_view bytes, std::size_t piece, std::size_t limit)
      : bytes_(bytes), piece_(piece == 0 ? bytes.size() : piece), limit_(limit) {}

  // Ok, or end_of_stream when no bytes are left, or buffer_overflow when the buffer is full.
  beast::error_code deliver() {
    if (delivered_ == bytes_.size()) {
      return bhttp::error::end_of_stream;
    }
    if (buffer_.size() >= limit_) {
      return bhttp::error::buffer_overflow;
    }
    const std::string_view next =
        bytes_.substr(delivered_, std::min(piece_, limit_ - buffer_.size()));
    buffer_.append(next);
    delivered_ += next.size();
    return {};
  }

  std::string& buffer() { return buffer_; }

 private:
  std::string_view bytes_;
  std::size_t piece_;
  std::size_t limit_;
  std::size_t delivered_ = 0;
  std::string buffer_;
};

// What a read that could take no more bytes returns, as Beast's reads do: the end of the
// stream is a partial message once some bytes were parsed.
beast::error_code stopped(http::RequestParser& parser, beast::error_code why) {
  if (why != bhttp::error::end_of_stream || !parser.got_some()) {
    return why;
  }
  beast::error_code ec;
  parser.put_eof(ec);
  return ec ? ec : bhttp::error::partial_message;
}

// Puts bytes into the parser until it has the header (or the whole request), taking more
// from the wire whenever it needs them, as async_read_header and async_read do; counts the
// bytes the parser consumed into `consumed`.
beast::error_code read(http::RequestParser& parser, Wire& wire, bool header_only,
                       std::size_t& consumed) {
  while (header_only ? !parser.is_header_done() : !parser.is_done()) {
    std::string& buffer = wire.buffer();
    if (buffer.empty()) {
      if (const auto why = wire.deliver()) {
        return stopped(parser, why);
      }
    }
    beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(buffer), ec);
    buffer.erase(0, used);
    consumed += used;
    if (ec == bhttp::error::need_more || (!ec && used == 0)) {
      if (const auto why = wire.deliver()) {
        return stopped(parser, why);
      }
      continue;
    }
    if (ec) {
      return ec;
    }
  }
  return {};
}

Answer proxied(const http::Request& request, bool chat) {
  const auto& limits = config().server;
  auto body = switchyard::api::parse_body(request.body(), limits);
  if (!body) {
    return error_answer(body.error());
  }
  auto problem = chat ? switchyard::api::validate_chat_request(*body)
                      : switchyard::api::validate_embeddings_request(*body);
  if (problem) {
    return error_answer(*problem);
  }
  const auto* model = config().find_model(body->at("model").as_string());
  const auto required =
      chat ? switchyard::config::Capability::kChat : switchyard::config::Capability::kEmbeddings;
  if (model == nullptr || !model->has(required)) {
    return {.status = model == nullptr ? 404U : 400U};
  }
  (*body)["model"] = model->upstream_model;
  return {.forwarded = json::serialize(*body)};
}

// Gateway::route, without keys: the answer a request gets, or what would be forwarded.
Answer route(const http::Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const bool get = request.method() == bhttp::verb::get;
  const bool post = request.method() == bhttp::verb::post;
  if (path == "/healthz" || path == "/readyz") {
    return {.status = 200};
  }
  if (path == "/v1/chat/completions" || path == "/v1/embeddings") {
    return post ? proxied(request, path == "/v1/chat/completions") : Answer{.status = 405};
  }
  if (path == "/v1/models" || path.starts_with(kModelsPrefix)) {
    if (!get) {
      return {.status = 405};
    }
    const bool known =
        path == "/v1/models" || config().find_model(path.substr(kModelsPrefix.size())) != nullptr;
    return {.status = known ? 200U : 404U};
  }
  return {.status = 404};
}

// Which error a request is refused with can depend on how its bytes arrived, not only on
// which bytes: Beast parses a header line by line only on its first attempt and waits for the
// whole header on later ones (so one bad line can be a bad field, a header over the limit or
// a message cut short), and it counts each retry of an unfinished chunk header against the
// body limit again. For those only the refusal itself is compared.
Read refused(const http::ErrorInfo& refusal, const beast::error_code& ec,
             const http::RequestParser& parser) {
  const bool header_stage =
      !parser.is_header_done() || refusal.status == bhttp::status::request_header_fields_too_large;
  const bool chunk_retries =
      parser.chunked() && (ec == bhttp::error::body_limit || ec == bhttp::error::buffer_overflow);
  if (header_stage || chunk_retries || ec == bhttp::error::partial_message) {
    return {.refused = 400};
  }
  return {.refused = static_cast<unsigned>(refusal.status),
          .code = ec ? "" : refusal.code.value_or("")};
}

// Session's loop over one connection: each request read and checked until one is refused,
// asks to close, or the bytes run out. With `answered`, each request read is also routed
// and its answer recorded there.
std::vector<Read> serve(std::string_view bytes, std::size_t piece, std::vector<Answer>* answered) {
  const auto& server = config().server;
  Wire wire(bytes, piece, http::read_buffer_limit(server));
  std::vector<Read> reads;
  while (reads.size() < kMaxRequestsPerConnection) {
    if (wire.buffer().empty() && wire.deliver()) {
      break;
    }
    http::RequestParser parser;
    http::apply_limits(parser, server);
    std::size_t header_bytes = 0;
    auto ec = read(parser, wire, true, header_bytes);
    std::optional<http::ErrorInfo> refusal;
    if (!ec) {
      refusal = http::check_request_header(parser.get(), header_bytes, server);
    }
    std::size_t body_bytes = 0;
    if (!ec && !refusal) {
      ec = read(parser, wire, false, body_bytes);
    }
    if (ec == bhttp::error::end_of_stream) {
      break;
    }
    if (ec) {
      refusal = http::read_error(ec, server);
    }
    if (refusal) {
      if (answered != nullptr) {
        check_error_response(*refusal);
      }
      reads.push_back(refused(*refusal, ec, parser));
      break;
    }
    const http::Request request = parser.release();
    reads.push_back({.request = as_text(request), .keep_alive = request.keep_alive()});
    if (answered != nullptr) {
      answered->push_back(route(request));
    }
    if (!request.keep_alive()) {
      break;
    }
  }
  return reads;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<Answer> answers;
  const std::vector<Read> whole = serve(bytes, 0, &answers);
  for (const std::size_t piece : {1, 7}) {
    require(serve(bytes, piece, nullptr) == whole, "requests do not depend on how bytes arrive");
  }
  return 0;
}
