#include <gtest/gtest.h>

#include "config/loader.h"

namespace switchyard::config {
namespace {

EnvLookup env_with(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto it = values.find(std::string(name));
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

constexpr char kValid[] = R"(
[server]
listen = "0.0.0.0:9090"
io_threads = 4
max_body_bytes = 1024
header_timeout_ms = 500
max_in_flight = 10

[[keys]]
name = "team-a"
key = "${TEAM_KEY}"

[[providers]]
name = "openai"
kind = "openai_compatible"
base_url = "https://api.example.com/v1/"
api_key_env = "OPENAI_KEY"
max_connections = 8

[[models]]
name = "fast"
provider = "openai"
upstream_model = "gpt-small"
input_price_per_mtok = 0.15
output_price_per_mtok = 1
context_length = 128000
capabilities = ["chat", "tools"]
)";

TEST(ConfigTest, LoadsEveryTable) {
  auto config =
      load_string(kValid, "valid.toml", env_with({{"TEAM_KEY", "k1"}, {"OPENAI_KEY", "sk-1"}}));
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server.host, "0.0.0.0");
  EXPECT_EQ(config->server.port, 9090);
  EXPECT_EQ(config->server.io_threads, 4U);
  EXPECT_EQ(config->server.max_body_bytes, 1024U);
  EXPECT_EQ(config->server.header_timeout, Millis(500));
  ASSERT_EQ(config->keys.size(), 1U);
  EXPECT_EQ(config->keys[0].digest, sha256("k1"));
  const auto& provider = config->providers.at(0);
  EXPECT_TRUE(provider.tls);
  EXPECT_EQ(provider.host, "api.example.com");
  EXPECT_EQ(provider.port, 443);
  EXPECT_EQ(provider.base_path, "/v1");
  EXPECT_EQ(provider.api_key, "sk-1");
  EXPECT_EQ(provider.max_connections, 8U);
  const auto* model = config->find_model("fast");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->upstream_model, "gpt-small");
  EXPECT_DOUBLE_EQ(model->input_price_per_mtok, 0.15);
  EXPECT_DOUBLE_EQ(model->output_price_per_mtok, 1.0);
  EXPECT_EQ(model->context_length, 128000U);
  EXPECT_TRUE(model->has(Capability::kTools));
  EXPECT_FALSE(model->has(Capability::kEmbeddings));
}

TEST(ConfigTest, DefaultsApplyWhenTablesAreEmpty) {
  auto config = load_string("", "empty.toml", env_with({}));
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->server.port, 8080);
  EXPECT_TRUE(config->models.empty());
}

// Every problem carries file, line and key, so the operator can go straight to it.
void expect_problem(const std::string& text, const std::string& needle,
                    std::map<std::string, std::string> env = {}) {
  auto config = load_string(text, "bad.toml", env_with(std::move(env)));
  ASSERT_FALSE(config.ok()) << text;
  EXPECT_NE(config.error().find(needle), std::string::npos) << config.error();
}

TEST(ConfigTest, RefusesBadValuesWithFileLineAndKey) {
  expect_problem("[server]\nmax_body_bytes = \"big\"\n",
                 "bad.toml:2:18: key 'server.max_body_bytes': must be an integer");
  expect_problem("[server]\nlisten = \"nowhere\"\n", "bad.toml:2:10: key 'server.listen'");
  expect_problem("[server]\nheader_timeout_ms = 0\n", "must be between 1 and");
  expect_problem("[server]\nlog_level = \"loud\"\n", "key 'server.log_level'");
}

TEST(ConfigTest, ReadsTheJsonBoundsWithinTheirRanges) {
  auto config = load_string("[server]\nmax_json_depth = 16\nmax_json_string_bytes = 4096\n",
                            "json.toml", env_with({}));
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->server.max_json_depth, 16U);
  EXPECT_EQ(config->server.max_json_string_bytes, 4096U);
  const ServerConfig defaults;
  EXPECT_EQ(defaults.max_json_depth, 64U);
  expect_problem("[server]\nmax_json_depth = 0\n", "key 'server.max_json_depth'");
  expect_problem("[server]\nmax_json_depth = 100000\n", "must be between 1 and 1024");
  expect_problem("[server]\nmax_json_string_bytes = 0\n", "key 'server.max_json_string_bytes'");
}

