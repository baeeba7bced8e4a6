// POST /v1/chat/completions: validate, apply the privacy policy, rewrite the model name,
// forward, and relay the answer whole or as a stream with placeholders restored, capturing
// usage either way.
#include <array>
#include <functional>

#include <boost/json.hpp>

#include "api/admission.h"
#include "api/privacy_guard.h"
#include "api/proxy.h"
#include "api/route_chooser.h"
#include "api/routing.h"
#include "api/validation.h"
#include "http/sse.h"
#include "privacy/restorer.h"

namespace switchyard::api {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kDone = "data: [DONE]\n\n";
constexpr std::size_t kSerializeStep = 1024;  // bytes serialized per step of an event

bool wants_stream(const json::object& body) {
  const auto* stream = body.if_contains("stream");
  return stream != nullptr && stream->is_bool() && stream->as_bool();
}

bool client_wants_usage(const json::object& body) {
  const auto* options = body.if_contains("stream_options");
  const auto* include =
      options && options->is_object() ? options->as_object().if_contains("include_usage") : nullptr;
  return include != nullptr && include->is_bool() && include->as_bool();
}

// Usage is always asked of the upstream so every stream can be accounted for; the client
// only sees it when it asked too.
void request_stream_usage(PreparedRequest& prepared) {
  prepared.body_text = {};
  json::value& options = prepared.body["stream_options"];
  if (!options.is_object()) {
    options = json::object{};
  }
  options.as_object()["include_usage"] = true;
}

std::optional<ApiError> check_features(const config::ModelConfig& model, const json::object& body,
                                       bool stream) {
  if (stream && !model.has(config::Capability::kStreaming)) {
    return unsupported(model.name, "streaming", "stream");
  }
  const auto* tools = body.if_contains("tools");
  if (tools != nullptr && tools->is_array() && !tools->as_array().empty() &&
      !model.has(config::Capability::kTools)) {
    return unsupported(model.name, "tools", "tools");
  }
  const auto* format = body.if_contains("response_format");
  if (format != nullptr && format->is_object() && format->as_object().at("type") == "json_schema" &&
      !model.has(config::Capability::kJsonSchema)) {
    return unsupported(model.name, "JSON schema output", "response_format");
  }
  return std::nullopt;
}

// Appends `chunk` to `out` as one event, serialized in place. Serialized JSON holds no line
// breaks (they are escaped inside strings), so the event is a single data line.
void append_json_event(std::string& out, const json::object& chunk) {
  out.append("data: ");
  json::serializer serializer;
  serializer.reset(&chunk);
  std::array<char, kSerializeStep> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  while (!serializer.done()) {
    out.append(serializer.read(buffer.data(), buffer.size()));
  }
  out.append("\n\n");
}

// Appends one upstream chunk as the client gets it: the public model name, usage noted and
// shown only when asked for. Nothing is appended when the chunk has nothing left for the
// client.
void append_client_event(std::string& out, json::object& chunk, const config::ModelConfig& model,
                         bool forward_usage, std::optional<Usage>& usage) {
  if (auto found = read_usage(chunk)) {
    usage = found;
  }
  if (!forward_usage) {
    const auto* choices = chunk.if_contains("choices");
    const bool usage_only = choices != nullptr && choices->is_array() &&
                            choices->as_array().empty() && chunk.contains("usage");
    if (usage_only) {
      return;
    }
    chunk.erase("usage");
  }
  chunk["model"] = model.name;
  append_json_event(out, chunk);
}

// A stream whose first chunk was already read: gives that one, then the rest.
class PrefetchedStream final : public providers::ChunkStream {
 public:
  PrefetchedStream(providers::ChunkStream& rest, std::optional<json::object> first)
      : rest_(rest), first_(std::move(first)), ended_(!first_) {}

  providers::Awaitable<Chunk> next() override {
    if (auto chunk = take_buffered()) {
      co_return std::move(*chunk);
    }
    if (ended_) {
      co_return std::optional<json::object>{};
    }
    co_return co_await rest_.next();
  }

  std::optional<Chunk> take_buffered() override {
    if (first_) {
      std::optional<json::object> chunk = std::move(first_);
      first_.reset();
      return Chunk(std::move(chunk));
    }
    return ended_ ? std::nullopt : rest_.take_buffered();
  }

  bool has_buffered() const override { return first_.has_value() || rest_.has_buffered(); }

