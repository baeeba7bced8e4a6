#include "privacy/clinical.h"

#include <array>
#include <cmath>
#include <string>
#include <unordered_map>

#include "privacy/text_scan.h"

namespace switchyard::privacy {
namespace {

struct Term {
  std::string_view word;
  float weight;
};

// Words that are rare outside clinical writing weigh more than ones with everyday uses.
constexpr Term kTerms[] = {
    {"patient", 0.6F},
    {"patients", 0.5F},
    {"diagnosis", 1.0F},
    {"diagnosed", 1.0F},
    {"prognosis", 1.0F},
    {"symptoms", 0.6F},
    {"symptom", 0.6F},
    {"prescribed", 1.0F},
    {"prescription", 0.8F},
    {"dosage", 0.8F},
    {"medication", 0.8F},
    {"medications", 0.8F},
    {"hypertension", 1.2F},
    {"diabetes", 1.0F},
    {"mellitus", 1.2F},
    {"hyperlipidemia", 1.2F},
    {"asthma", 0.8F},
    {"copd", 1.2F},
    {"pneumonia", 1.0F},
    {"carcinoma", 1.2F},
    {"tumor", 0.8F},
    {"malignant", 1.0F},
    {"biopsy", 1.0F},
    {"chemotherapy", 1.2F},
    {"depression", 0.6F},
    {"anxiety", 0.4F},
    {"schizophrenia", 1.2F},
    {"bipolar", 0.8F},
    {"hiv", 1.0F},
    {"hepatitis", 1.0F},
    {"infection", 0.5F},
    {"fracture", 0.8F},
    {"surgery", 0.6F},
    {"postoperative", 1.2F},
    {"admitted", 0.6F},
    {"discharged", 0.8F},
    {"discharge", 0.5F},
    {"icu", 0.8F},
    {"inpatient", 1.0F},
    {"outpatient", 1.0F},
    {"clinic", 0.5F},
    {"physician", 0.6F},
    {"allergies", 0.8F},
    {"allergic", 0.6F},
    {"vitals", 1.0F},
    {"bp", 0.6F},
    {"mmhg", 1.2F},
    {"bpm", 0.6F},
    {"tachycardia", 1.2F},
    {"bradycardia", 1.2F},
    {"arrhythmia", 1.2F},
    {"myocardial", 1.2F},
    {"infarction", 1.2F},
    {"stroke", 0.6F},
    {"renal", 1.0F},
    {"hepatic", 1.0F},
    {"chronic", 0.6F},
    {"acute", 0.6F},
    {"history", 0.2F},
    {"pmh", 1.2F},
    {"hpi", 1.2F},
    {"ros", 0.6F},
    {"dx", 1.0F},
    {"rx", 0.8F},
    {"tx", 0.4F},
    {"labs", 0.6F},
    {"hba1c", 1.2F},
    {"a1c", 1.0F},
    {"cbc", 1.0F},
    {"mri", 0.8F},
    {"ct", 0.3F},
    {"x-ray", 0.5F},
    {"insulin", 1.0F},
    {"antibiotics", 0.8F},
    {"opioid", 1.0F},
    {"mg", 0.6F},
    {"mcg", 0.8F},
    {"tablet", 0.5F},
    {"tablets", 0.5F},
    {"bid", 1.0F},
    {"tid", 1.0F},
    {"qid", 1.0F},
    {"prn", 1.0F},
    {"qhs", 1.2F},
    {"po", 0.4F},
    {"nausea", 0.6F},
    {"vomiting", 0.6F},
    {"fever", 0.4F},
    {"pain", 0.3F},
    {"complains", 0.6F},
    {"denies", 0.8F},
    {"pregnant", 0.6F},
    {"pregnancy", 0.6F},
    {"therapy", 0.4F},
    {"oncology", 1.0F},
    {"cardiology", 1.0F},
    {"radiology", 1.0F},
    {"psychiatric", 1.0F},
    {"medical", 0.3F},
};

// Endings of generic drug names (beta blockers, ACE inhibitors, statins, antibodies, ...).
constexpr std::string_view kDrugEndings[] = {
    "olol",   "pril",     "sartan", "statin", "mab",      "cillin",  "mycin",   "floxacin",
    "azole",  "prazole",  "tidine", "vir",    "formin",   "gliptin", "oxetine", "pam",
    "zolam",  "triptan",  "dipine", "semide", "thiazide", "parin",   "xaban",   "profen",
    "codone", "morphone", "sone",   "olone",  "nib",      "umab",    "lukast",  "tropium",
};

// Note section headers; they count when a colon follows.
constexpr std::string_view kHeaders[] = {
    "assessment",  "plan",        "impression", "hpi",       "subjective",
    "objective",   "medications", "allergies",  "diagnosis", "diagnoses",
    "complaint",   "vitals",      "labs",       "procedure", "findings",
    "disposition", "meds",        "pmh",        "ros",
};

constexpr std::string_view kDoseUnits[] = {"mg", "mcg", "g", "ml", "units", "iu", "meq", "mg/kg"};
constexpr std::string_view kFrequencies[] = {"bid", "tid", "qid", "qd", "daily", "prn", "qhs", "po",
                                             "iv",  "im",  "sc",  "sq", "q4h",   "q6h", "q8h"};

constexpr float kHeaderWeight = 1.5F;
constexpr float kDrugWeight = 1.0F;
constexpr float kDoseWeight = 1.5F;
constexpr std::size_t kMinDrugWordLength = 7;
constexpr std::size_t kMaxWordLength = 24;
constexpr float kEvidenceScale = 4.0F;

bool one_of(std::string_view word, std::span<const std::string_view> words) {
  for (const std::string_view candidate : words) {
    if (word == candidate) {
      return true;
    }
  }
  return false;
}

float term_weight(std::string_view lower) {
  // Built on first use; read-only afterwards, so concurrent lookups are safe.
  static const std::unordered_map<std::string_view, float> kIndex = [] {
    std::unordered_map<std::string_view, float> index;
    for (const Term& term : kTerms) {
      index.emplace(term.word, term.weight);
    }
    return index;
  }();
  const auto found = kIndex.find(lower);
  return found == kIndex.end() ? 0 : found->second;
}

bool drug_like(std::string_view lower) {
  if (lower.size() < kMinDrugWordLength) {
    return false;
  }
  for (const std::string_view ending : kDrugEndings) {
    if (lower.ends_with(ending)) {
      return true;
    }
  }
  return false;
}

bool all_digits(std::string_view word) {
  for (const char c : word) {
    if (!is_ascii_digit(c)) {
      return false;
    }
  }
  return !word.empty();
}

}  // namespace

float clinical_evidence(std::string_view text, std::span<const Token> tokens) {
  float evidence = 0;
  std::array<char, kMaxWordLength> buffer{};
  bool previous_number = false;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string_view word = text.substr(tokens[i].begin, tokens[i].size());
    if (word.size() > kMaxWordLength || !is_ascii_alnum(word[0])) {
      previous_number = false;
      continue;
    }
    for (std::size_t c = 0; c < word.size(); ++c) {
      buffer[c] = ascii_lower(word[c]);
    }
    const std::string_view lower(buffer.data(), word.size());
    const bool colon_next = i + 1 < tokens.size() && text[tokens[i + 1].begin] == ':';
    evidence += term_weight(lower);
    evidence += (colon_next && one_of(lower, kHeaders)) ? kHeaderWeight : 0;
    evidence += drug_like(lower) ? kDrugWeight : 0;
    // "10 mg" then "bid": a dose followed by a frequency.
    const bool dose = previous_number && one_of(lower, kDoseUnits);
    const bool frequency_next =
        dose && i + 1 < tokens.size() &&
        one_of(text.substr(tokens[i + 1].begin, tokens[i + 1].size()), kFrequencies);
    evidence += dose ? (frequency_next ? kDoseWeight * 2 : kDoseWeight) : 0;
    previous_number = all_digits(word);
  }
  return evidence;
}

float phi_score(float evidence) {
  return 1.0F - std::exp(-evidence / kEvidenceScale);
}

}  // namespace switchyard::privacy
