// OpenAiCompatibleProvider: forwards requests to a server that speaks OpenAI's HTTP API
// (OpenAI itself, vLLM, llama.cpp's server, Ollama), over the I/O thread's connection pool.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/ssl/context.hpp>

#include "config/config.h"
#include "http/connection_pool.h"
#include "providers/provider.h"

namespace switchyard::providers {

class OpenAiCompatibleProvider final : public Provider {
 public:
  // `tls` is null for http:// upstreams; it, `config` and `endpoints` must outlive this.
  OpenAiCompatibleProvider(http::net::io_context& io_context, const config::ProviderConfig& config,
                           const http::EndpointCache& endpoints, http::net::ssl::context* tls);

  Awaitable<Result<ProviderResponse, ProviderError>> send(ProviderRequest request) override;

 private:
  // The request's head: start line and fields, ending in the blank line.
  std::string make_head(const ProviderRequest& request, std::size_t body_size) const;

  const config::ProviderConfig& config_;
  std::shared_ptr<http::ConnectionPool> pool_;
  // The fields every request carries (host, content type, user agent, credentials), written
  // once: building them as Beast fields took an allocation per field on every request.
  std::string fixed_fields_;
};

// Extracts the reason from an upstream error body: OpenAI's {"error": {...}}, the
// {"error": "text"} some servers send, {"detail": ...}, or else the raw text, shortened.
ProviderError parse_upstream_error(unsigned status, std::string_view body);

// How long an error response asks the client to wait: Retry-After, retry-after-ms, or the
// reset time of the rate limit (x-ratelimit-*) that is used up.
std::optional<std::chrono::milliseconds> requested_wait(const boost::beast::http::fields& headers);

}  // namespace switchyard::providers