TEST(ConfigTest, ReadsTheScanCacheSizeWhereZeroTurnsItOff) {
  EXPECT_EQ(PrivacyConfig{}.scan_cache_bytes, 1024U * 1024U);
  auto config = load_string("[privacy]\nscan_cache_bytes = 0\n", "cache.toml", env_with({}));
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->privacy.scan_cache_bytes, 0U);
  expect_problem("[privacy]\nscan_cache_bytes = -1\n", "key 'privacy.scan_cache_bytes'");
}

TEST(ConfigTest, RefusesUnknownKeys) {
  expect_problem("[server]\nlisten_port = 1\n",
                 "bad.toml:2:15: key 'server.listen_port': unknown key");
}

// A provider whose key comes from the environment variable `variable`.
std::string provider_keyed_by(const std::string& variable) {
  return "[[providers]]\nname = \"p\"\nkind = \"openai_compatible\"\n"
         "base_url = \"http://127.0.0.1:1/v1\"\napi_key_env = \"" +
         variable + "\"\n";
}

TEST(ConfigTest, RefusesMissingEnvironmentVariables) {
  expect_problem("[[keys]]\nname = \"a\"\nkey = \"${NOT_SET}\"\n",
                 "key 'keys[0].key': environment variable 'NOT_SET' is not set");
  expect_problem(provider_keyed_by("ALSO_NOT_SET"),
                 "key 'providers[0].api_key_env': environment variable 'ALSO_NOT_SET'");
}

// The key is written into the Authorization line of every upstream request as it is.
TEST(ConfigTest, RefusesAnApiKeyWithALineBreak) {
  expect_problem(provider_keyed_by("KEY"), "environment variable 'KEY' holds a control character",
                 {{"KEY", "sk-1\r\nX-Injected: yes"}});
}

TEST(ConfigTest, RefusesInconsistentReferences) {
  expect_problem(R"([[models]]
name = "m"
provider = "ghost"
)",
                 "key 'models[0].provider': no provider named 'ghost'");
  expect_problem(R"([[providers]]
name = "p"
kind = "openai_compatible"
base_url = "http://x/v1"
[[providers]]
name = "p"
kind = "openai_compatible"
base_url = "http://y/v1"
)",
                 "duplicate provider name 'p'");
}

TEST(ConfigTest, RefusesBadProviders) {
  expect_problem("[[providers]]\nname = \"p\"\nkind = \"grpc\"\nbase_url = \"http://x\"\n",
                 "unknown provider kind 'grpc'");
  expect_problem(
      "[[providers]]\nname = \"p\"\nkind = \"openai_compatible\"\nbase_url = \"ftp://x\"\n",
      "key 'providers[0].base_url'");
  expect_problem("[[models]]\nname = \"m\"\nprovider = \"p\"\ncapabilities = [\"telepathy\"]\n",
                 "unknown capability");
}

TEST(ConfigTest, RefusesKeysWithBothOrNeitherForm) {
  expect_problem("[[keys]]\nname = \"a\"\n", "give exactly one of 'key' and 'sha256'");
  expect_problem("[[keys]]\nname = \"a\"\nsha256 = \"abc\"\n", "must be 64 hexadecimal");
}

TEST(ConfigTest, ReportsSyntaxErrorsWithPosition) {
  expect_problem("[server\n", "bad.toml:1:");
}

TEST(ConfigTest, InterpolatesInsideLongerStrings) {
  auto config = load_string(R"([[providers]]
name = "p"
kind = "openai_compatible"
base_url = "http://${HOST}:8000/v1"
)",
                            "t.toml", env_with({{"HOST", "10.0.0.5"}}));
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->providers[0].host, "10.0.0.5");
  EXPECT_EQ(config->providers[0].port, 8000);
}

}  // namespace
}  // namespace switchyard::config