  providers::Awaitable<void> finish() override { co_await rest_.finish(); }

 private:
  providers::ChunkStream& rest_;
  std::optional<json::object> first_;
  bool ended_;  // the stream ended before any chunk
};

// What relay_stream needs besides the exchange and the stream.
struct Relay {
  const config::ModelConfig& model;
  bool forward_usage = false;
  const Explanation& explanation;    // the privacy and route headers
  privacy::ChunkRestorer& restorer;  // puts values back where placeholders come back
  // Called at the clean end of the upstream's stream, before the client is sent its end, so
  // that what the request spent is settled by the time the client sees it finish.
  std::function<void()> on_complete;
};

// Appends what the restorer still holds as one more event, if it holds anything.
void append_held_text(std::string& out, Relay& relay, std::optional<Usage>& usage) {
  if (auto rest = relay.restorer.finish()) {
    append_client_event(out, *rest, relay.model, relay.forward_usage, usage);
  }
}

// Relays chunks as they arrive. Chunks that arrived together leave in one write (nothing
// waits for more), which saves a syscall and a wake-up of the client per chunk. Once the
// first byte has gone out the status cannot change, so a failure after that point is
// reported as a final error event, never as a clean end.
http::Awaitable<std::string_view> relay_stream(http::Exchange& exchange,
                                               providers::ChunkStream& stream, Relay relay,
                                               std::optional<Usage>& usage, std::int64_t& relayed) {
  const config::ModelConfig& model = relay.model;
  http::ResponseHead head(bhttp::status::ok);
  head.add(bhttp::field::content_type, "text/event-stream")
      .add(bhttp::field::cache_control, "no-cache")
      .add(kModelHeader, model.name);
  add_explanation(head, relay.explanation);
  exchange.start_stream(std::move(head));
  std::string outgoing;
  while (true) {
    auto buffered = stream.take_buffered();
    if (!buffered) {
      buffered.emplace(co_await stream.next());
    }
    providers::ChunkStream::Chunk& chunk = *buffered;
    if (!chunk) {
      const ApiError error = from_provider_error(chunk.error(), model.provider);
      append_held_text(outgoing, relay, usage);
      outgoing += http::encode_sse_data(http::error_body(error));
      co_await exchange.finish_stream(outgoing);
      co_return "stream_failed";
    }
    if (!chunk->has_value()) {
      relay.on_complete();
      append_held_text(outgoing, relay, usage);
      outgoing += kDone;
      const bool finished = co_await exchange.finish_stream(outgoing);
      co_await stream.finish();
      co_return finished ? "ok" : "client_gone";
    }
    ++relayed;
    relay.restorer.restore(**chunk);
    append_client_event(outgoing, **chunk, model, relay.forward_usage, usage);
    if (stream.has_buffered()) {
      continue;
    }
    if (!co_await exchange.write_chunk(outgoing)) {
      co_return "client_gone";
    }
    outgoing.clear();
  }
}

// Fallbacks that lack what this request uses cannot answer it.
void keep_capable(PreparedRequest& prepared, bool stream) {
  const config::ModelConfig* asked = prepared.model;
  std::erase_if(prepared.targets, [&](const Target& target) {
    return target.model != asked && check_features(*target.model, prepared.body, stream);
  });
}

// Everything decided before a request is sent: how it is streamed, what the privacy guard
// found, and what the limits admitted it with.
struct ChatPlan {
  bool stream = false;
  bool forward_usage = false;
  PrivacyScan guard;
  limits::Demand demand;
  limits::Ticket ticket;
};

// The targets of a request that names a model: it and its capable fallbacks, those the privacy
// policy allows.
std::optional<ApiError> direct_targets(PreparedRequest& prepared, const PrivacyScan& guard,
                                       bool stream) {
  if (auto problem = check_features(*prepared.model, prepared.body, stream)) {
    return problem;
  }
  keep_capable(prepared, stream);
  keep_permitted(prepared, guard);
  if (prepared.targets.empty()) {
    return kept_local(guard.decision, *prepared.model);
  }
  return std::nullopt;
}

// Decides everything up to sending: targets (routed or named), privacy, limits. Nothing
// refused here has reached a provider.
Result<ChatPlan, ApiError> plan_chat(PreparedRequest& prepared, const ProxyContext& context,
                                     const http::Request& request, const config::KeyConfig* key,
                                     const router::RouteChoice* choice) {
  ChatPlan plan;
  plan.stream = wants_stream(prepared.body);
  plan.forward_usage = plan.stream && client_wants_usage(prepared.body);
  if (plan.stream) {
    request_stream_usage(prepared);
  }
  plan.guard = scan_privacy(prepared, context, request);
  if (plan.guard.refusal) {
    return fail(*plan.guard.refusal);
  }
  auto problem = prepared.model == nullptr
                     ? route_request(prepared, context, plan.guard, key, plan.stream, choice)
                     : direct_targets(prepared, plan.guard, plan.stream);
  if (problem) {
    return fail(std::move(*problem));
  }
  plan.demand = estimate_demand(prepared.body, *prepared.model);
  auto ticket = admit(context, key, prepared, plan.demand);
  if (!ticket) {
    return fail(std::move(ticket).error());
  }
  plan.ticket = std::move(ticket).value();
  return plan;
}

// Answers a delivered stream: the first chunk was read while attempts could still change
// where the request went, so it goes out first.
http::Awaitable<void> answer_stream(http::Exchange& exchange, const PreparedRequest& prepared,
                                    Delivery& delivery, const privacy::Vault& vault, ChatPlan& plan,
                                    Clock::time_point started) {
  const config::ModelConfig& model = *prepared.targets[delivery.target].model;
  std::optional<Usage> usage;
  privacy::ChunkRestorer restorer(vault);
  std::int64_t relayed = 0;
  bool settled = false;
  auto settle_now = [&] {
    settle(plan.ticket, model, usage, plan.demand, relayed);
    settled = true;
  };
  const Relay relay{.model = model,
                    .forward_usage = plan.forward_usage,
                    .explanation = prepared.explanation,
                    .restorer = restorer,
                    .on_complete = settle_now};
  PrefetchedStream stream(*delivery.response.stream, std::move(delivery.first_chunk));
  const auto outcome = co_await relay_stream(exchange, stream, relay, usage, relayed);
  // A stream the client left is billed for what it was sent; one that failed is not a
  // completion, and its reservation is given back.
  if (!settled && outcome == "client_gone") {
    settle_now();
  }
  log_request(exchange, &model, outcome, usage, started, prepared.explanation);
}

}  // namespace

