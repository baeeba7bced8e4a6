// The vocabulary of the privacy guard: what kind of sensitive value a span of text holds
// (EntityType), which compliance regime it falls under (DataClass), and the span itself
// (Entity). Plain values; safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace switchyard::privacy {

// Which rules apply to a value. A request that carries any of them is "sensitive"; what the
// gateway then does (keep it local, pseudonymize, block) is the policy's decision, per class.
enum class DataClass : std::uint8_t {
  kPci,     // payment card industry: card numbers, bank accounts
  kPhi,     // protected health information
  kPii,     // personal data that identifies or locates a person
  kSecret,  // credentials: keys, tokens, passwords
};
inline constexpr std::size_t kDataClassCount = 4;

enum class EntityType : std::uint8_t {
  // Financial (PCI)
  kPaymentCard,
  kIban,
  kBankRouting,  // US ABA routing transit number
  kSwiftBic,
  // Identity (PII)
  kUsSsn,
  kPassport,
  kDriverLicense,
  kEmail,
  kPhone,
  kIpAddress,
  kMacAddress,
  kDateOfBirth,
  kStreetAddress,
  kPerson,
  kLocation,  // city, region, country
  kOrganization,
  kDateTime,  // a date or time that is not known to be a birth date
  kAge,
  kNrp,    // nationality, religious or political group
  kTitle,  // honorific or job title
  kPostalCode,
  kUrl,
  // Health (PHI)
  kMedicalRecord,
  kNpi,  // US National Provider Identifier
  kDea,  // US DEA registration number
  kIcd10,
  kHealthPlanId,
  // Secrets
  kAccessToken,  // a published key or token format (cloud, SaaS, model providers)
  kPrivateKey,   // a PEM private-key block
  kJwt,
  kPassword,
  kGenericSecret,  // a high-entropy value assigned to a key-like name
  // Configured by the operator (GuardOptions::custom_patterns, deny_list)
  kCustom,
};
inline constexpr std::size_t kEntityTypeCount = static_cast<std::size_t>(EntityType::kCustom) + 1;

// The class an entity type belongs to. Custom entities carry their class in the Entity.
DataClass class_of(EntityType type);

// Stable upper-case names ("PAYMENT_CARD", "US_SSN", ...), used in JSON and on the CLI.
std::string_view name_of(EntityType type);
std::string_view name_of(DataClass data_class);
std::optional<EntityType> entity_type_from_name(std::string_view name);
std::optional<DataClass> data_class_from_name(std::string_view name);

// One detected value. Offsets are bytes into the UTF-8 text that was scanned, half-open.
struct Entity {
  EntityType type = EntityType::kCustom;
  DataClass data_class = DataClass::kPii;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  float confidence = 0;  // 0..1
  // Which rule found it: an index into Scanner::rule_name(); stable for one Scanner.
  std::uint16_t rule = 0;

  std::uint32_t size() const { return end - begin; }
  bool overlaps(const Entity& other) const { return begin < other.end && other.begin < end; }
};

using ClassCounts = std::array<std::uint32_t, kDataClassCount>;

}  // namespace switchyard::privacy
