#include "config/loader.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "config/routing_loader.h"
#include "config/table_reader.h"
#include "privacy/tagger.h"

namespace switchyard::config {
namespace {

// A JSON body is checked by recursion over its values (and destroyed that way), so its depth
// stays far below what a thread's stack holds.
constexpr std::int64_t kMaxJsonDepth = 1024;
constexpr std::array<std::string_view, 7> kLogLevels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};

bool is_control_character(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == '\x7f';
}

void read_listen(TableReader& reader, ServerConfig& server) {
  const auto listen = reader.string("listen");
  if (!listen) {
    return;
  }
  const std::size_t colon = listen->rfind(':');
  const std::string host = colon == std::string::npos ? "" : listen->substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : listen->substr(colon + 1);
  char* end = nullptr;
  const long number = std::strtol(port.c_str(), &end, 10);
  if (host.empty() || port.empty() || *end != '\0' || number < 0 || number > 65535) {
    reader.error("listen", "must be HOST:PORT, e.g. \"127.0.0.1:8080\"");
    return;
  }
  server.host = host;
  server.port = static_cast<std::uint16_t>(number);
}

void read_server(TableReader& reader, ServerConfig& server) {
  read_listen(reader, server);
  if (auto threads = reader.integer("io_threads", 0, 1024)) {
    server.io_threads = static_cast<unsigned>(*threads);
  }
  reader.read_count("max_header_bytes", server.max_header_bytes, 1024);
  reader.read_count("max_body_bytes", server.max_body_bytes);
  if (auto depth = reader.integer("max_json_depth", 1, kMaxJsonDepth)) {
    server.max_json_depth = static_cast<std::size_t>(*depth);
  }
  reader.read_count("max_json_string_bytes", server.max_json_string_bytes);
  reader.read_millis("header_timeout_ms", server.header_timeout);
  reader.read_millis("body_timeout_ms", server.body_timeout);
  reader.read_millis("keepalive_timeout_ms", server.keepalive_timeout);
  reader.read_millis("write_timeout_ms", server.write_timeout);
  reader.read_count("max_connections", server.max_connections);
  reader.read_count("max_in_flight", server.max_in_flight);
  if (auto megabytes = reader.integer("max_memory_mb", 0, kMaxCount)) {
    server.max_memory_bytes = static_cast<std::size_t>(*megabytes) * 1024 * 1024;
  }
  reader.read_millis("drain_timeout_ms", server.drain_timeout);
  if (auto level = reader.string("log_level")) {
    if (std::find(kLogLevels.begin(), kLogLevels.end(), *level) == kLogLevels.end()) {
      reader.error("log_level", "must be one of trace, debug, info, warn, error, critical, off");
    } else {
      server.log_level = *level;
    }
  }
}

void read_key(TableReader& reader, KeyConfig& key) {
  key.name = reader.required_string("name");
  const auto plain = reader.string("key");
  const auto hex = reader.string("sha256");
  if (plain.has_value() == hex.has_value()) {
    reader.error(plain ? "sha256" : "key", "give exactly one of 'key' and 'sha256'");
    return;
  }
  if (plain) {
    if (plain->empty()) {
      reader.error("key", "must not be empty");
    }
    key.digest = sha256(*plain);
  } else if (auto digest = parse_sha256_hex(*hex)) {
    key.digest = *digest;
  } else {
    reader.error("sha256", "must be 64 hexadecimal characters");
  }
  reader.read_count("requests_per_minute", key.requests_per_minute);
  reader.read_count("tokens_per_minute", key.tokens_per_minute);
  if (reader.table().contains("budget_usd")) {
    double budget = 0;
    reader.read_price("budget_usd", budget);
    key.budget_usd = budget;
  }
  if (const auto window = reader.string("budget_window")) {
    if (*window == "total" || *window == "day" || *window == "month") {
      key.budget_window = *window == "total" ? BudgetWindow::kTotal
                          : *window == "day" ? BudgetWindow::kDay
                                             : BudgetWindow::kMonth;
    } else {
      reader.error("budget_window", "must be one of total, day, month");
    }
  }
}

void read_base_url(TableReader& reader, ProviderConfig& provider) {
  const std::string text = reader.required_string("base_url");
  if (text.empty()) {
    return;
  }
  const auto url = boost::urls::parse_absolute_uri(text);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty() ||
      url->has_query() || url->has_fragment()) {
    reader.error("base_url", "must be an http:// or https:// URL without query or fragment");
    return;
  }
  provider.tls = url->scheme() == "https";
  provider.host = url->host();
  provider.port = url->has_port() ? url->port_number() : (provider.tls ? 443 : 80);
  provider.base_path = url->encoded_path();
  while (!provider.base_path.empty() && provider.base_path.back() == '/') {
    provider.base_path.pop_back();
  }
}

