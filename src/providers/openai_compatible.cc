#include "providers/openai_compatible.h"

#include <array>
#include <chrono>
#include <deque>
#include <iterator>
#include <limits>
#include <span>

#include <boost/json.hpp>
#include <fmt/compile.h>
#include <fmt/format.h>

#include "common/json_arena.h"
#include "common/json_members.h"
#include "http/sse.h"
#include "reliability/retry_after.h"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxErrorBody = 1024 * 1024;
constexpr std::size_t kMaxAnswerBody = 64 * 1024 * 1024;
constexpr std::size_t kMaxResponseHeader = 64 * 1024;
constexpr std::size_t kMaxReasonChars = 512;
// What a stream may still send after [DONE] before its connection is given up.
constexpr std::size_t kMaxTrailingBytes = 16 * 1024;

ProviderError make_error(ProviderError::Kind kind, std::string message) {
  ProviderError error;
  error.kind = kind;
  error.message = std::move(message);
  return error;
}

ProviderError from_network_error(const http::beast::error_code& ec, std::string_view during) {
  if (ec == http::beast::error::timeout) {
    return make_error(ProviderError::Kind::kTimeout, fmt::format("timed out {}", during));
  }
  return make_error(ProviderError::Kind::kUnavailable,
                    fmt::format("{} failed: {}", during, ec.message()));
}

// The time left for one read: the idle limit, cut short by the attempt's overall deadline.
http::Millis read_budget(Clock::time_point deadline, http::Millis idle) {
  const auto left = std::chrono::duration_cast<http::Millis>(deadline - Clock::now());
  return std::max(http::Millis(1), std::min(left, idle));
}

// Everything an attempt holds while its response body is read.
struct Attempt {
  explicit Attempt(http::Lease lease_in) : lease(std::move(lease_in)) {
    parser.header_limit(static_cast<std::uint32_t>(kMaxResponseHeader));
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  }

  // Reads the next piece of body into `out` (appending). Returns an error code, or success
  // with nothing appended once the body is complete.
  http::Awaitable<http::beast::error_code> read_piece(std::string& out, http::Millis timeout) {
    const std::span<char> space = lease->body_space();
    auto& body = parser.get().body();
    body.data = space.data();
    body.size = space.size();
    const auto ec = co_await lease->read_some(parser, timeout);
    out.append(space.data(), space.size() - body.size);
    co_return ec;
  }

  http::Awaitable<http::beast::error_code> read_all(std::string& out, std::size_t limit,
                                                    Clock::time_point deadline, http::Millis idle) {
    while (!parser.is_done()) {
      if (auto ec = co_await read_piece(out, read_budget(deadline, idle))) {
        co_return ec;
      }
      if (out.size() > limit) {
        co_return http::beast::error_code(bhttp::error::body_limit);
      }
    }
    if (parser.keep_alive()) {
      lease.keep();
    }
    co_return http::beast::error_code{};
  }

  http::Lease lease;
  http::ResponseParser parser;
};

// Until its first event the stream waits up to the first-byte timeout (a server may send
// its headers at once and its first token only after the prompt is read); after that, up to
// the idle timeout between reads.
class SseChunkStream final : public ChunkStream {
 public:
  SseChunkStream(std::unique_ptr<Attempt> attempt, Clock::time_point deadline,
                 const config::ProviderConfig& config)
      : attempt_(std::move(attempt)),
        deadline_(deadline),
        first_byte_(config.first_byte_timeout),
        idle_(config.idle_timeout) {}

  Awaitable<Chunk> next() override {
    while (events_.empty()) {
      if (attempt_->parser.is_done()) {
        // The body ended without [DONE]. A cleanly finished body is a finished stream.
        done_ = true;
        co_return std::optional<json::object>{};
      }
      piece_.clear();
      const http::Millis wait = started_ ? idle_ : first_byte_;
      if (auto ec = co_await attempt_->read_piece(piece_, read_budget(deadline_, wait))) {
        co_return fail(stream_failure(ec));
      }
      decoded_.clear();
      if (!decoder_.feed(piece_, decoded_)) {
        co_return fail(make_error(ProviderError::Kind::kProtocol, "stream event too large"));
      }
      events_.insert(events_.end(), std::make_move_iterator(decoded_.begin()),
                     std::make_move_iterator(decoded_.end()));
    }
    if (is_done(events_.front())) {
      events_.pop_front();
      started_ = true;
      done_ = true;
      co_return std::optional<json::object>{};
    }
    co_return take_front();
  }

