#include "providers/local.h"

#include <chrono>
#include <deque>
#include <json-schema-to-grammar.h>
#include <json.h>
#include <mutex>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "common/base64.h"
#include "common/request_id.h"
#include "local/text_stream.h"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
namespace net = boost::asio;
using local::GenerationEvent;

// What an engine thread sends, waiting on the I/O thread for the coroutine to take it.
// Only the I/O thread touches a Mailbox; the engine reaches it through post().
template <class T>
struct Mailbox {
  explicit Mailbox(net::io_context& io_context) : wake(io_context) {}

  std::deque<T> items;
  net::steady_timer wake;

  // The next item, or nothing when `deadline` passes first.
  Awaitable<std::optional<T>> take(std::chrono::steady_clock::time_point deadline) {
    while (items.empty()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        co_return std::nullopt;
      }
      wake.expires_at(deadline);
      co_await wake.async_wait(net::as_tuple(net::use_awaitable));
    }
    T item = std::move(items.front());
    items.pop_front();
    co_return item;
  }
};

using Inbox = Mailbox<GenerationEvent>;

ProviderError deadline_passed() {
  ProviderError error;
  error.kind = ProviderError::Kind::kTimeout;
  error.message = "the local model had not finished when the request's deadline passed";
  return error;
}

}  // namespace

// Engine threads post to an I/O thread only through its gate. The gate closes when the
// thread's provider goes away, which at shutdown is before the io_context is destroyed, so
// an engine that is still finishing a step cannot post into a dead io_context.
class IoThreadGate {
 public:
  explicit IoThreadGate(net::io_context& io_context) : io_context_(io_context) {}

  template <class F>
  void post(F&& function) {
    const std::lock_guard lock(mutex_);
    if (open_) {
      net::post(io_context_, std::forward<F>(function));
    }
  }

  void close() {
    const std::lock_guard lock(mutex_);
    open_ = false;
  }

 private:
  std::mutex mutex_;
  net::io_context& io_context_;
  bool open_ = true;
};