namespace switchyard::config {
namespace {

TEST(ConfigPrivacyTest, DefaultsKeepPhiAndPciLocalBlockSecretsAndPseudonymizePii) {
  auto config = load_string("", "empty.toml", env_with({}));
  ASSERT_TRUE(config.ok()) << config.error();
  const auto& privacy = config->privacy;
  EXPECT_TRUE(privacy.enabled);
  EXPECT_FALSE(privacy.guard.model_path.empty());
  EXPECT_EQ(privacy.actions[privacy::DataClass::kPhi], privacy::Action::kLocalOnly);
  EXPECT_EQ(privacy.actions[privacy::DataClass::kPci], privacy::Action::kLocalOnly);
  EXPECT_EQ(privacy.actions[privacy::DataClass::kSecret], privacy::Action::kBlock);
  EXPECT_EQ(privacy.actions[privacy::DataClass::kPii], privacy::Action::kPseudonymize);
}

TEST(ConfigPrivacyTest, ReadsActionsPatternsAndLists) {
  auto config = load_string(R"(
[privacy]
enabled = false
tagger = "/models/tagger.bin"
pii = "allow"
pci = "block"
deny = ["Project Falcon"]
allow = ["support@example.com"]

[[privacy.patterns]]
name = "employee_id"
regex = "EMP-[0-9]{6}"
class = "pii"
type = "CUSTOM"
confidence = 0.8
)",
                            "privacy.toml", env_with({}));
  ASSERT_TRUE(config.ok()) << config.error();
  const auto& privacy = config->privacy;
  EXPECT_FALSE(privacy.enabled);
  EXPECT_EQ(privacy.guard.model_path, "/models/tagger.bin");
  EXPECT_EQ(privacy.actions[privacy::DataClass::kPii], privacy::Action::kAllow);
  EXPECT_EQ(privacy.actions[privacy::DataClass::kPci], privacy::Action::kBlock);
  ASSERT_EQ(privacy.guard.custom_patterns.size(), 1U);
  EXPECT_EQ(privacy.guard.custom_patterns[0].name, "employee_id");
  EXPECT_FLOAT_EQ(privacy.guard.custom_patterns[0].confidence, 0.8F);
  ASSERT_EQ(privacy.guard.deny_list.size(), 1U);
  EXPECT_EQ(privacy.guard.deny_list[0].value, "Project Falcon");
  EXPECT_EQ(privacy.guard.allow_list, std::vector<std::string>{"support@example.com"});
}

TEST(ConfigPrivacyTest, RefusesUnknownKeysAndValuesWithPositions) {
  expect_problem("[privacy]\npii = \"hide\"\n",
                 "bad.toml:2:7: key 'privacy.pii': must be one of local_only");
  expect_problem("[privacy]\nmode = \"strict\"\n", "bad.toml:2:8: key 'privacy.mode': unknown key");
  expect_problem("[[privacy.patterns]]\nname = \"x\"\nregex = \"y\"\n",
                 "key 'privacy.patterns[0].class': is required");
  expect_problem("[[privacy.patterns]]\nname = \"x\"\nregex = \"y\"\nclass = \"pii\"\nwho = 1\n",
                 "key 'privacy.patterns[0].who': unknown key");
  expect_problem("[privacy]\ndeny = [1]\n", "key 'privacy.deny': every item must be a string");
}

TEST(ConfigPrivacyTest, ModelsKnowWhetherTheyRunOnOurHardware) {
  auto config = load_string(R"(
[[providers]]
name = "vllm"
kind = "openai_compatible"
base_url = "http://10.0.0.5:8000/v1"
self_hosted = true

[[providers]]
name = "cloud"
kind = "openai_compatible"
base_url = "https://api.example.com/v1"

[[models]]
name = "ours"
provider = "vllm"

[[models]]
name = "theirs"
provider = "cloud"
)",
                            "where.toml", env_with({}));
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_TRUE(config->find_model("ours")->on_our_hardware);
  EXPECT_FALSE(config->find_model("theirs")->on_our_hardware);
  expect_problem(
      "[[providers]]\nname = \"p\"\nkind = \"openai_compatible\"\nbase_url = \"http://x\"\n"
      "self_hosted = \"yes\"\n",
      "key 'providers[0].self_hosted': must be true or false");
}

}  // namespace
}  // namespace switchyard::config