  std::optional<Chunk> take_buffered() override {
    if (events_.empty() || is_done(events_.front())) {
      return std::nullopt;  // next() hands over the end
    }
    return take_front();
  }

  bool has_buffered() const override { return !events_.empty(); }

  // Reads what follows [DONE] (normally just the last HTTP chunk). A short budget of its own,
  // not the idle timeout: an upstream that sends its end and then dawdles costs only its
  // connection, never the client's next request.
  Awaitable<void> finish() override {
    if (!done_) {
      co_return;
    }
    constexpr http::Millis kTrailingBudget{250};
    std::string rest;
    const auto deadline = std::min(deadline_, Clock::now() + kTrailingBudget);
    const auto ec = co_await attempt_->read_all(rest, kMaxTrailingBytes, deadline, kTrailingBudget);
    (void)ec;  // the answer is complete either way; a failure only costs the connection
  }

 private:
  static bool is_done(const http::SseEvent& event) { return event.data == "[DONE]"; }

  // Parses the first buffered event, which is not [DONE], as a chunk.
  Chunk take_front() {
    const http::SseEvent event = std::move(events_.front());
    events_.pop_front();
    started_ = true;
    // The previous chunk is no longer read (see ChunkStream::next), so its memory is reused.
    arena_.release();
    json::error_code ec;
    json::value value = json::parse(event.data, ec, arena_.storage());
    if (ec || !value.is_object()) {
      return fail(make_error(ProviderError::Kind::kProtocol,
                             "the upstream sent a stream chunk that is not a JSON object"));
    }
    if (const auto* error = value.as_object().if_contains("error")) {
      return fail(parse_upstream_error(502, json::serialize(json::object{{"error", *error}})));
    }
    return std::optional<json::object>(std::move(value.as_object()));
  }

  ProviderError stream_failure(const http::beast::error_code& ec) const {
    if (ec == http::beast::error::timeout) {
      return make_error(ProviderError::Kind::kTimeout,
                        started_ ? "the upstream stream stalled"
                                 : "timed out waiting for the upstream's first event");
    }
    return make_error(ProviderError::Kind::kUnavailable,
                      fmt::format("the upstream stream broke off: {}", ec.message()));
  }

  std::unique_ptr<Attempt> attempt_;
  Clock::time_point deadline_;
  http::Millis first_byte_;
  http::Millis idle_;
  bool started_ = false;  // an event has been read
  bool done_ = false;     // [DONE] has been handed over as the end
  http::SseDecoder decoder_;
  std::deque<http::SseEvent> events_;
  // Scratch for one read and the events it completed, kept so that their capacity is reused.
  std::string piece_;
  std::vector<http::SseEvent> decoded_;
  JsonArena arena_;  // the current chunk's values
};

// The request body as JSON text, with `model` in place of the body's own "model" member. The
// members are written one by one so that the client's request is sent without being copied.
std::string serialize_request(const json::object& body, std::string_view model) {
  std::string payload;
  payload.reserve(256);
  json::serializer serializer;
  std::array<char, 4096> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  const auto drain = [&] {
    while (!serializer.done()) {
      payload.append(serializer.read(buffer.data(), buffer.size()));
    }
  };
  payload.append(R"({"model":)");
  serializer.reset(model);
  drain();
  for (const json::key_value_pair& member : body) {
    if (member.key() == "model") {
      continue;
    }
    payload.push_back(',');
    serializer.reset(member.key());
    drain();
    payload.push_back(':');
    serializer.reset(&member.value());
    drain();
  }
  payload.push_back('}');
  return payload;
}

// Members of every object in `object`, itself included, at every depth.
std::size_t members_in(const json::object& object);

std::size_t members_in(const json::value& value) {
  std::size_t count = 0;
  if (const json::object* object = value.if_object()) {
    count += members_in(*object);
  } else if (const json::array* array = value.if_array()) {
    for (const json::value& element : *array) {
      count += members_in(element);
    }
  }
  return count;
}