namespace {

// A callback for the engine thread that delivers into `mailbox` on the I/O thread, or
// drops the item if the mailbox is gone (its request ended) or the thread is shutting down.
template <class T>
std::function<void(T)> deliver_to(const std::shared_ptr<IoThreadGate>& gate,
                                  const std::shared_ptr<Mailbox<T>>& mailbox) {
  return [gate, weak = std::weak_ptr<Mailbox<T>>(mailbox)](T item) {
    gate->post([weak, item = std::move(item)]() mutable {
      if (auto target = weak.lock()) {
        target->items.push_back(std::move(item));
        target->wake.cancel();
      }
    });
  };
}

std::string message_text(const json::value& content) {
  if (content.is_string()) {
    return std::string(content.as_string());
  }
  std::string text;
  if (content.is_array()) {
    for (const auto& part : content.as_array()) {
      const auto* object = part.if_object();
      const auto* value = object ? object->if_contains("text") : nullptr;
      if (value != nullptr && value->is_string()) {
        text += value->as_string();
      }
    }
  }
  return text;
}

std::vector<local::ChatMessage> read_messages(const json::object& body) {
  std::vector<local::ChatMessage> messages;
  for (const auto& item : body.at("messages").as_array()) {
    const auto& message = item.as_object();
    const auto* content = message.if_contains("content");
    messages.push_back({std::string(message.at("role").as_string()),
                        content != nullptr ? message_text(*content) : std::string()});
  }
  return messages;
}

float number(const json::object& body, std::string_view key, float fallback) {
  const auto* value = body.if_contains(key);
  return value != nullptr && value->is_number() ? value->to_number<float>() : fallback;
}

local::SamplingParams read_sampling(const json::object& body) {
  local::SamplingParams params;
  params.temperature = number(body, "temperature", params.temperature);
  params.top_p = number(body, "top_p", params.top_p);
  params.top_k = static_cast<std::int32_t>(number(body, "top_k", static_cast<float>(params.top_k)));
  params.min_p = number(body, "min_p", params.min_p);
  params.repeat_penalty = number(body, "repetition_penalty", params.repeat_penalty);
  params.frequency_penalty = number(body, "frequency_penalty", params.frequency_penalty);
  params.presence_penalty = number(body, "presence_penalty", params.presence_penalty);
  if (const auto* seed = body.if_contains("seed"); seed != nullptr && seed->is_number()) {
    params.seed = static_cast<std::uint32_t>(seed->to_number<std::int64_t>());
  }
  return params;
}

std::vector<std::string> read_stop(const json::object& body) {
  const auto* stop = body.if_contains("stop");
  if (stop == nullptr || stop->is_null()) {
    return {};
  }
  if (stop->is_string()) {
    return {std::string(stop->as_string())};
  }
  std::vector<std::string> out;
  for (const auto& item : stop->as_array()) {
    out.emplace_back(item.as_string());
  }
  return out;
}

// -1 unless the request asked for logprobs; then how many alternatives per token.
std::int32_t read_top_logprobs(const json::object& body) {
  const auto* wanted = body.if_contains("logprobs");
  if (wanted == nullptr || !wanted->is_bool() || !wanted->as_bool()) {
    return -1;
  }
  const auto* top = body.if_contains("top_logprobs");
  return top != nullptr && top->is_number() ? static_cast<std::int32_t>(top->to_number<double>())
                                            : 0;
}

json::object logprob_entry(const std::string& token, float logprob) {
  json::array bytes;
  for (const char c : token) {
    bytes.emplace_back(static_cast<std::uint8_t>(c));
  }
  json::object entry;
  entry["token"] = local::to_valid_utf8(token);
  entry["logprob"] = logprob;
  entry["bytes"] = std::move(bytes);
  return entry;
}

// OpenAI's {"content": [...]} for the tokens behind one piece of text.
json::value logprobs_json(const std::vector<local::TokenLogprob>& tokens) {
  json::array content;
  for (const auto& token : tokens) {
    json::object entry = logprob_entry(token.token, token.logprob);
    json::array top;
    for (const auto& [text, logprob] : token.top) {
      top.push_back(logprob_entry(text, logprob));
    }
    entry["top_logprobs"] = std::move(top);
    content.push_back(std::move(entry));
  }
  json::object out;
  out["content"] = std::move(content);
  return out;
}

std::int32_t read_max_tokens(const json::object& body) {
  for (const auto* key : {"max_completion_tokens", "max_tokens"}) {
    if (const auto* value = body.if_contains(key); value != nullptr && value->is_number()) {
      return static_cast<std::int32_t>(value->to_number<std::int64_t>());
    }
  }
  return 0;
}

ProviderError invalid(std::string message, std::string code) {
  ProviderError error;
  error.kind = ProviderError::Kind::kStatus;
  error.status = 400;
  error.message = std::move(message);
  error.code = std::move(code);
  return error;
}

// The grammar that response_format asks for: any JSON object for json_object, the schema's
// language for json_schema, nothing for text. A schema llama.cpp cannot turn into a grammar
// is the client's error.
Result<std::string, ProviderError> read_grammar(const json::object& body) {
  const auto* format = body.if_contains("response_format");
  if (format == nullptr || !format->is_object()) {
    return std::string();
  }
  const auto& type = format->as_object().at("type");
  std::string schema;
  if (type == "json_object") {
    schema = R"({"type":"object"})";
  } else if (type == "json_schema") {
    const auto* inner = format->as_object().at("json_schema").as_object().if_contains("schema");
    schema = inner != nullptr ? json::serialize(*inner) : R"({"type":"object"})";
  } else {
    return std::string();
  }
  try {
    return json_schema_to_grammar(common_json::parse(schema));
  } catch (const std::exception& error) {
    return fail(invalid(fmt::format("the JSON schema cannot be enforced: {}", error.what()),
                        "invalid_value"));
  }
}

ProviderError submit_failure(local::SubmitError reason, std::size_t prompt, std::uint32_t limit) {
  if (reason == local::SubmitError::kQueueFull) {
    ProviderError error;
    error.kind = ProviderError::Kind::kOverloaded;
    error.message = "every sequence of the local model is busy and its queue is full";
    error.retry_after = std::chrono::seconds(1);
    return error;
  }
  if (reason == local::SubmitError::kEmptyPrompt) {
    return invalid("the prompt is empty", "invalid_value");
  }
  if (reason == local::SubmitError::kInvalidGrammar) {
    return invalid("the output constraint could not be compiled", "invalid_value");
  }
  return invalid(
      fmt::format("the prompt has {} tokens; this model's context holds {}", prompt, limit),
      "context_length_exceeded");
}

json::object usage_object(const GenerationEvent& done) {
  json::object usage;
  usage["prompt_tokens"] = done.prompt_tokens;
  usage["completion_tokens"] = done.completion_tokens;
  usage["total_tokens"] = done.prompt_tokens + done.completion_tokens;
  // OpenAI's field for prompt tokens served from a cache: here, those a sequence still held.
  usage["prompt_tokens_details"] = json::object{{"cached_tokens", done.cached_tokens}};
  return usage;
}

// Shapes chunks the way OpenAI's streams do: role first, content pieces, the finish reason,
// then a usage chunk with no choices.
class LocalChunkStream final : public ChunkStream {
 public:
  LocalChunkStream(std::shared_ptr<Inbox> inbox, std::shared_ptr<local::Generation> generation,
                   std::string model, std::chrono::steady_clock::time_point deadline)
      : inbox_(std::move(inbox)),
        generation_(std::move(generation)),
        deadline_(deadline),
        id_("chatcmpl-" + make_request_id()),
        model_(std::move(model)),
        created_(std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count()) {
    json::object delta;
    delta["role"] = "assistant";
    delta["content"] = "";
    ready_.push_back(chunk(std::move(delta)));
  }