namespace switchyard::config {
namespace {

TEST(ConfigTest, ReadsReliabilityAndFallbacks) {
  const std::string text = std::string(kValid) + R"(
[[models]]
name = "backup"
provider = "openai"

[[models]]
name = "main"
provider = "openai"
fallbacks = ["backup", "fast"]

[reliability]
request_timeout_ms = 20000
max_attempts = 3
attempts_per_model = 1
retry_budget = 0.5
breaker_failures = 2
breaker_ejection_ms = 100
breaker_max_ejection_ms = 400
hedge_after_ms = 250
)";
  auto config = load_string(text, "ok.toml", env_with({{"TEAM_KEY", "k"}, {"OPENAI_KEY", "o"}}));
  ASSERT_TRUE(config) << config.error();
  const ReliabilityConfig& reliability = config->reliability;
  EXPECT_EQ(reliability.request_timeout, Millis(20'000));
  EXPECT_EQ(reliability.max_attempts, 3U);
  EXPECT_EQ(reliability.attempts_per_model, 1U);
  EXPECT_DOUBLE_EQ(reliability.retry_budget, 0.5);
  EXPECT_EQ(reliability.breaker_failures, 2U);
  EXPECT_EQ(reliability.breaker_max_ejection, Millis(400));
  EXPECT_EQ(reliability.hedge_after, Millis(250));
  EXPECT_EQ(config->find_model("main")->fallbacks, (std::vector<std::string>{"backup", "fast"}));
}

TEST(ConfigTest, RefusesBadReliabilitySettingsAndFallbacks) {
  expect_problem("[reliability]\nretry_budget = 2\n",
                 "key 'reliability.retry_budget': must be a number between 0 and 1");
  expect_problem("[reliability]\nbreaker_ejection_ms = 500\nbreaker_max_ejection_ms = 100\n",
                 "must be at least breaker_ejection_ms");
  expect_problem("[reliability]\nhedge_after_ms = -5\n", "reliability.hedge_after_ms");
  expect_problem("[reliability]\nmax_retries = 3\n", "key 'reliability.max_retries': unknown key");
  expect_problem(
      "[[models]]\nname = \"m\"\nprovider = \"local\"\npath = \"x.gguf\"\n"
      "fallbacks = [\"ghost\"]\n",
      "key 'models[0].fallbacks': no model named 'ghost'");
  expect_problem(
      "[[models]]\nname = \"m\"\nprovider = \"local\"\npath = \"x.gguf\"\n"
      "fallbacks = [\"m\"]\n",
      "'m' cannot be its own fallback");
}

}  // namespace
}  // namespace switchyard::config

namespace switchyard::config {
namespace {

constexpr char kRoutingBase[] = R"(
[[providers]]
name = "p"
kind = "openai_compatible"
base_url = "http://127.0.0.1:9/v1"
[[models]]
name = "a"
provider = "p"
[[models]]
name = "b"
provider = "p"
[[tiers]]
name = "both"
models = ["a", "b"]
)";

TEST(ConfigTest, ReadsRoutesAndExpandsTiers) {
  const std::string text = std::string(kRoutingBase) + R"(
[[routes]]
name = "tools"
features = ["tools"]
data_class = ["none", "pii"]
min_prompt_tokens = 5
metadata = { team = "x" }
to = ["b", "both"]
)";
  auto config = load_string(text, "ok.toml", env_with({}));
  ASSERT_TRUE(config) << config.error();
  const RouteConfig& route = config->routes.at(0);
  EXPECT_EQ(route.alias, "auto");
  EXPECT_EQ(route.models, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(route.when.min_prompt_tokens, 5U);
  EXPECT_EQ(route.when.metadata.at(0).second, "x");
  EXPECT_TRUE(config->is_alias("auto"));
  EXPECT_FALSE(config->is_alias("a"));
}

TEST(ConfigTest, RefusesInconsistentRoutes) {
  const std::string base(kRoutingBase);
  expect_problem(base + "[[routes]]\nname = \"r\"\nto = [\"ghost\"]\n",
                 "key 'routes[0].to': 'ghost' is neither a model nor a tier");
  expect_problem(base + "[[routes]]\nname = \"r\"\nalias = \"a\"\nto = [\"a\"]\n",
                 "'a' is a model's name; an alias must differ");
  expect_problem(base + "[[routes]]\nname = \"r\"\nintent = [\"x\"]\nto = [\"a\"]\n",
                 "needs [router].intent_model");
  expect_problem(base + "[[routes]]\nname = \"r\"\ndifficulty = \"hard\"\nto = [\"a\"]\n",
                 "needs [router].difficulty_model");
  expect_problem(base + "[[routes]]\nname = \"r\"\ndata_class = [\"pdf\"]\nto = [\"a\"]\n",
                 "key 'routes[0].data_class'");
  expect_problem(base + "[[routes]]\nname = \"r\"\n", "key 'routes[0].to': is required");
  expect_problem(base +
                     "[[routes]]\nname = \"r\"\nto = [\"a\"]\n[[routes]]\nname = "
                     "\"r\"\nto = [\"b\"]\n",
                 "duplicate route name 'r'");
}

}  // namespace
}  // namespace switchyard::config
