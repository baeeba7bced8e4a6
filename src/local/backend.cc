#include "local/backend.h"

#include <mutex>
#include <string_view>
#include <thread>

#include <ggml-backend.h>
#include <llama.h>

#include "common/log.h"

namespace switchyard::local {
namespace {

void forward_log(ggml_log_level level, const char* text, void* /*user_data*/) {
  std::string_view line(text);
  while (!line.empty() && line.back() == '\n') {
    line.remove_suffix(1);
  }
  if (line.empty()) {
    return;
  }
  static const auto logger = log::get("llama");
  // llama.cpp is chatty at info (every tensor, every buffer); only its warnings and errors
  // are worth an operator's attention by default.
  const auto ours = level == GGML_LOG_LEVEL_ERROR  ? spdlog::level::err
                    : level == GGML_LOG_LEVEL_WARN ? spdlog::level::warn
                                                   : spdlog::level::trace;
  logger->log(ours, "{}", line);
}

}  // namespace

void ensure_backend() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(forward_log, nullptr);
    ggml_backend_load_all_from_path(SWITCHYARD_LLAMA_BACKEND_DIR);
    llama_backend_init();
  });
}

llama_context_params context_params_for(const config::ModelConfig& model) {
  llama_context_params params = llama_context_default_params();
  const auto threads = static_cast<std::int32_t>(
      model.local.threads != 0 ? model.local.threads : std::thread::hardware_concurrency());
  params.n_threads = threads;
  params.n_threads_batch = threads;
  return params;
}

}  // namespace switchyard::local