http::Awaitable<void> handle_chat_completions(http::Exchange& exchange, const ProxyContext& context,
                                              const config::KeyConfig* key) {
  const auto started = Clock::now();
  auto prepared = prepare_request(exchange.request(), context, validate_chat_request,
                                  config::Capability::kChat);
  if (!prepared) {
    co_await respond_error(exchange, prepared.error());
    co_return;
  }
  // The route model is asked first, so that the routes can be matched without waiting.
  std::optional<router::RouteChoice> choice;
  const std::string_view alias = prepared->body.at("model").as_string();
  if (prepared->model == nullptr && has_described_routes(context.config, alias)) {
    choice = co_await choose_route(context, alias, prepared->body, exchange.request_id());
  }
  auto plan = plan_chat(*prepared, context, exchange.request(), key, choice ? &*choice : nullptr);
  if (!plan) {
    co_await respond_error(exchange, plan.error(), prepared->explanation);
    log_request(exchange, prepared->model, *plan.error().code, std::nullopt, started,
                prepared->explanation);
    co_return;
  }
  TargetBodies bodies(*prepared, plan->guard, context);
  auto body_for = [&](std::size_t target) { return bodies.body(target); };
  auto delivery =
      co_await forward(exchange, *prepared, context, providers::Endpoint::kChatCompletions,
                       plan->stream, started, body_for);
  if (!delivery) {
    co_return;
  }
  const config::ModelConfig& answered = *prepared->targets[delivery->target].model;
  if (!plan->stream) {
    providers::ProviderResponse& response = delivery->response;
    settle(plan->ticket, answered, read_usage(response), plan->demand, 0);
    // The answer is built only to put values back, and if it was, its text no longer says it.
    const privacy::Vault& vault = bodies.vault(delivery->target);
    const bool edited = !vault.empty() && privacy::restore_answer(response.answer(), vault);
    co_await respond_with_answer(exchange, answered, std::move(response), edited, started,
                                 prepared->explanation);
    co_return;
  }
  co_await answer_stream(exchange, *prepared, *delivery, bodies.vault(delivery->target), *plan,
                         started);
}

}  // namespace switchyard::api
