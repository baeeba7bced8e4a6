#include "config/config.h"

#include <algorithm>
#include <array>
#include <utility>

#include "privacy/tagger.h"

namespace switchyard::config {
namespace {

constexpr std::array<std::pair<std::string_view, Capability>, 6> kCapabilityNames{{
    {"chat", Capability::kChat},
    {"streaming", Capability::kStreaming},
    {"tools", Capability::kTools},
    {"json_schema", Capability::kJsonSchema},
    {"embeddings", Capability::kEmbeddings},
    {"vision", Capability::kVision},
}};

}  // namespace

const ModelConfig* Config::find_model(std::string_view name) const {
  const auto it = std::find_if(models.begin(), models.end(),
                               [&](const ModelConfig& model) { return model.name == name; });
  return it == models.end() ? nullptr : &*it;
}

const ProviderConfig* Config::find_provider(std::string_view name) const {
  const auto it = std::find_if(providers.begin(), providers.end(),
                               [&](const ProviderConfig& p) { return p.name == name; });
  return it == providers.end() ? nullptr : &*it;
}

const TierConfig* Config::find_tier(std::string_view name) const {
  const auto it = std::find_if(tiers.begin(), tiers.end(),
                               [&](const TierConfig& tier) { return tier.name == name; });
  return it == tiers.end() ? nullptr : &*it;
}

bool Config::is_alias(std::string_view name) const {
  return std::any_of(routes.begin(), routes.end(),
                     [&](const RouteConfig& route) { return route.alias == name; });
}

Config default_config(const std::optional<std::string>& demo_model_path) {
  Config config;
  config.source = "<built-in default>";
  config.privacy.guard.model_path = privacy::default_tagger_path();
  if (demo_model_path) {
    ModelConfig demo{.name = std::string(kDemoModelName),
                     .provider = std::string(kLocalProvider),
                     .capabilities = static_cast<std::uint8_t>(
                         static_cast<std::uint8_t>(Capability::kChat) |
                         static_cast<std::uint8_t>(Capability::kStreaming))};
    demo.local.path = *demo_model_path;
    demo.on_our_hardware = true;
    config.models.push_back(std::move(demo));
  }
  return config;
}

std::optional<Capability> parse_capability(std::string_view name) {
  for (const auto& [candidate, capability] : kCapabilityNames) {
    if (candidate == name) {
      return capability;
    }
  }
  return std::nullopt;
}

}  // namespace switchyard::config
