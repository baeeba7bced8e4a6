// The gateway's configuration: what `[server]`, `[[keys]]`, `[[providers]]`, `[[models]]`,
// `[privacy]` and `[reliability]` in the TOML file mean once validated. Immutable after load;
// shared read-only by all threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/hash.h"
#include "privacy/policy.h"
#include "privacy/scanner.h"

namespace switchyard::config {

using Millis = std::chrono::milliseconds;

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  unsigned io_threads = 0;  // 0: one per core
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  // Bounds on a JSON body beyond its size: nesting depth, and the length of any one string
  // (object keys included), enough for a long prompt or an image sent as a data URL.
  std::size_t max_json_depth = 64;
  std::size_t max_json_string_bytes = 4 * 1024 * 1024;
  Millis header_timeout{10'000};
  Millis body_timeout{30'000};
  Millis keepalive_timeout{75'000};
  Millis write_timeout{30'000};
  std::size_t max_connections = 10'000;
  std::size_t max_in_flight = 4'096;
  // Past this resident memory new requests get 503 at once while running ones finish; 0: none.
  std::size_t max_memory_bytes = 0;
  Millis drain_timeout{15'000};
  std::string log_level = "info";
};

// The window a money budget counts spend over: all time, a UTC day or a UTC month.
enum class BudgetWindow { kTotal, kDay, kMonth };

// A gateway key; only its digest is kept once the file is read. Limits of 0 are no limit.
struct KeyConfig {
  std::string name;
  Sha256Digest digest{};
  std::uint32_t requests_per_minute = 0;
  std::uint32_t tokens_per_minute = 0;  // prompt and completion tokens
  std::optional<double> budget_usd;
  BudgetWindow budget_window = BudgetWindow::kMonth;
};

enum class ProviderKind { kOpenAiCompatible };

struct ProviderConfig {
  std::string name;
  ProviderKind kind = ProviderKind::kOpenAiCompatible;
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string base_path;  // path prefix of base_url without trailing '/', e.g. "/v1"
  std::string api_key;    // resolved from api_key_env; empty when none
  std::string ca_file;
  // Runs on our own machines (a vLLM or llama.cpp server we operate), so requests the privacy
  // policy keeps local may go to it.
  bool self_hosted = false;
  std::size_t max_connections = 256;  // per I/O thread
  Millis connect_timeout{5'000};
  Millis first_byte_timeout{60'000};
  Millis idle_timeout{60'000};
  Millis request_timeout{600'000};
};

enum class Capability : std::uint8_t {
  kChat = 1 << 0,
  kStreaming = 1 << 1,
  kTools = 1 << 2,
  kJsonSchema = 1 << 3,
  kEmbeddings = 1 << 4,
  kVision = 1 << 5,
};

// A LoRA adapter over a local model, served under its own public model name.
struct LoraAdapterConfig {
  std::string name;  // public model name
  std::string path;  // GGUF adapter file
  double scale = 1.0;
};

// Settings of a model served in-process (provider = "local").
struct LocalModelOptions {
  std::string path;                // GGUF file
  std::uint32_t parallel = 4;      // sequences decoded together
  std::uint32_t threads = 0;       // 0: one per core
  std::uint32_t batch_size = 512;  // tokens per decode step, shared by all sequences
  std::uint32_t max_queue = 64;    // requests waiting for a free sequence before 503
  // A sequence keeps its last prompt's KV cache, and a request that starts with the same tokens
  // (a shared system prompt, the earlier turns of a conversation) is given that sequence and
  // decodes only the rest. Off: every prompt is decoded whole, for answers that depend only on
  // the request (reuse may change the last bits of the logits).
  bool prompt_cache = true;
  std::vector<LoraAdapterConfig> adapters;
};

// The reserved provider name of in-process models; it needs no [[providers]] entry.
inline constexpr std::string_view kLocalProvider = "local";

struct ModelConfig {
  std::string name;            // public name clients send
  std::string provider;        // name of a ProviderConfig
  std::string upstream_model;  // name sent upstream
  double input_price_per_mtok = 0;
  double output_price_per_mtok = 0;
  std::uint32_t context_length = 0;  // 0: unknown
  std::uint8_t capabilities = 0;
  LocalModelOptions local;
  // For the public name of an adapter: the base model's name and the adapter's index in its
  // local.adapters. Empty and -1 otherwise.
  std::string adapter_of;
  std::int32_t adapter = -1;
  // Runs on our own hardware: in-process, or at a self_hosted provider. Set by the loader.
  bool on_our_hardware = false;
  // Public names of the models to try, in order, when this one fails.
  std::vector<std::string> fallbacks;
  // The gateway's own limits on this model, over all keys; 0 is no limit.
  std::uint32_t requests_per_minute = 0;
  std::uint32_t tokens_per_minute = 0;

  bool is_local() const { return provider == kLocalProvider; }
  bool has(Capability capability) const {
    return (capabilities & static_cast<std::uint8_t>(capability)) != 0;
  }
};

// How the gateway turns failing upstreams into an answer from another attempt or model, or a
// bounded error: `[reliability]`. Per-attempt deadlines are the providers' own.
struct ReliabilityConfig {
  Millis request_timeout{300'000};  // a whole request, every attempt and wait included
  std::uint32_t max_attempts = 4;   // across all the models a request may go to
  std::uint32_t attempts_per_model = 2;
  Millis backoff_base{100};  // the first retry waits up to this (full jitter), doubling
  Millis backoff_max{5'000};
  Millis retry_after_max{10'000};  // an upstream's Retry-After is honoured up to this
  // Retries may be at most this share of the requests in flight (plus retry_budget_min), so
  // a dead provider is not hammered by every request retrying at once.
  double retry_budget = 0.2;
  std::uint32_t retry_budget_min = 10;
  // Circuit breaker per upstream: this many consecutive failures eject it for breaker_ejection,
  // doubling with each ejection that follows a failed probe, up to breaker_max_ejection.
  std::uint32_t breaker_failures = 5;
  Millis breaker_ejection{5'000};
  Millis breaker_max_ejection{30'000};
  // Hedging: when an attempt has not answered (a stream: sent its first event) after this
  // long, a second attempt goes to the next model and the first answer wins. 0: off.
  Millis hedge_after{0};
};

// The privacy guard: how its scanner is built and what the policy does with each data class.
struct PrivacyConfig {
  bool enabled = true;
  // Text of the applications' instructions (system prompts, tool definitions) whose findings
  // each I/O thread keeps (privacy/scan_cache.h); 0 turns the cache off.
  std::size_t scan_cache_bytes = 1024 * 1024;
  privacy::GuardOptions guard;  // model_path defaults to the tagger the build ships
  privacy::ClassActions actions;
};

// A named group of models, used by routes in place of a model: "small-local", "frontier".
struct TierConfig {
  std::string name;
  std::vector<std::string> models;
};

// What a route matches; an empty list or an unset bound matches anything, and a request
// matches when it meets every condition given.
struct RouteConditions {
  std::vector<std::string> data_classes;  // "pii", "phi", "pci", "secret", "none": any of them
  std::vector<std::string> intents;       // the classifier's labels, or "out_of_scope"
  std::optional<bool> hard;               // the difficulty scorer's verdict
  std::optional<std::uint32_t> min_prompt_tokens;
  std::optional<std::uint32_t> max_prompt_tokens;
  std::uint8_t features = 0;      // Capability bits the request must use, all of them
  std::vector<std::string> keys;  // gateway key names
  std::vector<std::pair<std::string, std::string>> metadata;  // request metadata, all equal
};

// One rule of a routed alias: where requests that match it go, in order of preference.
struct RouteConfig {
  std::string name;
  std::string alias = "auto";  // the model name clients send to be routed
  RouteConditions when;
  std::vector<std::string> to;      // model and tier names, as written
  std::vector<std::string> models;  // `to` with tiers expanded, duplicates dropped
  // Set: what requests this route is for, in words. The route model reads the descriptions of
  // the alias's routes and names one, and a described route matches only when it is named.
  std::string description;
};

// The trained classifiers routes may use, and how much traffic counts as hard.
struct RouterConfig {
  std::string intent_model;      // file; empty: no intent classifier
  std::string difficulty_model;  // file; empty: no difficulty scorer
  double escalate_share = 0.1;   // the share of requests the difficulty scorer calls hard
  // A chat model on our own hardware (it reads the request) that picks among described routes;
  // empty: none. It is given route_model_timeout to answer; after that no described route
  // matches.
  std::string route_model;
  std::chrono::milliseconds route_model_timeout{500};
};

struct Config {
  std::string source;  // file the config came from, or "<built-in default>"
  ServerConfig server;
  PrivacyConfig privacy;
  ReliabilityConfig reliability;
  std::vector<KeyConfig> keys;
  std::vector<ProviderConfig> providers;
  std::vector<ModelConfig> models;
  std::vector<TierConfig> tiers;
  std::vector<RouteConfig> routes;  // in order of precedence
  RouterConfig router;

  const ModelConfig* find_model(std::string_view name) const;
  const TierConfig* find_tier(std::string_view name) const;
  // Whether clients may send `name` as the model to have the request routed.
  bool is_alias(std::string_view name) const;
  const ProviderConfig* find_provider(std::string_view name) const;
};

// The public name of the demo model the built-in default serves.
inline constexpr std::string_view kDemoModelName = "switchyard-demo";

// The configuration `switchyard serve` runs with when no file is given: the server's
// defaults and, when `demo_model_path` is given, the demo model served in-process as
// "switchyard-demo" (chat and streaming).
Config default_config(const std::optional<std::string>& demo_model_path);

// Parses a capability name ("chat", "tools", ...); nullopt when unknown.
std::optional<Capability> parse_capability(std::string_view name);

}  // namespace switchyard::config