void read_provider(TableReader& reader, ProviderConfig& provider, const EnvLookup& env) {
  provider.name = reader.required_string("name");
  const std::string kind = reader.required_string("kind");
  if (!kind.empty() && kind != "openai_compatible") {
    reader.error("kind",
                 fmt::format("unknown provider kind '{}' (known: openai_compatible)", kind));
  }
  read_base_url(reader, provider);
  if (auto variable = reader.string("api_key_env")) {
    if (auto value = env(*variable)) {
      provider.api_key = *value;
      // The key goes into a header line as it is; a line break would end that line early.
      if (std::any_of(value->begin(), value->end(), is_control_character)) {
        reader.error("api_key_env",
                     fmt::format("environment variable '{}' holds a control character", *variable));
      }
    } else {
      reader.error("api_key_env", fmt::format("environment variable '{}' is not set", *variable));
    }
  }
  provider.ca_file = reader.string("ca_file").value_or("");
  reader.read_bool("self_hosted", provider.self_hosted);
  reader.read_count("max_connections", provider.max_connections);
  reader.read_millis("connect_timeout_ms", provider.connect_timeout);
  reader.read_millis("first_byte_timeout_ms", provider.first_byte_timeout);
  reader.read_millis("idle_timeout_ms", provider.idle_timeout);
  reader.read_millis("request_timeout_ms", provider.request_timeout);
}

void read_capabilities(TableReader& reader, ModelConfig& model) {
  const toml::array* list = reader.array("capabilities");
  if (list == nullptr) {
    model.capabilities = static_cast<std::uint8_t>(Capability::kChat) |
                         static_cast<std::uint8_t>(Capability::kStreaming);
    return;
  }
  for (const auto& item : *list) {
    const auto name = item.value<std::string>();
    const auto capability = name ? parse_capability(*name) : std::nullopt;
    if (!capability) {
      reader.diagnostics().add(item.source(), reader.key_path("capabilities"),
                               "unknown capability (known: chat, streaming, tools, json_schema, "
                               "embeddings, vision)");
      continue;
    }
    model.capabilities |= static_cast<std::uint8_t>(*capability);
  }
}

// The settings only in-process models have; refused on other models so a misplaced `path`
// is not silently ignored.
void read_local_options(TableReader& reader, ModelConfig& model) {
  auto& local = model.local;
  const auto path = reader.string("path");
  if (!model.is_local()) {
    for (const char* key :
         {"path", "parallel", "threads", "batch_size", "max_queue", "prompt_cache", "adapters"}) {
      if (reader.table().contains(key)) {
        reader.find(key);
        reader.error(key, "only applies to models with provider = \"local\"");
      }
    }
    return;
  }
  if (!path || path->empty()) {
    reader.error("path", "is required for a local model (the GGUF file to load)");
  } else {
    local.path = *path;
  }
  reader.read_count("parallel", local.parallel);
  if (auto threads = reader.integer("threads", 0, 1024)) {
    local.threads = static_cast<std::uint32_t>(*threads);
  }
  reader.read_count("batch_size", local.batch_size, 8);
  reader.read_count("max_queue", local.max_queue, 0);
  reader.read_bool("prompt_cache", local.prompt_cache);
  read_table_array(reader, "adapters", local.adapters, reader.env(),
                   [](TableReader& r, LoraAdapterConfig& a) {
                     a.name = r.required_string("name");
                     a.path = r.required_string("path");
                     r.read_price("scale", a.scale);
                   });
}

// Every adapter becomes a model of its own, answered by its base model's engine.
void add_adapter_models(Config& config) {
  const std::size_t base_count = config.models.size();
  for (std::size_t i = 0; i < base_count; ++i) {
    for (std::size_t k = 0; k < config.models[i].local.adapters.size(); ++k) {
      ModelConfig adapted = config.models[i];
      adapted.name = config.models[i].local.adapters[k].name;
      adapted.local.adapters.clear();
      adapted.adapter_of = config.models[i].name;
      adapted.adapter = static_cast<std::int32_t>(k);
      config.models.push_back(std::move(adapted));
    }
  }
}

void read_model(TableReader& reader, ModelConfig& model) {
  model.name = reader.required_string("name");
  model.provider = reader.required_string("provider");
  model.upstream_model = reader.string("upstream_model").value_or(model.name);
  reader.read_price("input_price_per_mtok", model.input_price_per_mtok);
  reader.read_price("output_price_per_mtok", model.output_price_per_mtok);
  if (auto length = reader.integer("context_length", 1, kMaxCount)) {
    model.context_length = static_cast<std::uint32_t>(*length);
  }
  read_capabilities(reader, model);
  read_local_options(reader, model);
  model.fallbacks = reader.strings("fallbacks");
  reader.read_count("requests_per_minute", model.requests_per_minute);
  reader.read_count("tokens_per_minute", model.tokens_per_minute);
}

