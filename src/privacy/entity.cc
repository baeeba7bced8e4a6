#include "privacy/entity.h"

namespace switchyard::privacy {
namespace {

struct TypeInfo {
  std::string_view name;
  DataClass data_class;
};

// Indexed by EntityType; the static_assert below keeps the two in step.
constexpr std::array<TypeInfo, kEntityTypeCount> kTypes{{
    {"PAYMENT_CARD", DataClass::kPci},
    {"IBAN", DataClass::kPci},
    {"BANK_ROUTING", DataClass::kPci},
    {"SWIFT_BIC", DataClass::kPci},
    {"US_SSN", DataClass::kPii},
    {"PASSPORT", DataClass::kPii},
    {"DRIVER_LICENSE", DataClass::kPii},
    {"EMAIL", DataClass::kPii},
    {"PHONE", DataClass::kPii},
    {"IP_ADDRESS", DataClass::kPii},
    {"MAC_ADDRESS", DataClass::kPii},
    {"DATE_OF_BIRTH", DataClass::kPii},
    {"STREET_ADDRESS", DataClass::kPii},
    {"PERSON", DataClass::kPii},
    {"LOCATION", DataClass::kPii},
    {"ORGANIZATION", DataClass::kPii},
    {"DATE_TIME", DataClass::kPii},
    {"AGE", DataClass::kPii},
    {"NRP", DataClass::kPii},
    {"TITLE", DataClass::kPii},
    {"POSTAL_CODE", DataClass::kPii},
    {"URL", DataClass::kPii},
    {"MEDICAL_RECORD", DataClass::kPhi},
    {"NPI", DataClass::kPhi},
    {"DEA", DataClass::kPhi},
    {"ICD10", DataClass::kPhi},
    {"HEALTH_PLAN_ID", DataClass::kPhi},
    {"ACCESS_TOKEN", DataClass::kSecret},
    {"PRIVATE_KEY", DataClass::kSecret},
    {"JWT", DataClass::kSecret},
    {"PASSWORD", DataClass::kSecret},
    {"GENERIC_SECRET", DataClass::kSecret},
    {"CUSTOM", DataClass::kPii},
}};
static_assert(kTypes.back().name == "CUSTOM");

constexpr std::array<std::string_view, kDataClassCount> kClassNames{"PCI", "PHI", "PII", "SECRET"};

}  // namespace

DataClass class_of(EntityType type) {
  return kTypes[static_cast<std::size_t>(type)].data_class;
}

std::string_view name_of(EntityType type) {
  return kTypes[static_cast<std::size_t>(type)].name;
}

std::string_view name_of(DataClass data_class) {
  return kClassNames[static_cast<std::size_t>(data_class)];
}

std::optional<EntityType> entity_type_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    if (kTypes[i].name == name) {
      return static_cast<EntityType>(i);
    }
  }
  return std::nullopt;
}

std::optional<DataClass> data_class_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kClassNames.size(); ++i) {
    if (kClassNames[i] == name) {
      return static_cast<DataClass>(i);
    }
  }
  return std::nullopt;
}

}  // namespace switchyard::privacy
