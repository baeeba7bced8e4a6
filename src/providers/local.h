// LocalProvider: answers chat completions from an in-process LocalEngine, in OpenAI's
// shapes, so the API layer treats it like any upstream.
//
// The engine delivers events on its own thread; the provider posts each one to the I/O
// thread that asked, where the waiting coroutine picks it up. A stream that is dropped
// (the client went away) cancels its generation, which frees the engine's slot.
#pragma once

#include <memory>

#include "config/config.h"
#include "local/engine.h"
#include "providers/provider.h"

namespace switchyard::providers {

class IoThreadGate;

class LocalProvider final : public Provider {
 public:
  LocalProvider(http::net::io_context& io_context, const config::ModelConfig& model,
                std::shared_ptr<local::LocalEngine> engine);
  ~LocalProvider() override;
  LocalProvider(const LocalProvider&) = delete;
  LocalProvider& operator=(const LocalProvider&) = delete;

  Awaitable<Result<ProviderResponse, ProviderError>> send(ProviderRequest request) override;

 private:
  Awaitable<Result<ProviderResponse, ProviderError>> embed(const ProviderRequest& request);

  http::net::io_context& io_context_;
  const config::ModelConfig& model_;
  std::shared_ptr<local::LocalEngine> engine_;
  std::shared_ptr<IoThreadGate> gate_;
};

}  // namespace switchyard::providers