// [reliability]: deadlines, retries, the retry budget and the circuit breakers.
void read_reliability(TableReader& reader, ReliabilityConfig& reliability) {
  reader.read_millis("request_timeout_ms", reliability.request_timeout);
  reader.read_count("max_attempts", reliability.max_attempts);
  reader.read_count("attempts_per_model", reliability.attempts_per_model);
  reader.read_millis("backoff_base_ms", reliability.backoff_base, 0);
  reader.read_millis("backoff_max_ms", reliability.backoff_max, 0);
  reader.read_millis("retry_after_max_ms", reliability.retry_after_max, 0);
  reader.read_fraction("retry_budget", reliability.retry_budget, 0, 1);
  reader.read_count("retry_budget_min", reliability.retry_budget_min, 0);
  reader.read_count("breaker_failures", reliability.breaker_failures);
  reader.read_millis("breaker_ejection_ms", reliability.breaker_ejection);
  reader.read_millis("breaker_max_ejection_ms", reliability.breaker_max_ejection);
  reader.read_millis("hedge_after_ms", reliability.hedge_after, 0);
  if (reliability.breaker_max_ejection < reliability.breaker_ejection) {
    reader.error("breaker_max_ejection_ms", "must be at least breaker_ejection_ms");
  }
  if (reliability.backoff_max < reliability.backoff_base) {
    reader.error("backoff_max_ms", "must be at least backoff_base_ms");
  }
}

constexpr std::string_view kKnownActions = "local_only, pseudonymize, block, allow";
constexpr std::string_view kKnownClasses = "pii, phi, pci, secret";

void read_action(TableReader& reader, privacy::DataClass data_class,
                 privacy::ClassActions& actions) {
  std::string key(privacy::name_of(data_class));
  std::transform(key.begin(), key.end(), key.begin(), [](char c) { return std::tolower(c); });
  const auto name = reader.string(key);
  if (!name) {
    return;
  }
  if (const auto action = privacy::action_from_name(*name)) {
    actions[data_class] = *action;
  } else {
    reader.error(key, fmt::format("must be one of {}", kKnownActions));
  }
}

std::optional<privacy::DataClass> read_class(TableReader& reader, std::string_view key) {
  const auto name = reader.string(key);
  if (!name) {
    return std::nullopt;
  }
  std::string upper = *name;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return std::toupper(c); });
  const auto data_class = privacy::data_class_from_name(upper);
  if (!data_class) {
    reader.error(key, fmt::format("must be one of {}", kKnownClasses));
  }
  return data_class;
}

void read_pattern(TableReader& reader, privacy::CustomPattern& pattern) {
  pattern.name = reader.required_string("name");
  pattern.regex = reader.required_string("regex");
  if (!reader.table().contains("class")) {
    reader.error("class", fmt::format("is required (one of {})", kKnownClasses));
  }
  pattern.data_class = read_class(reader, "class").value_or(privacy::DataClass::kPii);
  if (const auto type = reader.string("type")) {
    if (const auto parsed = privacy::entity_type_from_name(*type)) {
      pattern.type = *parsed;
    } else {
      reader.error("type", "must be an entity type name such as \"PERSON\" or \"CUSTOM\"");
    }
  }
  double confidence = pattern.confidence;
  reader.read_price("confidence", confidence);
  if (confidence > 1) {
    reader.error("confidence", "must be between 0 and 1");
  }
  pattern.confidence = static_cast<float>(confidence);
}

// [privacy]: the scanner's inputs and one action per data class.
void read_privacy(TableReader& reader, PrivacyConfig& privacy) {
  reader.read_bool("enabled", privacy.enabled);
  reader.read_count("scan_cache_bytes", privacy.scan_cache_bytes, 0);
  if (auto tagger = reader.string("tagger")) {
    privacy.guard.model_path = *tagger;
  }
  for (const auto data_class : {privacy::DataClass::kPii, privacy::DataClass::kPhi,
                                privacy::DataClass::kPci, privacy::DataClass::kSecret}) {
    read_action(reader, data_class, privacy.actions);
  }
  read_table_array(reader, "patterns", privacy.guard.custom_patterns, reader.env(), read_pattern);
  for (auto& value : reader.strings("deny")) {
    privacy.guard.deny_list.push_back({.value = std::move(value)});
  }
  privacy.guard.allow_list = reader.strings("allow");
}

// Where each model runs: in-process models and those at self_hosted providers are on our own
// hardware.
void mark_hardware(Config& config) {
  for (ModelConfig& model : config.models) {
    const ProviderConfig* provider = config.find_provider(model.provider);
    model.on_our_hardware = model.is_local() || (provider != nullptr && provider->self_hosted);
  }
}