std::size_t members_in(const json::object& object) {
  std::size_t count = object.size();
  for (const json::key_value_pair& member : object) {
    count += members_in(member.value());
  }
  return count;
}

// The request body to send: the client's own text where the request carries it, with only the
// value of "model" replaced (or none, when it already names `model` as the upstream spells
// it); else the body serialized into `storage`. The text is used only when no object in it
// names a member twice: the gateway checked and scanned the value its parser kept, and an
// upstream whose parser kept the other one would read a request nobody checked.
std::string_view request_payload(const ProviderRequest& request, std::string& storage) {
  const auto span =
      request.body_text.empty() ? std::nullopt : find_member_value(request.body_text, "model");
  if (!span || count_members(request.body_text) != members_in(*request.body)) {
    storage = serialize_request(*request.body, request.model);
    return storage;
  }
  const std::string model = json::serialize(json::string_view(request.model));
  const std::string_view current = request.body_text.substr(span->begin, span->end - span->begin);
  if (current == model) {
    return request.body_text;
  }
  storage = replace_span(request.body_text, *span, model);
  return storage;
}

std::string_view endpoint_path(Endpoint endpoint) {
  return endpoint == Endpoint::kEmbeddings ? "/embeddings" : "/chat/completions";
}

std::string shorten(std::string_view text) {
  return std::string(text.substr(0, kMaxReasonChars));
}

std::optional<std::string> string_field(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    return std::nullopt;
  }
  return std::string(value->as_string());
}

std::string_view header(const bhttp::fields& response, std::string_view name) {
  const auto value = response[name];
  return {value.data(), value.size()};
}

}  // namespace

std::optional<std::chrono::milliseconds> requested_wait(const bhttp::fields& response) {
  const auto now = std::chrono::system_clock::now();
  if (const auto value = header(response, "retry-after"); !value.empty()) {
    return reliability::parse_retry_after(value, now);
  }
  if (const auto value = header(response, "retry-after-ms"); !value.empty()) {
    if (const auto seconds = reliability::parse_retry_after(value, now)) {
      return std::chrono::milliseconds(seconds->count() / 1000);
    }
  }
  // Rate-limit headers: the reset of whichever limit is used up.
  if (header(response, "x-ratelimit-remaining-requests") == "0") {
    return reliability::parse_reset_duration(header(response, "x-ratelimit-reset-requests"));
  }
  if (header(response, "x-ratelimit-remaining-tokens") == "0") {
    return reliability::parse_reset_duration(header(response, "x-ratelimit-reset-tokens"));
  }
  return std::nullopt;
}

ProviderError parse_upstream_error(unsigned status, std::string_view body) {
  ProviderError error = make_error(ProviderError::Kind::kStatus, "");
  error.status = status;
  json::error_code ec;
  const json::value value = json::parse(body, ec);
  const json::object* object = !ec && value.is_object() ? &value.as_object() : nullptr;
  const json::value* inner = object ? object->if_contains("error") : nullptr;
  if (inner != nullptr && inner->is_object()) {
    error.message = string_field(inner->as_object(), "message").value_or("");
    error.code = string_field(inner->as_object(), "code");
    error.param = string_field(inner->as_object(), "param");
  } else if (inner != nullptr && inner->is_string()) {
    error.message = inner->as_string();
  } else if (const json::value* detail = object ? object->if_contains("detail") : nullptr) {
    error.message =
        detail->is_string() ? std::string(detail->as_string()) : json::serialize(*detail);
  }
  if (error.message.empty()) {
    error.message = body.empty() ? "no reason given" : shorten(body);
  }
  error.message = shorten(error.message);
  return error;
}

