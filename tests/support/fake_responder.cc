#include "support/fake_responder.h"

#include <ctime>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/fake_chat.h"
#include "support/fake_embeddings.h"

namespace switchyard::testing::fake {
namespace {

namespace json = boost::json;

constexpr std::string_view kChatPath = "/v1/chat/completions";
constexpr std::string_view kEmbeddingsPath = "/v1/embeddings";
constexpr std::string_view kModelsPath = "/v1/models";
constexpr int64_t kModelCreated = 1700000000;

const std::string& models_body() {
  static const std::string body =
      json::serialize(json::object{{"object", "list"},
                                   {"data", json::array{json::object{{"id", "fake-model"},
                                                                     {"object", "model"},
                                                                     {"created", kModelCreated},
                                                                     {"owned_by", "fake"}}}}});
  return body;
}

Answer unauthorized(std::string_view authorization) {
  ApiError error(401, authorization.empty() ? "missing API key in the Authorization header"
                                            : "incorrect API key provided");
  error.code = "invalid_api_key";
  return error_answer(error);
}

// The error a fault names, worded as OpenAI words it.
Answer fault_error_answer(const Fault& fault) {
  if (fault.error_code == "context_length_exceeded") {
    ApiError error(400,
                   "This model's maximum context length is 4096 tokens. However, your messages "
                   "resulted in 9000 tokens. Please reduce the length of the messages.");
    error.param = "messages";
    error.code = fault.error_code;
    return error_answer(error);
  }
  if (fault.error_code == "content_policy_violation") {
    ApiError error(400,
                   "Your request was rejected as a result of our safety system. Your prompt may "
                   "contain text that is not allowed by our safety system.");
    error.code = fault.error_code;
    return error_answer(error);
  }
  Answer answer = status_error_answer(*fault.error);
  if (fault.retry_after) {
    answer.retry_after = fault.retry_after;
  }
  return answer;
}

// The stream faults that change what is sent rather than how: an event that is not JSON, an
// error in place of an event, or no [DONE] at the end.
void spoil_stream(const Fault& fault, Answer& answer) {
  if (!answer.streaming) {
    return;
  }
  if (fault.bad_json_at && *fault.bad_json_at >= 1 && *fault.bad_json_at <= answer.events.size()) {
    answer.events[*fault.bad_json_at - 1] = sse_event(R"({"id": "chatcmpl-broken", "choices": [)");
  }
  if (fault.error_event_at && *fault.error_event_at >= 1 &&
      *fault.error_event_at <= answer.events.size()) {
    answer.events.resize(*fault.error_event_at);
    answer.events.back() =
        sse_event(R"({"error":{"message":"The server had an error while processing your request.",)"
                  R"("type":"server_error","param":null,"code":null}})");
  }
  if (fault.no_done && !answer.events.empty() && answer.events.back() == sse_event("[DONE]")) {
    answer.events.pop_back();
  }
}

}  // namespace

Responder::Responder(std::string_view api_key, std::string reply) : reply_(std::move(reply)) {
  if (!api_key.empty()) {
    expected_authorization_.append("Bearer ").append(api_key);
  }
  reply_words_ = split_words(reply_);
}

bool Responder::authorized(std::string_view authorization) const {
  return expected_authorization_.empty() || authorization == expected_authorization_;
}

Answer Responder::answer(const RequestView& request) const {
  if (!authorized(request.authorization)) {
    return unauthorized(request.authorization);
  }
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  if (request.method == "GET" && path == kModelsPath) {
    Answer answer;
    answer.body = models_body();
    return answer;
  }
  if (request.method == "POST" && (path == kChatPath || path == kEmbeddingsPath)) {
    return answer_post(path, request.body);
  }
  return error_answer(
      ApiError(404, "Invalid URL (" + std::string(request.method) + " " + std::string(path) + ")"));
}

Answer Responder::answer_post(std::string_view path, std::string_view body) const {
  json::error_code ec;
  json::value document = json::parse(body, ec);
  if (ec || !document.is_object()) {
    return error_answer(ApiError(400, "the request body is not a valid JSON object"));
  }
  const json::object& request = document.get_object();
  const json::value* model = request.if_contains("model");
  if (model == nullptr || !model->is_string()) {
    return invalid_param("model must be a string", "model");
  }

  if (outage_.load(std::memory_order_relaxed)) {
    return status_error_answer(503);
  }
  const std::string_view name = model->get_string();
  Fault fault = parse_fault(name);
  if (fault.fail_first && seen(name) > *fault.fail_first) {
    fault = fault.healthy();
  }
  Answer answer = fault.error ? fault_error_answer(fault) : answer_model(path, request, fault);
  if (fault.pretty && !answer.streaming) {
    answer.body = pretty_json(json::parse(answer.body));
  }
  spoil_stream(fault, answer);
  answer.fault = fault;
  return answer;
}

uint32_t Responder::seen(std::string_view model) const {
  const std::lock_guard lock(mutex_);
  auto it = requests_by_model_.find(model);
  if (it == requests_by_model_.end()) {
    it = requests_by_model_.emplace(std::string(model), 0).first;
  }
  return ++it->second;
}

Answer Responder::answer_model(std::string_view path, const json::object& request,
                               Fault fault) const {
  if (path == kEmbeddingsPath) {
    return embeddings_answer(request);
  }
  const ChatContext context{reply_words_, next_serial_.fetch_add(1, std::memory_order_relaxed),
                            static_cast<int64_t>(std::time(nullptr)), fault};
  return chat_answer(request, context);
}

}  // namespace switchyard::testing::fake