// Checks across tables: unique names, and models that name an existing provider.
void cross_check(const toml::table& root, Config& config, Diagnostics& diagnostics) {
  // Models made from adapters have no table of their own; their problems point at the file.
  auto where = [&](std::string_view array, std::size_t index) {
    const toml::node* node = root[array][index].node();
    return node != nullptr ? node->source() : root.source();
  };
  std::set<std::string> names;
  for (std::size_t i = 0; i < config.providers.size(); ++i) {
    if (config.providers[i].name == kLocalProvider) {
      diagnostics.add(where("providers", i), fmt::format("providers[{}].name", i),
                      "'local' is reserved for in-process models; choose another name");
    }
    if (!names.insert(config.providers[i].name).second) {
      diagnostics.add(where("providers", i), fmt::format("providers[{}].name", i),
                      fmt::format("duplicate provider name '{}'", config.providers[i].name));
    }
  }
  names.clear();
  for (std::size_t i = 0; i < config.models.size(); ++i) {
    const ModelConfig& model = config.models[i];
    if (!names.insert(model.name).second) {
      diagnostics.add(where("models", i), fmt::format("models[{}].name", i),
                      fmt::format("duplicate model name '{}'", model.name));
    }
    for (const std::string& fallback : model.fallbacks) {
      if (fallback == model.name || config.find_model(fallback) == nullptr) {
        diagnostics.add(where("models", i), fmt::format("models[{}].fallbacks", i),
                        fallback == model.name
                            ? fmt::format("'{}' cannot be its own fallback", fallback)
                            : fmt::format("no model named '{}'", fallback));
      }
    }
    if (!model.provider.empty() && !model.is_local() &&
        config.find_provider(model.provider) == nullptr) {
      diagnostics.add(where("models", i), fmt::format("models[{}].provider", i),
                      fmt::format("no provider named '{}'", model.provider));
    }
  }
  names.clear();
  for (std::size_t i = 0; i < config.keys.size(); ++i) {
    if (!names.insert(config.keys[i].name).second) {
      diagnostics.add(where("keys", i), fmt::format("keys[{}].name", i),
                      fmt::format("duplicate key name '{}'", config.keys[i].name));
    }
  }
}

Result<Config, std::string> build(const toml::table& root, std::string_view source,
                                  const EnvLookup& env) {
  Diagnostics diagnostics{std::string(source)};
  Config config;
  config.source = std::string(source);
  {
    TableReader reader(root, "", diagnostics, env);
    if (const toml::node* server = reader.find("server")) {
      if (const toml::table* table = server->as_table()) {
        TableReader server_reader(*table, "server", diagnostics, env);
        read_server(server_reader, config.server);
      } else {
        reader.error("server", "must be a table");
      }
    }
    read_table_array(reader, "keys", config.keys, env, read_key);
    read_table_array(reader, "providers", config.providers, env,
                     [&](TableReader& r, ProviderConfig& p) { read_provider(r, p, env); });
    read_table_array(reader, "models", config.models, env, read_model);
    config.privacy.guard.model_path = privacy::default_tagger_path();
    if (const toml::node* privacy = reader.find("privacy")) {
      if (const toml::table* table = privacy->as_table()) {
        TableReader privacy_reader(*table, "privacy", diagnostics, env);
        read_privacy(privacy_reader, config.privacy);
      } else {
        reader.error("privacy", "must be a table");
      }
    }
    read_routing(reader, config);
    if (const toml::table* table = reader.subtable("reliability")) {
      TableReader reliability_reader(*table, "reliability", diagnostics, env);
      read_reliability(reliability_reader, config.reliability);
    }
  }
  add_adapter_models(config);
  mark_hardware(config);
  if (diagnostics.empty()) {
    cross_check(root, config, diagnostics);
  }
  if (diagnostics.empty()) {
    check_routing(root, config, diagnostics);
  }
  if (!diagnostics.empty()) {
    return fail(diagnostics.joined());
  }
  return config;
}

}  // namespace

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
  };
}

Result<Config, std::string> load_string(std::string_view text, std::string_view source_name,
                                        const EnvLookup& env) {
  try {
    const toml::table root = toml::parse(text, source_name);
    return build(root, source_name, env);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return fail(
        fmt::format("{}:{}:{}: {}", source_name, where.line, where.column, error.description()));
  }
}

Result<Config, std::string> load_file(const std::string& path, const EnvLookup& env) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return fail(fmt::format("{}: cannot open the file", path));
  }
  std::ostringstream text;
  text << file.rdbuf();
  return load_string(text.str(), path, env);
}

}  // namespace switchyard::config