  bool has_buffered() const override { return !ready_.empty() || !inbox_->items.empty(); }

  // Dropping the stream (client gone, or the answer read whole) frees the engine's slot.
  ~LocalChunkStream() override { generation_->cancel(); }

  Awaitable<Result<std::optional<json::object>, ProviderError>> next() override {
    while (ready_.empty()) {
      if (finished_) {
        co_return std::optional<json::object>{};
      }
      std::optional<GenerationEvent> next = co_await inbox_->take(deadline_);
      if (!next) {
        generation_->cancel();
        co_return fail(deadline_passed());
      }
      GenerationEvent event = std::move(*next);
      if (event.kind == GenerationEvent::Kind::kError) {
        ProviderError error;
        error.kind = ProviderError::Kind::kUnavailable;
        error.message = std::move(event.text);
        co_return fail(std::move(error));
      }
      if (event.kind == GenerationEvent::Kind::kText) {
        json::object delta;
        delta["content"] = event.text;
        json::object text_chunk = chunk(std::move(delta));
        if (!event.logprobs.empty()) {
          text_chunk["choices"].as_array()[0].as_object()["logprobs"] =
              logprobs_json(event.logprobs);
        }
        ready_.push_back(std::move(text_chunk));
        continue;
      }
      finished_ = true;
      ready_.push_back(chunk(json::object{}, json::value(event.finish_reason)));
      json::object usage = base();
      usage["choices"] = json::array{};
      usage["usage"] = usage_object(event);
      ready_.push_back(std::move(usage));
    }
    json::object next_chunk = std::move(ready_.front());
    ready_.pop_front();
    co_return std::optional<json::object>(std::move(next_chunk));
  }

 private:
  json::object base() const {
    json::object object;
    object["id"] = id_;
    object["object"] = "chat.completion.chunk";
    object["created"] = created_;
    object["model"] = model_;
    return object;
  }

  json::object chunk(json::object delta, json::value finish = nullptr) const {
    json::object choice;
    choice["index"] = 0;
    choice["delta"] = std::move(delta);
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = std::move(finish);
    json::object object = base();
    object["choices"] = json::array{std::move(choice)};
    return object;
  }