OpenAiCompatibleProvider::OpenAiCompatibleProvider(http::net::io_context& io_context,
                                                   const config::ProviderConfig& config,
                                                   const http::EndpointCache& endpoints,
                                                   http::net::ssl::context* tls)
    : config_(config),
      pool_(std::make_shared<http::ConnectionPool>(io_context, config, endpoints, tls)) {
  const bool default_port = config_.port == (config_.tls ? 443 : 80);
  fixed_fields_ = fmt::format(
      "Host: {}\r\nContent-Type: application/json\r\n"
      "User-Agent: switchyard/" SWITCHYARD_VERSION "\r\n",
      default_port ? config_.host : fmt::format("{}:{}", config_.host, config_.port));
  if (!config_.api_key.empty()) {
    fixed_fields_ += fmt::format("Authorization: Bearer {}\r\n", config_.api_key);
  }
}

std::string OpenAiCompatibleProvider::make_head(const ProviderRequest& request,
                                                std::size_t body_size) const {
  // The request id was checked when the request arrived (is_acceptable_request_id) and the
  // configured parts when the config was loaded, so no value can break the framing.
  // Formatted on the stack and copied once: formatting into a string grows it several times.
  fmt::memory_buffer head;
  fmt::format_to(
      std::back_inserter(head),
      FMT_COMPILE("POST {}{} HTTP/1.1\r\n{}Accept: {}\r\n{}: {}\r\nContent-Length: {}\r\n\r\n"),
      config_.base_path, endpoint_path(request.endpoint), fixed_fields_,
      request.stream ? "text/event-stream" : "application/json", http::kRequestIdHeader,
      request.request_id, body_size);
  return fmt::to_string(head);
}

Awaitable<Result<ProviderResponse, ProviderError>> OpenAiCompatibleProvider::send(
    ProviderRequest request) {
  const auto deadline = std::min(request.deadline, Clock::now() + config_.request_timeout);
  std::string storage;
  const std::string_view payload = request_payload(request, storage);
  const std::string head = make_head(request, payload.size());

  // A reused connection the upstream closed while idle fails before any response byte; that
  // request never reached the upstream, so one more try on a new connection is safe.
  std::unique_ptr<Attempt> attempt;
  for (bool fresh : {false, true}) {
    auto lease = co_await pool_->acquire(fresh);
    if (!lease) {
      co_return fail(from_network_error(lease.error(), "connecting to the upstream"));
    }
    attempt = std::make_unique<Attempt>(std::move(lease).value());
    const bool reused = attempt->lease->reused;
    auto ec = co_await attempt->lease->write(head, payload,
                                             read_budget(deadline, config_.first_byte_timeout));
    if (!ec) {
      ec = co_await attempt->lease->read_header(attempt->parser,
                                                read_budget(deadline, config_.first_byte_timeout));
    }
    if (!ec) {
      break;
    }
    if (!reused || ec == http::beast::error::timeout) {
      co_return fail(from_network_error(ec, "waiting for the upstream's response"));
    }
  }

  const unsigned status = attempt->parser.get().result_int();
  const std::string_view content_type = attempt->parser.get()[bhttp::field::content_type];
  if (status < 200 || status > 299) {
    std::string body;
    (void)co_await attempt->read_all(body, kMaxErrorBody, deadline, config_.idle_timeout);
    ProviderError error = parse_upstream_error(status, body);
    error.retry_after = requested_wait(attempt->parser.get());
    co_return fail(std::move(error));
  }

  if (request.stream && content_type.starts_with("text/event-stream")) {
    ProviderResponse response;
    response.stream = std::make_unique<SseChunkStream>(std::move(attempt), deadline, config_);
    co_return response;
  }

  std::string body;
  if (auto ec = co_await attempt->read_all(body, kMaxAnswerBody, deadline, config_.idle_timeout)) {
    co_return fail(from_network_error(ec, "reading the upstream's answer"));
  }
  auto facts = read_answer_facts(body);
  if (!facts) {
    co_return fail(
        make_error(ProviderError::Kind::kProtocol, "the upstream's answer is not a JSON object"));
  }
  if (request.stream) {
    // Asked for a stream, got a whole JSON answer: an error in disguise, or a server that
    // ignores "stream". Either way the client cannot be given a stream from it.
    ProviderError error = parse_upstream_error(502, body);
    error.kind = ProviderError::Kind::kProtocol;
    co_return fail(std::move(error));
  }
  ProviderResponse response{.text = std::move(body), .facts = facts};
  co_return response;
}

}  // namespace switchyard::providers