  std::shared_ptr<Inbox> inbox_;
  std::shared_ptr<local::Generation> generation_;
  std::chrono::steady_clock::time_point deadline_;  // the request's; the stream fails after it
  std::string id_;
  std::string model_;
  std::int64_t created_;
  std::deque<json::object> ready_;
  bool finished_ = false;
};

// Reads a stream to its end and folds it into one chat.completion object.
Awaitable<Result<json::object, ProviderError>> collect(ChunkStream& stream) {
  std::string content;
  json::value finish_reason = nullptr;
  json::array logprobs;
  bool has_logprobs = false;
  json::object answer;
  while (true) {
    auto chunk = co_await stream.next();
    if (!chunk) {
      co_return fail(std::move(chunk).error());
    }
    if (!chunk->has_value()) {
      break;
    }
    json::object& object = **chunk;
    if (answer.empty()) {
      answer["id"] = object["id"];
      answer["object"] = "chat.completion";
      answer["created"] = object["created"];
      answer["model"] = object["model"];
    }
    if (auto* usage = object.if_contains("usage")) {
      answer["usage"] = std::move(*usage);
    }
    for (auto& choice : object["choices"].as_array()) {
      const auto& delta = choice.as_object().at("delta").as_object();
      if (const auto* text = delta.if_contains("content"); text != nullptr && text->is_string()) {
        content += text->as_string();
      }
      if (auto& part = choice.as_object()["logprobs"]; part.is_object()) {
        has_logprobs = true;
        for (auto& entry : part.as_object()["content"].as_array()) {
          logprobs.push_back(std::move(entry));
        }
      }
      if (!choice.as_object().at("finish_reason").is_null()) {
        finish_reason = choice.as_object().at("finish_reason");
      }
    }
  }
  json::object message;
  message["role"] = "assistant";
  message["content"] = content;
  json::object choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  if (has_logprobs) {
    json::object part;
    part["content"] = std::move(logprobs);
    choice["logprobs"] = std::move(part);
  } else {
    choice["logprobs"] = nullptr;
  }
  choice["finish_reason"] = std::move(finish_reason);
  answer["choices"] = json::array{std::move(choice)};
  co_return answer;
}

// The inputs of an embeddings request as token lists: a string, strings, a token list or
// token lists, as OpenAI accepts them.
std::vector<std::vector<local::Token>> read_inputs(const json::value& input,
                                                   const local::LocalEngine& engine) {
  std::vector<std::vector<local::Token>> out;
  auto tokens_of = [](const json::array& list) {
    std::vector<local::Token> tokens;
    for (const auto& item : list) {
      tokens.push_back(static_cast<local::Token>(item.to_number<std::int64_t>()));
    }
    return tokens;
  };
  if (input.is_string()) {
    out.push_back(engine.tokenize(input.as_string()));
    return out;
  }
  const auto& list = input.as_array();
  if (!list.empty() && list.front().is_number()) {
    out.push_back(tokens_of(list));
    return out;
  }
  for (const auto& item : list) {
    out.push_back(item.is_string() ? engine.tokenize(item.as_string())
                                   : tokens_of(item.as_array()));
  }
  return out;
}

json::value encode_vector(const std::vector<float>& vector, bool base64) {
  if (base64) {
    // OpenAI's base64 form is the raw little-endian float32 bytes; x86-64 is little-endian.
    return json::value(base64_encode(std::string_view(reinterpret_cast<const char*>(vector.data()),
                                                      vector.size() * sizeof(float))));
  }
  json::array values;
  values.reserve(vector.size());
  for (const float value : vector) {
    values.emplace_back(static_cast<double>(value));
  }
  return values;
}

json::object embeddings_body(local::EmbeddingResult result, const json::object& request,
                             std::string_view model) {
  const auto* format = request.if_contains("encoding_format");
  const bool base64 = format != nullptr && *format == "base64";
  json::array data;
  for (std::size_t i = 0; i < result.vectors.size(); ++i) {
    json::object item;
    item["object"] = "embedding";
    item["index"] = i;
    item["embedding"] = encode_vector(result.vectors[i], base64);
    data.push_back(std::move(item));
  }
  json::object usage;
  usage["prompt_tokens"] = result.prompt_tokens;
  usage["total_tokens"] = result.prompt_tokens;
  json::object body;
  body["object"] = "list";
  body["data"] = std::move(data);
  body["model"] = model;
  body["usage"] = std::move(usage);
  return body;
}

}  // namespace

Awaitable<Result<ProviderResponse, ProviderError>> LocalProvider::embed(
    const ProviderRequest& request) {
  local::Embedder* embedder = engine_->embedder();
  if (embedder == nullptr) {
    co_return fail(invalid(fmt::format("the model '{}' does not serve embeddings", model_.name),
                           "unsupported_feature"));
  }
  const auto* dimensions = request.body->if_contains("dimensions");
  if (dimensions != nullptr && dimensions->is_number() &&
      dimensions->to_number<std::int64_t>() != embedder->dimensions()) {
    co_return fail(invalid(fmt::format("the model '{}' makes embeddings of {} dimensions only",
                                       model_.name, embedder->dimensions()),
                           "invalid_value"));
  }
  auto inputs = read_inputs(request.body->at("input"), *engine_);
  for (const auto& tokens : inputs) {
    if (tokens.empty() || tokens.size() > embedder->max_input_tokens()) {
      co_return fail(invalid(fmt::format("an input has {} tokens; this model embeds 1 to {}",
                                         tokens.size(), embedder->max_input_tokens()),
                             "context_length_exceeded"));
    }
  }
  auto mailbox = std::make_shared<Mailbox<local::EmbeddingResult>>(io_context_);
  if (!embedder->submit(std::move(inputs), deliver_to(gate_, mailbox))) {
    co_return fail(submit_failure(local::SubmitError::kQueueFull, 0, 0));
  }
  std::optional<local::EmbeddingResult> done = co_await mailbox->take(request.deadline);
  if (!done) {
    co_return fail(deadline_passed());
  }
  local::EmbeddingResult result = std::move(*done);
  if (!result.error.empty()) {
    ProviderError error;
    error.kind = ProviderError::Kind::kUnavailable;
    error.message = result.error;
    co_return fail(std::move(error));
  }
  ProviderResponse response;
  response.body = embeddings_body(std::move(result), *request.body, request.model);
  co_return response;
}

LocalProvider::LocalProvider(http::net::io_context& io_context, const config::ModelConfig& model,
                             std::shared_ptr<local::LocalEngine> engine)
    : io_context_(io_context),
      model_(model),
      engine_(std::move(engine)),
      gate_(std::make_shared<IoThreadGate>(io_context)) {}

LocalProvider::~LocalProvider() {
  gate_->close();
}

Awaitable<Result<ProviderResponse, ProviderError>> LocalProvider::send(ProviderRequest request) {
  if (request.endpoint == Endpoint::kEmbeddings) {
    co_return co_await embed(request);
  }
  auto prompt = engine_->format_chat(read_messages(*request.body));
  if (!prompt) {
    co_return fail(invalid(prompt.error(), "invalid_value"));
  }
  auto grammar = read_grammar(*request.body);
  if (!grammar) {
    co_return fail(std::move(grammar).error());
  }
  local::GenerationRequest generation{.prompt = engine_->tokenize(*prompt),
                                      .sampling = read_sampling(*request.body),
                                      .max_tokens = read_max_tokens(*request.body),
                                      .stop = read_stop(*request.body),
                                      .grammar = std::move(grammar).value(),
                                      .top_logprobs = read_top_logprobs(*request.body),
                                      .adapter = model_.adapter};
  const std::size_t prompt_tokens = generation.prompt.size();
  auto inbox = std::make_shared<Inbox>(io_context_);
  auto handle = engine_->submit(std::move(generation), deliver_to(gate_, inbox));
  if (!handle) {
    co_return fail(submit_failure(handle.error(), prompt_tokens, engine_->context_per_sequence()));
  }
  auto stream = std::make_unique<LocalChunkStream>(inbox, std::move(handle).value(),
                                                   std::string(request.model), request.deadline);
  ProviderResponse response;
  if (request.stream) {
    response.stream = std::move(stream);
    co_return response;
  }
  auto answer = co_await collect(*stream);
  if (!answer) {
    co_return fail(std::move(answer).error());
  }
  response.body = std::move(answer).value();
  co_return response;
}

}  // namespace switchyard::providers
